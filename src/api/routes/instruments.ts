import Type from 'typebox';
import type { Bar } from '../../core/index.js';
import type { InstrumentSummary } from '../../store/store.js';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { servedIntervals } from '../params.js';
import { InstrumentsResponseSchema, type InstrumentInfo } from '../schemas.js';

export function registerInstrumentRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/instruments',
    {
      schema: {
        tags: ['bars'],
        summary: 'known instruments with their intervals, time range, bar count and last close',
        description:
          'The union of what the store holds and what the live pipeline has seen (refreshed from the store at most once a second).',
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: InstrumentsResponseSchema, ...errorResponses },
      },
    },
    async () => {
      const snap = await ctx.catalog.snapshot();
      const ids = await ctx.catalog.ids();
      const liveIds = new Set(ctx.live?.instruments() ?? []);
      const intervals = servedIntervals(ctx);
      return { instruments: ids.map((id) => describe(id, snap.byId.get(id), liveIds.has(id) ? liveBars(ctx, id, intervals) : [])) };
    },
  );
}

function liveBars(ctx: ApiContext, id: string, intervals: readonly string[]): Bar[] {
  const out: Bar[] = [];
  for (const interval of intervals) {
    const bar = ctx.live?.latestBar(id, interval);
    if (bar !== undefined) out.push(bar);
  }
  return out;
}

function describe(id: string, stored: InstrumentSummary | undefined, live: readonly Bar[]): InstrumentInfo {
  const i = id.indexOf(':');
  const intervals = [...(stored?.intervals ?? [])];
  let lastTime = stored?.lastTime ?? null;
  let lastClose = stored?.lastClose ?? null;
  for (const bar of live) {
    if (!intervals.includes(bar.interval)) intervals.push(bar.interval);
    // The live bar with the newest end has the freshest close.
    if (lastTime === null || bar.end > lastTime) {
      lastTime = bar.end;
      lastClose = bar.close;
    }
  }
  return {
    instrument: id,
    exchange: id.slice(0, i),
    symbol: id.slice(i + 1),
    intervals,
    firstTime: stored?.firstTime ?? null,
    lastTime,
    bars: stored?.bars ?? 0,
    lastClose,
    live: live.length > 0,
  };
}
