import Type from 'typebox';
import { BarSchema, TickflowError } from '../../core/index.js';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { canonicalInstrument, cursorOf, resolveInstrument, resolveInterval, timeRange } from '../params.js';
import { CursorParam, InstrumentParam, IntervalParam, limitParam, OrderParam, timeParam } from '../query-params.js';
import { BarsPageSchema } from '../schemas.js';

const BarsQuery = Type.Object(
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

const LatestQuery = Type.Object({ instrument: InstrumentParam, interval: Type.Optional(IntervalParam) }, { additionalProperties: false });

export function registerBarRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/bars',
    {
      schema: {
        tags: ['bars'],
        summary: 'final bars of one instrument and interval, paged',
        description:
          'Stored (final) bars in [from, to). Follow `nextCursor` for the next page; live interim bars are at /api/bars/latest and /ws.',
        querystring: BarsQuery,
        response: { 200: BarsPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const interval = resolveInterval(ctx, q.interval ?? '1m');
      const instrument = await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.bars({
        instrument,
        interval,
        limit: q.limit ?? 500,
        desc: q.order === 'desc',
        ...timeRange(q.from, q.to),
        ...cursorOf(q.cursor),
      });
      return { instrument, interval, bars: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/bars/latest',
    {
      // The hot route: request logs at info would cost more than the request itself.
      logLevel: 'warn',
      schema: {
        tags: ['bars'],
        summary: 'the newest bar, possibly still open (final: false)',
        description: "The live pipeline's current bar when it has one (no database access), else the newest stored bar.",
        querystring: LatestQuery,
        response: { 200: BarSchema, ...errorResponses },
      },
    },
    async (request) => {
      const interval = resolveInterval(ctx, request.query.interval ?? '1m');
      const raw = request.query.instrument;
      const id = canonicalInstrument(raw);
      const live = id === undefined ? undefined : ctx.live?.latestBar(id, interval);
      if (live !== undefined) return live;
      const instrument = await resolveInstrument(ctx, raw);
      const bar = await ctx.store.latestBar(instrument, interval);
      if (bar === undefined) throw new TickflowError('NOT_FOUND', `no ${interval} bar yet for ${instrument}`);
      return bar;
    },
  );
}
