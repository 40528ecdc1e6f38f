// The parts of a live source: feeds (a WebSocket connection, a REST poller) that each produce
// trades on their own, and the sink they hand them to (the LiveSource, which batches them).
import type { FeedConnectionStats, FeedEvent, FeedGap, InstrumentId, Side } from '../../core/index.js';
import type { Logger } from '../../obs/index.js';
import type { RecordError } from '../record-checks.js';

/** One unit of a live source that produces trades by itself. */
export interface Feed {
  /** Starts connecting or polling; never throws (failures are retried and reported in stats). */
  start(): void;
  /** Stops for good; trades it still holds are handed on first. */
  close(): void;
  /** The consumer is behind: stop reading (TCP or the poll loop then waits). */
  setPaused(paused: boolean): void;
  stats(now: number): FeedConnectionStats;
}

/** Settings every feed of a source shares (LiveSourceOptions with defaults applied). */
export interface FeedSettings {
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly jitter: number;
  readonly staleMs: number;
  readonly instrumentStaleMs: number;
  readonly pingMs: number;
  readonly backfillAttempts: number;
  readonly fetch: typeof fetch;
  readonly now: () => number;
  /** Endpoint overrides: `<venue>` → WebSocket base URL, `<venue>.rest` → REST base URL. */
  readonly urls?: Readonly<Record<string, string>>;
}

/** Where feeds put what they produce. */
export interface FeedSink {
  readonly options: FeedSettings;
  /** One trade, in the order the instrument's trades should be processed. */
  push(inst: InstrumentId, ts: number, price: number, size: number, id: number, side: Side, localTs: number): void;
  /** A bad frame or response, kept with its raw text; `message` is the frame's or request's number in the feed. */
  reject(venue: string, feed: number, message: number, e: RecordError, raw: string, time: number): void;
  /** A disconnect or a gap, for stats. */
  event(e: FeedEvent): void;
  /** Trades that will not be delivered: travels downstream with the trades, to the store. */
  gap(g: FeedGap): void;
  logger(): Logger | undefined;
}

/**
 * A live source that is not a WebSocket trade feed (a REST price poller): its own feeds, built
 * from the symbols. Registered beside the WebSocket venues (`--source <name>:<SYMBOLS>`).
 */
export interface PollerSpec {
  readonly kind: 'poller';
  readonly name: string;
  readonly title: string;
  readonly docs: string;
  /** Default REST base (overridable: `--venue-url <name>.rest=http://…`). */
  readonly restUrl: string;
  /** Symbols one feed (one request per poll) covers. */
  readonly maxSymbolsPerFeed: number;
  normalizeSymbol(symbol: string): string;
  instrument(symbol: string): InstrumentId;
  createFeed(sink: FeedSink, index: number, symbols: readonly string[], restUrl: string): Feed;
}

/** Weight of the newest sample in the clock skew's running mean. */
const SKEW_ALPHA = 0.05;

/**
 * What every feed counts and reports, whatever it connects with: its state, the counters of
 * `FeedConnectionStats`, when it last heard anything, the last error and the clock skew.
 */
export class FeedMeter {
  state: FeedConnectionStats['state'] = 'closed';
  readonly c = {
    messages: 0,
    trades: 0,
    ignored: 0,
    rejects: 0,
    venueErrors: 0,
    connects: 0,
    reconnects: 0,
    gapsDetected: 0,
    tradesMissed: 0,
    tradesBackfilled: 0,
    gapsUnrecovered: 0,
    outOfOrder: 0,
  };
  lastMessageAt: number | null = null;
  lastError: string | undefined;
  private skew: number | null = null;

  /** One trade's local receive time minus its exchange time, into the recent mean. */
  skewSample(d: number): void {
    this.skew = this.skew === null ? d : this.skew + SKEW_ALPHA * (d - this.skew);
  }

  stats(identity: { venue: string; connection: number; url: string; symbols: number }, now: number): FeedConnectionStats {
    return {
      ...identity,
      state: this.state,
      ...this.c,
      skewMs: this.skew === null ? null : Math.round(this.skew * 10) / 10,
      lastMessageAgeMs: this.lastMessageAt === null ? null : Math.max(0, now - this.lastMessageAt),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }
}
