import Type from 'typebox';
import type { FastifyReply } from 'fastify';
import { parseBarSpec, parseTime, TickflowError, toIso, type Bar, type IndicatorSet } from '../../core/index.js';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { resolveInstrument, resolveInterval, servedIntervals } from '../params.js';
import { MAX_LIMIT } from '../query-params.js';
import {
  CompatVolatilityResponseSchema,
  OhlcLatestResponseSchema,
  OhlcResponseSchema,
  SymbolsResponseSchema,
  type CompatVolatilityRow,
  type OhlcRow,
} from '../schemas.js';

/**
 * The seed's FastAPI data routes (seeds/004: /api/symbols, /api/ohlc/, /api/ohlc/latest,
 * /api/volatility/), same paths, parameters and JSON shapes, served from tickflow's store.
 * Differences, all deliberate: `symbol` is required on /api/ohlc/ and /api/volatility/ (the
 * seed mixed every symbol when it was missing); an unknown symbol is a 404, not an empty list;
 * volatility is tickflow's annualized realized vol of the chosen interval. Unknown query
 * parameters are ignored here, as FastAPI ignored them.
 */

const DAY_MS = 86_400_000;
const SEED = 'Mirrors the seed (seeds/004) FastAPI route';

const SYMBOL_DESCRIPTION =
  'bare symbol (BTCUSDT, btc-usdt: matched against the symbol part of instrument ids, ignoring case and separators) or a full instrument id. ' +
  'When several exchanges list the symbol, the one with the newest data is served; the X-Tickflow-Instrument response header names it.';

const symbolParam = (description: string) => Type.String({ minLength: 1, maxLength: 100, description, examples: ['BTCUSDT'] });

// No schema `default`: Ajv would fill in 1s and hide whether the client chose it.
const CompatInterval = Type.String({
  minLength: 1,
  maxLength: 32,
  description:
    "bar interval; when omitted, 1s like the seed's 1-second windows, or the finest served time interval if 1s is not served (named in X-Tickflow-Interval)",
  examples: ['1s'],
});

const DateParam = (what: string) =>
  Type.String({
    minLength: 1,
    maxLength: 40,
    description: `${what}: YYYY-MM-DD (whole UTC day, inclusive) or an ISO-8601 time / epoch ms`,
  });

const RangeQuery = Type.Object({
  symbol: symbolParam(SYMBOL_DESCRIPTION),
  start_date: Type.Optional(DateParam('first day')),
  end_date: Type.Optional(DateParam('last day')),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 1000, description: 'the newest rows up to this many, oldest first' }),
  ),
  interval: Type.Optional(CompatInterval),
});

const LatestQuery = Type.Object({
  symbol: Type.Optional(symbolParam(`${SYMBOL_DESCRIPTION} Omit for one row per instrument.`)),
  interval: Type.Optional(CompatInterval),
});

const AnyQuery = Type.Object({}, { additionalProperties: true });

export function registerCompatRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/symbols',
    {
      schema: {
        tags: ['compat'],
        summary: 'available symbols',
        description: `${SEED} GET /api/symbols: \`symbols\` are bare symbols as the seed listed them; \`instruments\` adds the full ids.`,
        querystring: AnyQuery,
        response: { 200: SymbolsResponseSchema, ...errorResponses },
      },
    },
    async () => {
      const instruments = await ctx.catalog.ids();
      const symbols = [...new Set(instruments.map(symbolOf))].sort();
      return { symbols, instruments };
    },
  );

  app.get(
    '/api/ohlc/',
    {
      schema: {
        tags: ['compat'],
        summary: 'OHLC rows of one symbol',
        description: `${SEED} GET /api/ohlc/?symbol=BTCUSD&limit=100&start_date=2025-11-10&end_date=2025-11-10: \`{data: [{timestamp, open, high, low, close, volume, symbol}], count, symbol}\`, the newest \`limit\` rows in the range, oldest first.`,
        querystring: RangeQuery,
        response: { 200: OhlcResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const interval = compatInterval(ctx, q.interval, reply);
      const instrument = await resolveSymbol(ctx, q.symbol, interval, reply);
      const page = await ctx.store.bars({
        instrument,
        interval,
        limit: q.limit ?? 1000,
        desc: true,
        ...dateRange(q.start_date, q.end_date),
      });
      const data = page.items.reverse().map(ohlcRow);
      return { data, count: data.length, symbol: q.symbol };
    },
  );

  app.get(
    '/api/ohlc/latest',
    {
      schema: {
        tags: ['compat'],
        summary: 'latest OHLC row per symbol',
        description: `${SEED} GET /api/ohlc/latest?symbol=BTCUSD: \`{data: [row]}\`; without \`symbol\`, one row per instrument. Uses the live (possibly still open) bar when there is one.`,
        querystring: LatestQuery,
        response: { 200: OhlcLatestResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const interval = compatInterval(ctx, q.interval, reply);
      const ids = q.symbol === undefined ? await ctx.catalog.ids() : [await resolveSymbol(ctx, q.symbol, interval, reply)];
      const bars = await Promise.all(ids.map(async (id) => ctx.live?.latestBar(id, interval) ?? (await ctx.store.latestBar(id, interval))));
      return { data: bars.filter((b): b is Bar => b !== undefined).map(ohlcRow) };
    },
  );

  app.get(
    '/api/volatility/',
    {
      schema: {
        tags: ['compat'],
        summary: 'volatility rows of one symbol',
        description:
          `${SEED} GET /api/volatility/?symbol=BTCUSD&limit=100: \`{data: [{timestamp, volatility, symbol}], count, symbol}\`. ` +
          'The trailing slash selects this variant; /api/volatility (no slash) is the native route and redirects here when called with `symbol`. ' +
          "volatility is tickflow's annualized realized volatility (0 while warming up, as the seed filled missing values).",
        querystring: RangeQuery,
        response: { 200: CompatVolatilityResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const interval = compatInterval(ctx, q.interval, reply);
      const instrument = await resolveSymbol(ctx, q.symbol, interval, reply);
      const page = await ctx.store.indicators({
        instrument,
        interval,
        limit: q.limit ?? 1000,
        desc: true,
        ...dateRange(q.start_date, q.end_date),
      });
      const data = page.items.reverse().map(volatilityRow);
      return { data, count: data.length, symbol: q.symbol };
    },
  );

  app.get(
    '/api/ohlc',
    {
      schema: {
        tags: ['compat'],
        summary: 'redirects to /api/ohlc/',
        description: 'FastAPI redirected the slash-less path to the route with the trailing slash; kept for clients that relied on it.',
        querystring: AnyQuery,
        response: { 307: Type.Null({ description: 'Location: /api/ohlc/ with the same query string' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const qs = request.url.indexOf('?');
      return reply.redirect(`/api/ohlc/${qs >= 0 ? request.url.slice(qs) : ''}`, 307);
    },
  );
}

function symbolOf(id: string): string {
  return id.slice(id.indexOf(':') + 1);
}

function ohlcRow(b: Bar): OhlcRow {
  return {
    timestamp: toIso(b.start),
    open: b.open,
    high: b.high,
    low: b.low,
    close: b.close,
    volume: b.volume,
    symbol: symbolOf(b.instrument),
  };
}

function volatilityRow(s: IndicatorSet): CompatVolatilityRow {
  return { timestamp: toIso(s.start), volatility: s.realizedVol ?? 0, symbol: symbolOf(s.instrument) };
}

/** The instrument a seed `symbol` names; ambiguity is resolved towards the freshest data and reported in headers. */
async function resolveSymbol(ctx: ApiContext, raw: string, interval: string, reply: FastifyReply): Promise<string> {
  const s = raw.trim();
  let chosen: string;
  if (s.includes(':')) {
    chosen = await resolveInstrument(ctx, s);
  } else {
    const matches = await ctx.catalog.matchSymbol(s);
    if (matches.length === 0) throw new TickflowError('UNKNOWN_INSTRUMENT', `unknown symbol '${s}'; GET /api/symbols lists the known ones`);
    const snap = await ctx.catalog.snapshot();
    let best = matches[0] ?? s;
    let bestTime = -Infinity;
    for (const id of matches) {
      const t = Math.max(ctx.live?.latestBar(id, interval)?.end ?? -Infinity, snap.byId.get(id)?.lastTime ?? -Infinity);
      if (t > bestTime) {
        best = id;
        bestTime = t;
      }
    }
    chosen = best;
    if (matches.length > 1) void reply.header('x-tickflow-candidates', matches.join(', '));
  }
  void reply.header('x-tickflow-instrument', chosen);
  return chosen;
}

/** The requested interval, else 1s, else the finest served time interval; named in X-Tickflow-Interval. */
function compatInterval(ctx: ApiContext, raw: string | undefined, reply: FastifyReply): string {
  let interval: string;
  if (raw !== undefined) {
    interval = resolveInterval(ctx, raw);
  } else {
    const served = servedIntervals(ctx);
    const finest = served
      .map((name) => parseBarSpec(name))
      .flatMap((spec) => (spec.kind === 'time' ? [spec] : []))
      .sort((a, b) => a.ms - b.ms)[0];
    if (served.includes('1s')) interval = '1s';
    else if (finest !== undefined) interval = finest.name;
    else throw new TickflowError('UNKNOWN_INTERVAL', `no time interval is served; pass interval= one of: ${served.join(', ')}`);
  }
  void reply.header('x-tickflow-interval', interval);
  return interval;
}

/** The seed compared dates as whole days, so an end date includes that day. */
function dateRange(start: string | undefined, end: string | undefined): { from?: number; to?: number } {
  const from = start === undefined ? undefined : parseTime(start, 'start_date');
  const endDay = end !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(end.trim());
  const to = end === undefined ? undefined : parseTime(end, 'end_date') + (endDay ? DAY_MS : 0);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new TickflowError('BAD_REQUEST', `start_date (${toIso(from)}) must be before end_date (${toIso(to)})`);
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}
