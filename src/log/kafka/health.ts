import type { Logger } from '../../obs/index.js';
import type { LogStats } from '../log.js';
import { describe } from './errors.js';

/** Counters shared by one KafkaLog's producer and consumers: what /api/stats shows of the connection. */
export class KafkaHealth {
  connected = false;
  bufferedBytes = 0;
  bufferedRecords = 0;
  sentRecords = 0;
  retries = 0;
  errors = 0;
  lastError: string | null = null;
  lastErrorAt: number | null = null;
  deadLettered = 0;
  readonly deadLetteredByReason: Record<string, number> = {};
  rebalances = 0;
  reconnects = 0;
  private outageStartedAt: number | null = null;
  private lastWarnAt = 0;

  constructor(
    private readonly logger: Logger,
    readonly bufferLimitBytes: number,
  ) {}

  /** A request succeeded. */
  ok(): void {
    if (this.connected) return;
    this.connected = true;
    if (this.outageStartedAt !== null) {
      this.logger.warn({ outageMs: Date.now() - this.outageStartedAt, retries: this.retries }, 'kafka: brokers reachable again');
      this.outageStartedAt = null;
    }
  }

  /**
   * A request failed; `retrying` when it will be tried again (`produce`: a produce request, which
   * the `retries` counter counts). Logged on the first failure, then every 10 s.
   */
  fail(what: string, e: unknown, retrying: boolean, produce = false): void {
    const now = Date.now();
    this.errors++;
    this.lastError = `${what}: ${describe(e)}`;
    this.lastErrorAt = now;
    if (retrying && produce) this.retries++;
    const first = this.outageStartedAt === null;
    if (first) this.outageStartedAt = now;
    this.connected = false;
    if (first || now - this.lastWarnAt >= 10_000 || !retrying) {
      this.lastWarnAt = now;
      const fields = {
        err: this.lastError,
        retries: this.retries,
        bufferedBytes: this.bufferedBytes,
        outageMs: now - (this.outageStartedAt ?? now),
      };
      if (retrying) this.logger.warn(fields, `kafka: ${what} failed; retrying (nothing is dropped; sends wait when the buffer is full)`);
      else this.logger.error(fields, `kafka: ${what} failed`);
    }
  }

  snapshot(): LogStats {
    return {
      connected: this.connected,
      producer: {
        bufferedBytes: this.bufferedBytes,
        bufferLimitBytes: this.bufferLimitBytes,
        bufferedRecords: this.bufferedRecords,
        sentRecords: this.sentRecords,
        retries: this.retries,
        errors: this.errors,
        lastError: this.lastError,
        lastErrorAt: this.lastErrorAt,
      },
      consumer: {
        deadLettered: this.deadLettered,
        deadLetteredByReason: { ...this.deadLetteredByReason },
        rebalances: this.rebalances,
        reconnects: this.reconnects,
      },
    };
  }
}
