import type { Alert, Bar, FeedGap, IndicatorSet, LateTrade, Reject, TradeBatch, WindowStats } from '../core/index.js';
import type { PackedWrite } from './packed-write.js';

/**
 * Everything one checkpoint makes durable, written in ONE transaction: the outputs
 * finalized since the previous checkpoint and the operator state + input positions they
 * depend on. A crash before commit loses nothing (the input is replayed from the previous
 * positions); a crash after it loses nothing either. Bars/indicators/windows are upserts
 * keyed by (instrument, interval, start), so replaying them is harmless.
 */
export interface StoreWrite {
  readonly bars: readonly Bar[];
  readonly indicators: readonly IndicatorSet[];
  readonly alerts: readonly Alert[];
  readonly windows: readonly WindowStats[];
  readonly late: readonly LateTrade[];
  readonly rejects: readonly Reject[];
  /** Raw trades, only when trade storage is on. */
  readonly trades: readonly TradeBatch[];
  /** Live feeds' undelivered stretches. */
  readonly gaps?: readonly FeedGap[];
  readonly checkpoint?: Checkpoint;
}

export interface Checkpoint {
  /** Which pipeline this belongs to, e.g. `replay:<hash of inputs>` or `process:<group>`. */
  readonly id: string;
  /** Input positions (source positions or log offsets) the state corresponds to; JSON. */
  readonly positions: string;
  /** Serialized operator state; JSON. */
  readonly state: string;
  readonly updatedAt: number;
}

export interface TimeRangeQuery {
  readonly instrument: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  /** Opaque cursor returned by the previous page. */
  readonly cursor?: string;
  /** newest first when true (default false: oldest first). */
  readonly desc?: boolean;
}

export interface BarQuery extends TimeRangeQuery {
  readonly interval: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface InstrumentSummary {
  readonly instrument: string;
  readonly intervals: string[];
  readonly firstTime: number;
  readonly lastTime: number;
  readonly bars: number;
  readonly lastClose: number | null;
}

export interface AlertQuery {
  readonly instrument?: string;
  readonly kind?: string;
  readonly severity?: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  readonly cursor?: string;
}

export interface WindowQuery {
  readonly instrument: string;
  readonly size?: number;
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  readonly cursor?: string;
}

export interface RejectQuery {
  readonly reason?: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface StoreCounts {
  readonly bars: number;
  readonly indicators: number;
  readonly alerts: number;
  readonly windows: number;
  readonly late: number;
  readonly rejects: number;
  readonly trades: number;
}

/** The storage contract. `DuckDbStore` (embedded, default) implements it; PostgreSQL later. */
export interface Store {
  /** Commits a write, or one a `WriteBuffer` packed as the outputs arrived. */
  commit(write: StoreWrite | PackedWrite): Promise<void>;
  loadCheckpoint(id: string): Promise<Checkpoint | undefined>;
  deleteCheckpoint(id: string): Promise<void>;

  instruments(): Promise<InstrumentSummary[]>;
  bars(q: BarQuery): Promise<Page<Bar>>;
  latestBar(instrument: string, interval: string): Promise<Bar | undefined>;
  indicators(q: BarQuery): Promise<Page<IndicatorSet>>;
  alerts(q: AlertQuery): Promise<Page<Alert>>;
  windows(q: WindowQuery): Promise<Page<WindowStats>>;
  rejects(q: RejectQuery): Promise<Page<Reject>>;
  late(q: TimeRangeQuery): Promise<Page<LateTrade>>;
  /** Live feeds' gap markers of an instrument, by start time. */
  gaps(q: TimeRangeQuery): Promise<Page<FeedGap>>;
  counts(): Promise<StoreCounts>;

  /** Rewrites the Parquet lake partitions (instrument, date) touched since the last export. */
  exportLake(): Promise<{ files: number; dir: string }>;
  close(): Promise<void>;
}
