import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process-wide Prometheus registry served at GET /metrics. Other parts register their
 * own metrics on it (`registers: [metrics]`) instead of prom-client's global registry, so
 * tests and embedders can reason about exactly what is exported.
 */
export const metrics = new Registry();

// Default process metrics keep their conventional unprefixed names so stock Grafana
// dashboards for Node processes work unchanged.
collectDefaultMetrics({ register: metrics });

export const httpRequestDuration = new Histogram({
  name: 'tickflow_http_request_duration_seconds',
  help: 'HTTP request duration by route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  // Sub-millisecond buckets: the hot routes answer from memory.
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metrics],
});

export const wsClients = new Gauge({
  name: 'tickflow_ws_clients',
  help: 'Connected WebSocket clients',
  registers: [metrics],
});

export const wsMessagesSent = new Counter({
  name: 'tickflow_ws_messages_sent_total',
  help: 'Messages sent to WebSocket clients, by message type',
  labelNames: ['type'] as const,
  registers: [metrics],
});

export const wsMessagesDropped = new Counter({
  name: 'tickflow_ws_messages_dropped_total',
  help: 'Interim bar updates not sent to WebSocket clients whose send buffer was over the limit',
  registers: [metrics],
});

export const wsSlowClientsClosed = new Counter({
  name: 'tickflow_ws_slow_clients_closed_total',
  help: 'WebSocket clients disconnected because their send buffer passed the hard limit',
  registers: [metrics],
});
