import Type from 'typebox';
import { AlertKindSchema, SeveritySchema } from '../../core/index.js';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { cursorOf, resolveInstrument, timeRange } from '../params.js';
import { CursorParam, InstrumentParam, limitParam, timeParam } from '../query-params.js';
import { AlertsPageSchema } from '../schemas.js';

const AlertsQuery = Type.Object(
  {
    instrument: Type.Optional(InstrumentParam),
    kind: Type.Optional(AlertKindSchema),
    severity: Type.Optional(SeveritySchema),
    from: Type.Optional(timeParam('from')),
    to: Type.Optional(timeParam('to')),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
  },
  { additionalProperties: false },
);

export function registerAlertRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'anomaly alerts (return z-score, volume spike, price gap), all instruments unless filtered',
        querystring: AlertsQuery,
        response: { 200: AlertsPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const instrument = q.instrument === undefined ? undefined : await resolveInstrument(ctx, q.instrument);
      const page = await ctx.store.alerts({
        limit: q.limit ?? 500,
        ...(instrument === undefined ? {} : { instrument }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
        ...(q.severity === undefined ? {} : { severity: q.severity }),
        ...timeRange(q.from, q.to),
        ...cursorOf(q.cursor),
      });
      return { alerts: page.items, nextCursor: page.nextCursor };
    },
  );
}
