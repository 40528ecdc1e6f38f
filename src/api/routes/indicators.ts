import Type from 'typebox';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { cursorOf, resolveInstrument, resolveInterval, timeRange } from '../params.js';
import { CursorParam, InstrumentParam, IntervalParam, limitParam, OrderParam, timeParam } from '../query-params.js';
import { IndicatorsPageSchema, VolatilityPageSchema } from '../schemas.js';

const IndicatorsQuery = Type.Object(
  {
    instrument: InstrumentParam,
    interval: Type.Optional(IntervalParam),
    from: Type.Optional(timeParam('from')),
    to: Type.Optional(timeParam('to')),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
    order: Type.Optional(OrderParam),
  },
  { additionalProperties: false },
);

export function registerIndicatorRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/indicators',
    {
      schema: {
        tags: ['indicators'],
        summary: 'indicators computed at each bar close (SMA, EMA, RSI, MACD, Bollinger, ATR, returns, realized vol)',
        description: 'A value is null until its window has warmed up.',
        querystring: IndicatorsQuery,
        response: { 200: IndicatorsPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const interval = resolveInterval(ctx, q.interval ?? '1m');
      const instrument = await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.indicators({
        instrument,
        interval,
        limit: q.limit ?? 500,
        desc: q.order === 'desc',
        ...timeRange(q.from, q.to),
        ...cursorOf(q.cursor),
      });
      return { instrument, interval, indicators: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/volatility',
    {
      // The seed's clients call /api/volatility/?symbol=..; without the slash FastAPI
      // redirected them, so do the same rather than fail on the unknown `symbol`.
      preValidation: async (request, reply) => {
        const raw: unknown = request.query;
        if (typeof raw === 'object' && raw !== null && 'symbol' in raw && !('instrument' in raw)) {
          const qs = request.url.indexOf('?');
          return reply.redirect(`/api/volatility/${qs >= 0 ? request.url.slice(qs) : ''}`, 307);
        }
        return undefined;
      },
      schema: {
        tags: ['indicators'],
        summary: 'realized volatility and log returns per bar',
        description:
          'The volatility columns of /api/indicators. A request with `symbol` and no `instrument` is the seed-compatible call: it is redirected (307) to /api/volatility/ (see tag compat).',
        querystring: IndicatorsQuery,
        response: { 200: VolatilityPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const interval = resolveInterval(ctx, q.interval ?? '1m');
      const instrument = await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.indicators({
        instrument,
        interval,
        limit: q.limit ?? 500,
        desc: q.order === 'desc',
        ...timeRange(q.from, q.to),
        ...cursorOf(q.cursor),
      });
      const points = page.items.map((s) => ({ start: s.start, realizedVol: s.realizedVol, logReturn: s.logReturn }));
      return { instrument, interval, points, nextCursor: page.nextCursor };
    },
  );
}
