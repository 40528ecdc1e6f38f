import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { TickflowError } from '../core/index.js';
import type { ApiServer } from './context.js';
import { isLoopback } from './security.js';

export interface RateLimitOptions {
  /** Requests one client address may make per window; 0 turns limiting off. */
  readonly max: number;
  readonly windowMs: number;
  /**
   * Clients on this machine are not limited: the local dashboard, scripts and a Prometheus on
   * the same host can never lock themselves out. Behind a reverse proxy on the same host, set
   * `trustProxy` so that the client's address (not the proxy's) is the one seen here.
   */
  readonly exemptLoopback: boolean;
}

/** 10 requests/s on average: a person on the dashboard makes a few a second at most. */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, windowMs: 60_000, exemptLoopback: true };

/** Liveness, readiness and metrics are scraped on a schedule; a 429 there would read as an outage. */
const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/health', '/ready', '/metrics']);

const windowText = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * Per-client-address request limit on every route registered after this (so: register it before
 * the routes). Over the limit: 429 RATE_LIMITED in the API's error shape with `Retry-After`.
 * Returns false when limiting is off.
 */
export async function registerRateLimit(app: ApiServer, opts: RateLimitOptions): Promise<boolean> {
  if (opts.max <= 0) return false;
  // Parsing an address (node's BlockList) costs more than the rest of the check; clients are
  // few, so each address is looked at once (the memo is emptied if it ever gets large).
  const loopbackMemo = new Map<string, boolean>();
  const fromLoopback = (ip: string): boolean => {
    let yes = loopbackMemo.get(ip);
    if (yes === undefined) {
      if (loopbackMemo.size >= 4096) loopbackMemo.clear();
      yes = isLoopback(ip);
      loopbackMemo.set(ip, yes);
    }
    return yes;
  };
  const exempt = (request: FastifyRequest): boolean =>
    UNLIMITED_ROUTES.has(request.routeOptions.url ?? '') || (opts.exemptLoopback && fromLoopback(request.ip));
  await app.register(fastifyRateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.windowMs,
    allowList: exempt,
    // Thrown by the plugin, so the API's error handler gives it the usual body.
    errorResponseBuilder: (request, context) =>
      new TickflowError(
        'RATE_LIMITED',
        `too many requests from ${request.ip}: at most ${context.max} per ${windowText(opts.windowMs)}; retry in ${context.after}`,
        { details: { limit: context.max, windowMs: opts.windowMs, retryAfterSec: Math.ceil(context.ttl / 1000) } },
      ),
  });
  return true;
}
