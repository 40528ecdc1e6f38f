import type { ApiSecurityOptions } from '../api/index.js';
import type { Config } from './config.js';

/** The API protection settings of `run` and `serve` (docs/SECURITY.md), as the API server takes them. */
export function apiSecurity(cfg: Config): ApiSecurityOptions {
  return {
    host: cfg.host,
    apiKey: cfg.apiKey,
    corsOrigins: cfg.corsOrigins,
    rateLimit: { max: cfg.rateLimit, windowMs: 60_000, exemptLoopback: true },
    trustProxy: cfg.trustProxy,
    maxRangeMs: cfg.maxRange,
  };
}
