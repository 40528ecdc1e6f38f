import Type from 'typebox';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { StatsResponseSchema } from '../schemas.js';

export function registerStatsRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/stats',
    {
      schema: {
        tags: ['stats'],
        summary: 'what the pipeline is doing: rates, counts, watermarks, queues (or store counts without a live pipeline)',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: StatsResponseSchema, ...errorResponses },
      },
    },
    async () => {
      if (ctx.live !== undefined) return ctx.live.stats();
      return {
        type: 'store-stats' as const,
        time: Date.now(),
        startedAt: ctx.startedAt,
        mode: 'serve' as const,
        counts: await ctx.store.counts(),
      };
    },
  );
}
