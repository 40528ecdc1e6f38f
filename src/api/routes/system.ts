import type {} from '@fastify/swagger';
import Type from 'typebox';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { metrics } from '../metrics.js';
import { exportModelScores } from '../pipeline-metrics.js';
import { checkReadiness } from '../readiness.js';
import { StoreHealth } from '../store-health.js';
import { HealthSchema, IndexSchema, type Health } from '../schemas.js';

const HEALTH_STORE_TIMEOUT_MS = 2000;
const NoQuery = Type.Object({}, { additionalProperties: false });

const ReadySchema = Type.Object({
  status: Type.Enum(['ok', 'error']),
  checks: Type.Array(
    Type.Object({
      name: Type.String({ description: 'the dependency: store, log (Kafka or the embedded log)' }),
      status: Type.Enum(['ok', 'error']),
      message: Type.Optional(Type.String({ description: 'why it failed' })),
      ms: Type.Number({ description: 'how long the check took' }),
    }),
  ),
});

export function registerSystemRoutes(app: ApiServer, ctx: ApiContext, options: { index: boolean }): void {
  // One check shared by /health and /ready, answered from its last result while fresh (store-health.ts).
  const storeHealth = new StoreHealth(() => ctx.store.counts(), { timeoutMs: HEALTH_STORE_TIMEOUT_MS });
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
      const problem = await storeHealth.problem();
      if (problem === null) return { status: 'ok', store: 'ok', ...base } satisfies Health;
      return reply.status(503).send({ status: 'error', store: 'error', message: problem, ...base });
    },
  );

  app.get(
    '/ready',
    {
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary: "readiness: the process's dependencies (store; the log when the process runs a pipeline) answer; 503 when one does not",
        querystring: NoQuery,
        response: { 200: ReadySchema, 503: ReadySchema, ...errorResponses },
      },
    },
    async (_request, reply) => {
      const r = await checkReadiness([
        {
          name: 'store',
          check: async () => {
            const problem = await storeHealth.problem();
            if (problem !== null) throw new Error(problem);
          },
        },
      ]);
      return reply.status(r.ready ? 200 : 503).send({ status: r.ready ? 'ok' : 'error', checks: [...r.checks] });
    },
  );

  // The forecasting models' scores on /metrics come from the store this server reads (run:
  // the pipeline's; serve: the one it writes or reads), refreshed in the background.
  const scores = exportModelScores({ models: () => ctx.store.models({}) });
  app.addHook('onClose', async () => scores.unset());

  app.get(
    '/metrics',
    {
      logLevel: 'warn',
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (text exposition format)',
        querystring: NoQuery,
        // Documented as text, not JSON: a bare string schema would be rendered as application/json.
        response: {
          200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
          ...errorResponses,
        },
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
        ready: '/ready',
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
