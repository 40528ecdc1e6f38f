import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { Logger } from 'pino';
import { isTickflowError, parseBarSpec, TickflowError } from '../core/index.js';
import type { Store } from '../store/store.js';
import type { ApiContext, ApiServer, ModelControl } from './context.js';
import { corsOnRequest } from './cors.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { InstrumentCatalog } from './instrument-catalog.js';
import type { LiveFeed } from './live-feed.js';
import { httpRequestDuration } from './metrics.js';
import { exportPipelineStats } from './pipeline-metrics.js';
import { resolveInterval, servedIntervals } from './params.js';
import { registerAlertRoutes } from './routes/alerts.js';
import { registerBarRoutes } from './routes/bars.js';
import { registerCompatRoutes } from './routes/compat.js';
import { registerDataQualityRoutes } from './routes/data-quality.js';
import { registerIndicatorRoutes } from './routes/indicators.js';
import { registerInstrumentRoutes } from './routes/instruments.js';
import { registerModelRoutes } from './routes/models.js';
import { registerSeedRoutes, SeedModelSlot } from './routes/seed.js';
import { registerStatsRoutes } from './routes/stats.js';
import { registerSystemRoutes } from './routes/system.js';
import { registerWindowRoutes } from './routes/windows.js';
import { LiveHub, registerWsRoute } from './ws.js';

export interface ApiDeps {
  readonly store: Store;
  /** The running pipeline, when this process has one; without it the API serves the store only. */
  readonly live?: LiveFeed | undefined;
  /** Request logging goes here; false or absent: no logging. */
  readonly logger?: Logger | false | undefined;
  /** Dashboard files served at `/` when the directory exists. */
  readonly staticDir?: string | undefined;
  readonly version: string;
  /** The configured bar intervals (bar specs); the store's own intervals are served too. */
  readonly intervals: readonly string[];
  /** The running forecasters (promote); absent: POST /api/models/{id}/promote answers 503. */
  readonly models?: ModelControl | undefined;
  /** The seed prediction API's model file (`tickflow train` writes it); absent: /predict answers 503. */
  readonly seedModelPath?: string | undefined;
  /** How long the store's instrument list is trusted, ms (default 1000). */
  readonly catalogTtlMs?: number | undefined;
  readonly ws?:
    | {
        readonly maxBufferedBytes?: number;
        readonly closeBufferedBytes?: number;
        readonly statsIntervalMs?: number;
        readonly heartbeatMs?: number;
      }
    | undefined;
}

const DESCRIPTION = [
  'tickflow turns exchange trades into OHLCV bars, indicators, volatility and anomaly alerts in real time.',
  'Times are epoch milliseconds in responses; `from`/`to` accept epoch ms or ISO-8601. Errors are always',
  '`{"error":{"code","message","details"?}}` with a code from the core table. Pages: pass `nextCursor` back as `cursor`.',
  "Live updates stream over the WebSocket at /ws. Routes tagged `compat` reproduce the seed project's API shapes.",
].join(' ');

const TAGS = [
  { name: 'bars', description: 'instruments and OHLCV bars' },
  { name: 'indicators', description: 'indicators and volatility computed at bar close' },
  { name: 'alerts', description: 'anomaly alerts' },
  { name: 'stats', description: 'pipeline statistics, hopping-window KPIs, rejected and late records' },
  { name: 'live', description: 'WebSocket stream' },
  { name: 'compat', description: "the seed project's (seeds/004) FastAPI routes and shapes" },
  { name: 'models', description: 'forecasting models: registry, test-then-train scores, predictions with outcomes' },
  { name: 'seed-model', description: "the seed project's (seeds/000) prediction API: a same-bar linear regression, not a forecast" },
  { name: 'system', description: 'health, metrics, this document' },
];

/** Builds the API server (not listening). Routes can still be added before `ready()`/`listen()`. */
export async function createApiServer(deps: ApiDeps): Promise<ApiServer> {
  const intervals = canonicalIntervals(deps.intervals);
  const options = {
    // Unknown query parameters are reported (native routes say additionalProperties: false)
    // instead of silently dropped, so a typo like `limt=5` does not go unnoticed.
    ajv: { customOptions: { removeAdditional: false } },
    // Answers are small JSON; nothing here accepts a body.
    bodyLimit: 64 * 1024,
    // One line per request at info would drown the pipeline's own logs; they go to debug below.
    logController: new LogController({ disableRequestLogging: true }),
  } as const;
  const app: ApiServer = (
    deps.logger ? Fastify({ ...options, loggerInstance: deps.logger as FastifyBaseLogger }) : Fastify({ ...options, logger: false })
  ).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500)
      req.log.warn({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request failed');
    else req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  const catalog = new InstrumentCatalog(deps.store, deps.live, deps.catalogTtlMs === undefined ? {} : { ttlMs: deps.catalogTtlMs });
  const ctx: ApiContext = {
    store: deps.store,
    live: deps.live,
    version: deps.version,
    startedAt: Date.now(),
    intervals,
    catalog,
    intervalMemo: new Map(),
    models: deps.models,
    seedModel: new SeedModelSlot(deps.seedModelPath),
  };

  const live = deps.live;
  if (live !== undefined) {
    // /metrics exports this pipeline's counters (read from its stats at scrape time)
    const unexport = exportPipelineStats(() => live.stats());
    app.addHook('onClose', (_app, done) => {
      unexport();
      done();
    });
  }

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  app.addHook('onRequest', corsOnRequest);
  app.addHook('onResponse', (request, reply, done) => {
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? '(unmatched)', status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(fastifySwagger, {
    openapi: { openapi: '3.0.3', info: { title: 'tickflow', version: deps.version, description: DESCRIPTION }, tags: TAGS },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  const staticRoot = deps.staticDir === undefined ? undefined : resolve(deps.staticDir);
  const serveStatic = staticRoot !== undefined && existsSync(staticRoot) && statSync(staticRoot).isDirectory();

  registerSystemRoutes(app, ctx, { index: !serveStatic });
  registerInstrumentRoutes(app, ctx);
  registerBarRoutes(app, ctx);
  registerIndicatorRoutes(app, ctx);
  registerAlertRoutes(app, ctx);
  registerWindowRoutes(app, ctx);
  registerDataQualityRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  registerCompatRoutes(app, ctx);
  registerSeedRoutes(app, ctx);
  registerModelRoutes(app, ctx);

  const hub = new LiveHub({
    version: deps.version,
    live: deps.live,
    resolveInterval: (raw) => resolveInterval(ctx, raw),
    servedIntervals: () => servedIntervals(ctx),
    ...deps.ws,
  });
  registerWsRoute(app, hub);
  app.addHook('onClose', async () => hub.close());

  if (serveStatic) {
    await app.register(fastifyStatic, { root: staticRoot, prefix: '/' });
  }

  // Warm the instrument list so the first requests do not all wait on the store.
  app.addHook('onReady', async () => {
    await catalog.snapshot().catch((e: unknown) => app.log.warn({ err: e }, 'instrument list not loaded yet'));
  });
  return app;
}

export interface RunningApiServer {
  readonly url: string;
  readonly app: ApiServer;
  close(): Promise<void>;
}

/** Creates the server and listens; `port: 0` picks a free port (see `url`). */
export async function startApiServer(deps: ApiDeps & { readonly host: string; readonly port: number }): Promise<RunningApiServer> {
  const app = await createApiServer(deps);
  await app.listen({ host: deps.host, port: deps.port });
  const addr = app.server.address();
  const url =
    typeof addr === 'object' && addr !== null
      ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`
      : `http://${deps.host}:${deps.port}`;
  return { url, app, close: () => app.close() };
}

function canonicalIntervals(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of list) {
    try {
      const name = parseBarSpec(raw).name;
      if (!out.includes(name)) out.push(name);
    } catch (e) {
      throw isTickflowError(e) ? new TickflowError('CONFIG_INVALID', `api intervals: ${e.message}`) : e;
    }
  }
  return out;
}
