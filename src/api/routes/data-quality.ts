import Type from 'typebox';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { cursorOf, resolveInstrument, timeRange } from '../params.js';
import { CursorParam, InstrumentParam, limitParam, timeParam } from '../query-params.js';
import { GapsPageSchema, LatePageSchema, RejectsPageSchema } from '../schemas.js';

const RejectsQuery = Type.Object(
  {
    reason: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z_]{1,40}$',
        description: 'reject reason code, e.g. BAD_PRICE (case-insensitive)',
        examples: ['BAD_PRICE'],
      }),
    ),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
  },
  { additionalProperties: false },
);

const LateQuery = Type.Object(
  {
    instrument: InstrumentParam,
    from: Type.Optional(timeParam('from')),
    to: Type.Optional(timeParam('to')),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
  },
  { additionalProperties: false },
);

export function registerDataQualityRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/gaps',
    {
      schema: {
        tags: ['stats'],
        summary: "stretches of an instrument's trades a live feed did not deliver: bars overlapping [start, end] may be thin",
        querystring: LateQuery,
        response: { 200: GapsPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const instrument = await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.gaps({ instrument, limit: q.limit ?? 500, ...timeRange(q.from, q.to), ...cursorOf(q.cursor) });
      return { instrument, gaps: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/rejects',
    {
      schema: {
        tags: ['stats'],
        summary: 'rejected input records (dead letters) with the reason and a raw excerpt',
        querystring: RejectsQuery,
        response: { 200: RejectsPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await ctx.store.rejects({
        limit: q.limit ?? 500,
        ...(q.reason === undefined ? {} : { reason: q.reason.toUpperCase() }),
        ...cursorOf(q.cursor),
      });
      return { rejects: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/late',
    {
      schema: {
        tags: ['stats'],
        summary: 'trades that arrived after their bar was final (late side output) for one instrument',
        querystring: LateQuery,
        response: { 200: LatePageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const instrument = await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.late({ instrument, limit: q.limit ?? 500, ...timeRange(q.from, q.to), ...cursorOf(q.cursor) });
      return { instrument, late: page.items, nextCursor: page.nextCursor };
    },
  );
}
