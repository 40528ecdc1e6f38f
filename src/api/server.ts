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
import { corsHook, type CorsOrigins } from './cors.js';
import { clientErrorHandler, errorHandler, frameworkErrorHandler, notFoundHandler } from './errors.js';
import { InstrumentCatalog } from './instrument-catalog.js';
import type { LiveFeed } from './live-feed.js';
import { httpRequestDuration } from './metrics.js';
import { toOpenApi30 } from './openapi-document.js';
import { exportPipelineStats } from './pipeline-metrics.js';
import { resolveInterval, servedIntervals } from './params.js';
import { DEFAULT_MAX_RANGE_MS, enforceRangeLimit } from './query-limits.js';
import { DEFAULT_RATE_LIMIT, registerRateLimit, type RateLimitOptions } from './rate-limit.js';
import { changesState, checkExposure, requireApiKey, ROUTE_SECURITY, SECURITY_SCHEMES, type ApiKey } from './security.js';
import { registerSecurityHeaders } from './security-headers.js';
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
  /** Who may call what, and how much (docs/SECURITY.md); absent: the defaults below. */
  readonly security?: ApiSecurityOptions | undefined;
}

export interface ApiTimeouts {
  /** Receiving a whole request (headers and body): a client that trickles bytes is cut off. */
  readonly requestMs: number;
  /** Routing to the reply sent: a slow store query answers 503 TIMEOUT instead of hanging. */
  readonly handlerMs: number;
  /** A socket with no traffic either way (a client that stopped reading); WebSockets are exempt. */
  readonly connectionMs: number;
  /** An idle keep-alive connection; longer than the 60 s idle timeout of common load balancers. */
  readonly keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ApiTimeouts = { requestMs: 30_000, handlerMs: 30_000, connectionMs: 120_000, keepAliveMs: 72_000 };

export interface ApiSecurityOptions {
  /**
   * The address the server will listen on. Beyond loopback an API key is required: creating the
   * server fails without one.
   */
  readonly host?: string | undefined;
  /** When set, every state-changing route needs it, whatever the address. */
  readonly apiKey?: ApiKey | undefined;
  /** Pages that may call the API from other origins (cors.ts); default `*`. */
  readonly corsOrigins?: CorsOrigins | undefined;
  /** Per client address; default DEFAULT_RATE_LIMIT; `max: 0` turns it off. */
  readonly rateLimit?: RateLimitOptions | undefined;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, `loopback`); default none. */
  readonly trustProxy?: readonly string[] | undefined;
  /** Longest from..to one request may ask for, ms; 0: no limit. Default DEFAULT_MAX_RANGE_MS. */
  readonly maxRangeMs?: number | undefined;
  readonly timeouts?: Partial<ApiTimeouts> | undefined;
}

/**
 * Log paths that could carry the API key. The server never logs request headers itself; this
 * keeps a future `req` serializer or a debugging `log.info({ headers })` from printing one.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
];

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
  const security = deps.security ?? {};
  checkExposure(security.host ?? '127.0.0.1', security.apiKey);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...security.timeouts };
  const trustProxy = security.trustProxy ?? [];
  const options = {
    // Unknown query parameters are reported (native routes say additionalProperties: false)
    // instead of silently dropped, so a typo like `limt=5` does not go unnoticed.
    ajv: { customOptions: { removeAdditional: false } },
    // Answers are small JSON; only the seed API's POSTs take a body (/batch_predict raises its own limit).
    bodyLimit: 64 * 1024,
    requestTimeout: timeouts.requestMs,
    // handlerTimeout is set per route below (not for routes that never wait).
    connectionTimeout: timeouts.connectionMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    trustProxy: trustProxy.length > 0 ? [...trustProxy] : false,
    // One line per request at info would drown the pipeline's own logs; they go to debug below.
    logController: new LogController({ disableRequestLogging: true }),
    // Model ids in paths are documented up to 200 characters (600 percent-encoded); the router's default is 100.
    routerOptions: { maxParamLength: 1024 },
    // Requests refused before routing get the API's error body too (errors.ts).
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  };
  const logger = deps.logger ? deps.logger.child({}, { redact: { paths: REDACT, censor: '[redacted]' } }) : undefined;
  const app: ApiServer = (
    logger ? Fastify({ ...options, loggerInstance: logger as FastifyBaseLogger }) : Fastify({ ...options, logger: false })
  ).withTypeProvider<TypeBoxTypeProvider>();

  // A handler that waits on the store is abandoned after handlerMs (503 TIMEOUT). Routes that only
  // compute (config.waits: false) have nothing to wait for: Fastify's timeout costs an
  // AbortController, a timer and a DOMException per request, a tenth of a POST /predict's CPU.
  app.addHook('onRoute', (route) => {
    if (route.config?.waits !== false) route.handlerTimeout ??= timeouts.handlerMs;
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
  // One synchronous hook for the log line and the metric (an async hook costs a promise per request).
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? '(unmatched)', status_code: status },
      ms / 1000,
    );
    if (status >= 500) request.log.warn({ method: request.method, url: request.url, status, ms }, 'request failed');
    else request.log.debug({ method: request.method, url: request.url, status, ms }, 'request');
    done();
  });

  const staticRoot = deps.staticDir === undefined ? undefined : resolve(deps.staticDir);
  const serveStatic = staticRoot !== undefined && existsSync(staticRoot) && statSync(staticRoot).isDirectory();

  // Helmet's hook first, so that every answer (a refused preflight, a 401) carries its headers.
  await registerSecurityHeaders(app, serveStatic ? staticRoot : undefined);
  app.addHook('onRequest', corsHook(security.corsOrigins ?? '*'));
  // Both before any route: each adds its checks to the routes declared after it.
  const limited = await registerRateLimit(app, security.rateLimit ?? DEFAULT_RATE_LIMIT);
  // 404s count too, or probing for routes would be free.
  if (limited) app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFoundHandler);
  else app.setNotFoundHandler(notFoundHandler);
  const apiKey = security.apiKey;
  if (apiKey !== undefined) {
    const guard = requireApiKey(apiKey);
    app.addHook('onRoute', (route) => {
      if (!changesState(route.method, route.url)) return;
      // Documented only where enforced, so the OpenAPI document describes this server.
      route.schema = { ...route.schema, security: ROUTE_SECURITY };
      const before = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
      route.onRequest = [...before, guard];
    });
  }
  enforceRangeLimit(app, security.maxRangeMs ?? DEFAULT_MAX_RANGE_MS);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'tickflow', version: deps.version, description: DESCRIPTION },
      tags: TAGS,
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transformObject: (d) => ('openapiObject' in d ? toOpenApi30(d.openapiObject) : d.swaggerObject),
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

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
  const app = await createApiServer({ ...deps, security: { ...deps.security, host: deps.host } });
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
