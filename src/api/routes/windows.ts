import Type from 'typebox';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { cursorOf, parseDurationMs, resolveInstrument, timeRange } from '../params.js';
import { CursorParam, InstrumentParam, limitParam, timeParam } from '../query-params.js';
import { WindowsPageSchema } from '../schemas.js';

const WindowsQuery = Type.Object(
  {
    instrument: InstrumentParam,
    size: Type.Optional(
      Type.String({ minLength: 1, maxLength: 20, description: 'window length: ms (300000) or a duration (5m)', examples: ['5m'] }),
    ),
    from: Type.Optional(timeParam('from')),
    to: Type.Optional(timeParam('to')),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
  },
  { additionalProperties: false },
);

export function registerWindowRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/windows',
    {
      schema: {
        tags: ['stats'],
        summary: 'hopping-window KPIs (average, min, max, VWAP, spread, trade count) of one instrument',
        querystring: WindowsQuery,
        response: { 200: WindowsPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const size = q.size === undefined ? undefined : parseDurationMs(q.size, 'size');
      const instrument = await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.windows({
        instrument,
        limit: q.limit ?? 500,
        ...(size === undefined ? {} : { size }),
        ...timeRange(q.from, q.to),
        ...cursorOf(q.cursor),
      });
      return { instrument, windows: page.items, nextCursor: page.nextCursor };
    },
  );
}
