import { setTimeout as sleep } from 'node:timers/promises';
import { isTickflowError } from '../core/index.js';

export interface RetryOptions {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Delay before the second try; doubled for each next one, up to `maxMs`, with jitter. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Aborting stops the waiting at once; the last error is thrown. */
  readonly signal?: AbortSignal;
  /** Told before each wait (to count retries, log at debug). */
  readonly onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` until it succeeds, retrying only errors that say they may succeed later
 * (`canRetry` of a TickflowError: no answer, 429, 5xx). A 4xx answer or a bug fails at once.
 * The waits keep the process alive, like the requests: whoever awaits flush() or close() must
 * see them end. A tracker nobody closes lets its process exit once its retries are over.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const retryable = isTickflowError(e) && e.canRetry;
      if (!retryable || attempt >= opts.attempts || opts.signal?.aborted) throw e;
      const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1));
      // Full jitter on the upper half: tasks that failed together do not retry together.
      const delayMs = Math.round(ceiling * (0.5 + Math.random() * 0.5));
      opts.onRetry?.(e, attempt, delayMs);
      try {
        await sleep(delayMs, undefined, opts.signal ? { signal: opts.signal } : {});
      } catch {
        throw e;
      }
    }
  }
}
