import type {
  Alert,
  Bar,
  FeedGap,
  IndicatorSet,
  LateTrade,
  MetricSetRecord,
  ModelMetrics,
  ModelStatus,
  ModelVersion,
  Prediction,
  Reject,
  TradeBatch,
  WindowStats,
} from '../core/index.js';
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
  /** Forecasting models' outputs. */
  readonly predictions?: readonly Prediction[];
  readonly modelMetrics?: readonly ModelMetrics[];
  readonly modelVersions?: readonly ModelVersion[];
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

export interface PredictionQuery extends BarQuery {
  /** A model name; default the champion's forecasts only; '*' every model's. */
  readonly model?: string;
}

/** What happened after a forecast: the next final bar of the series (as stored now, revisions included). */
export interface PredictionOutcome {
  readonly start: number;
  readonly close: number;
  /** ln(close / the forecast's close): the label the model was scored on. */
  readonly return: number;
  /** return - forecast return. */
  readonly error: number;
}

export type PredictionWithOutcome = Prediction & { readonly outcome: PredictionOutcome | null };

export interface ModelListQuery {
  readonly instrument?: string;
  readonly interval?: string;
}

/** A model of a series, as its newest metrics record and registry entries describe it. */
export interface ModelSummary {
  readonly id: string;
  readonly instrument: string;
  readonly interval: string;
  readonly model: string;
  readonly kind: string;
  readonly status: ModelStatus;
  readonly updates: number;
  /** Bar start of the newest metrics record. */
  readonly time: number;
  readonly cumulative: MetricSetRecord;
  readonly rolling: MetricSetRecord;
  /** Versions in the registry, and the newest one's number (null before the first). */
  readonly versions: number;
  readonly latestVersion: number | null;
}

export interface ModelSeriesQuery {
  readonly instrument: string;
  readonly interval: string;
  readonly model: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  readonly cursor?: string;
  readonly desc?: boolean;
}

/** A registry entry without its state (list views); `modelVersion` returns the state too. */
export type ModelVersionInfo = Omit<ModelVersion, 'state'>;

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
  /** Forecasts of a series by start, each with its outcome when the next bar is stored. */
  predictions(q: PredictionQuery): Promise<Page<PredictionWithOutcome>>;
  /** Every model of every forecasting series (optionally of one instrument / interval), newest state. */
  models(q: ModelListQuery): Promise<ModelSummary[]>;
  /** A model's scores over time. */
  modelMetrics(q: ModelSeriesQuery): Promise<Page<ModelMetrics>>;
  /** A model's registry entries, by version (state left out). */
  modelVersions(q: ModelSeriesQuery): Promise<Page<ModelVersionInfo>>;
  /** The newest version of every model, with its state (a warm start's input). */
  latestModelVersions(q: ModelListQuery): Promise<ModelVersion[]>;
  /** One registry entry with its state; undefined when absent. */
  modelVersion(instrument: string, interval: string, model: string, version: number): Promise<ModelVersion | undefined>;
  counts(): Promise<StoreCounts>;

  /** Rewrites the Parquet lake partitions (instrument, date) touched since the last export. */
  exportLake(): Promise<{ files: number; dir: string }>;
  close(): Promise<void>;
}
