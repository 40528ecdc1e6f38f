// obs: observability shared by every stage: the logger and rate meters. Metrics are
// registered by the API's prom-client registry.
export * from './logger.js';
export * from './rate-meter.js';
export * from './process-memory.js';
