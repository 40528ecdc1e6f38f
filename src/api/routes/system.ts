import type {} from '@fastify/swagger';
import Type from 'typebox';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { metrics } from '../metrics.js';
import { HealthSchema, IndexSchema, type Health } from '../schemas.js';

const HEALTH_STORE_TIMEOUT_MS = 2000;
const NoQuery = Type.Object({}, { additionalProperties: false });

export function registerSystemRoutes(app: ApiServer, ctx: ApiContext, options: { index: boolean }): void {
  app.get(
    '/health',
    {
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary: 'liveness and store reachability; 503 when the store does not answer',
        querystring: NoQuery,
        response: { 200: HealthSchema, 503: HealthSchema, ...errorResponses },
      },
    },
    async (_request, reply) => {
      const base = {
        version: ctx.version,
        uptimeSec: Math.round((Date.now() - ctx.startedAt) / 1000),
        model_loaded: ctx.seedModel.loaded,
      };
      try {
        await withTimeout(ctx.store.counts(), HEALTH_STORE_TIMEOUT_MS);
        return { status: 'ok', store: 'ok', ...base } satisfies Health;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return reply.status(503).send({ status: 'error', store: 'error', message: `store query failed: ${message}`, ...base });
      }
    },
  );

  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format)',
        querystring: NoQuery,
        response: { 200: Type.String({ description: 'Prometheus text format 0.0.4' }), ...errorResponses },
      },
    },
    async (_request, reply) => {
      const text = await metrics.metrics();
      return reply.type(metrics.contentType).send(text);
    },
  );

  app.get(
    '/openapi.json',
    {
      schema: {
        tags: ['system'],
        summary: 'this OpenAPI 3 document (also browsable at /docs)',
        querystring: NoQuery,
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async () => app.swagger(),
  );

  if (!options.index) return;
  app.get(
    '/',
    {
      schema: {
        tags: ['system'],
        summary: 'links to what this server offers (served when no dashboard directory is configured)',
        querystring: NoQuery,
        response: { 200: IndexSchema, ...errorResponses },
      },
    },
    async () => ({
      name: 'tickflow',
      version: ctx.version,
      links: {
        docs: '/docs',
        openapi: '/openapi.json',
        health: '/health',
        metrics: '/metrics',
        instruments: '/api/instruments',
        bars: '/api/bars?instrument=<id>&interval=1m',
        latest: '/api/bars/latest?instrument=<id>&interval=1m',
        stats: '/api/stats',
        ws: '/ws',
      },
    }),
  );
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
