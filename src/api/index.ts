// api: the HTTP face of tickflow. Fastify REST routes over the store and the live pipeline,
// a WebSocket live stream, OpenAPI at /docs, Prometheus /metrics, /health, the dashboard's
// static files, and the seed project's routes as a compatibility layer.
export {
  createApiServer,
  startApiServer,
  DEFAULT_TIMEOUTS,
  type ApiDeps,
  type ApiSecurityOptions,
  type ApiTimeouts,
  type RunningApiServer,
} from './server.js';
export { ApiKey, checkExposure, isLoopback } from './security.js';
export type { ApiServer } from './context.js';
export type { LiveEvent, LiveFeed } from './live-feed.js';
export { metrics } from './metrics.js';
export { ErrorBodySchema, type ErrorBody } from './errors.js';
export * from './schemas.js';
export * from './ws-messages.js';
