import type { IncomingMessage } from 'node:http';

/** What a REST handler answers. A string body is sent as is, anything else as JSON. */
export interface RestResponse {
  /** Default 200. */
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One route of the fake's REST table, keyed by pathname (`/api/v3/historicalTrades`). */
export type RestHandler = (query: URLSearchParams, req: IncomingMessage) => RestResponse | Promise<RestResponse>;

export type RestRoutes = Readonly<Record<string, RestHandler>>;

/** One REST request as the fake saw it, in arrival order. */
export interface RestHit {
  readonly path: string;
  /** The raw query string without `?` (`symbol=BTCUSDT&fromId=5`). */
  readonly query: string;
  readonly status: number;
  /** epoch ms */
  readonly at: number;
}

export interface RateLimit {
  /** Requests accepted per window. */
  readonly requests: number;
  /** Sliding window length, ms. */
  readonly perMs: number;
  /** Body of the 429 (default Binance's `{"code":-1003,...}`). */
  readonly body?: unknown;
}

/**
 * Sliding-window limiter over every REST request. Only accepted requests take a slot, so a
 * client that keeps hammering after a 429 is not punished further (Binance would ban with 418;
 * the fake does not).
 */
export class SlidingWindowLimiter {
  readonly #accepted: number[] = [];

  constructor(readonly limit: RateLimit) {
    if (!(limit.requests >= 1) || !(limit.perMs > 0)) throw new RangeError('rateLimit needs requests >= 1 and perMs > 0');
  }

  /** `undefined` when the request may proceed (and is counted), else the Retry-After in seconds. */
  take(now: number): number | undefined {
    while (this.#accepted.length > 0 && (this.#accepted[0] ?? 0) <= now - this.limit.perMs) this.#accepted.shift();
    if (this.#accepted.length < this.limit.requests) {
      this.#accepted.push(now);
      return undefined;
    }
    const oldest = this.#accepted[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.limit.perMs - now) / 1000));
  }
}

export const RATE_LIMITED_BODY = { code: -1003, msg: 'Too many requests; please use the websocket for live updates.' };

/** A JSON error the way Binance writes them: HTTP 400 with `{code, msg}`. */
export function binanceError(code: number, msg: string, status = 400): RestResponse {
  return { status, body: { code, msg } };
}
