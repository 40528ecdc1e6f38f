import type {
  Alert,
  Bar,
  FeedGap,
  IndicatorSet,
  LateTrade,
  ModelMetrics,
  ModelVersion,
  Prediction,
  Reject,
  WindowStats,
} from '../../core/index.js';
import { TOPICS, type Log, type LogConsumer, type LogRecord, type TopicPartitionOffset } from '../../log/index.js';
import type { Logger } from '../../obs/index.js';
import { RateMeter } from '../../obs/index.js';
import { WriteBuffer, type PackedWrite, type Store } from '../../store/index.js';
import { ColumnBatch, outputValues } from './column-codec.js';
import type { LiveHub } from './live-hub.js';
import type { ModelTracking } from './process-stage.js';

/** The topics `process` writes and the sink stores. */
export const OUTPUT_TOPICS = [
  TOPICS.bars,
  TOPICS.indicators,
  TOPICS.alerts,
  TOPICS.windows,
  TOPICS.late,
  TOPICS.rejects,
  TOPICS.gaps,
  TOPICS.predictions,
  TOPICS.modelMetrics,
  TOPICS.modelVersions,
] as const;

type OutputValue = Bar | IndicatorSet | Alert | WindowStats | LateTrade | Reject | FeedGap | Prediction | ModelMetrics | ModelVersion;

export interface SinkStageOptions {
  readonly log: Log;
  readonly store: Store;
  readonly logger: Logger;
  /** Fed with bars (interim and final), alerts and windows as they arrive, for the API. */
  readonly hub?: LiveHub;
  readonly group?: string;
  readonly checkpointIntervalMs: number;
  readonly now?: () => number;
  /** Told about model versions and scores once they are stored (MLflow, when configured). */
  readonly tracking?: ModelTracking | undefined;
}

/** Offsets as `topic/partition` → next offset, the form stored in the checkpoint's positions. */
type Positions = Record<string, number>;

const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * Output topics → store (and the API's live feed): the one writer of the embedded store in a
 * split deployment, which is why `tickflow serve` runs it. Each commit writes the buffered
 * rows and the next offset of every partition in one store transaction; a restart skips
 * records below the stored offsets (Kafka's committed offsets, committed after the store,
 * may lag them). Duplicates that `process` produced after a crash are keyed upserts.
 */
export class SinkStage {
  readonly meter = new RateMeter();
  readonly storeMeter = new RateMeter();
  commits = 0;
  rowsWritten = 0;
  lastCommitAt: number | null = null;
  /** Interim bars seen (live only, never stored). */
  interim = 0;
  private readonly buffer = new WriteBuffer();
  private positions: Positions = {};
  private dirty = false;
  private consumer: LogConsumer<readonly OutputValue[] | ColumnBatch> | undefined;
  private lastCheckpoint: number;
  private readonly now: () => number;
  private readonly id: string;
  private trackVersions: ModelVersion[] = [];
  private trackMetrics: ModelMetrics[] = [];

  constructor(private readonly o: SinkStageOptions) {
    this.now = o.now ?? Date.now;
    this.lastCheckpoint = this.now();
    this.id = `sink:${o.group ?? 'sink'}`;
  }

  lag(): Promise<{ topic: string; partition: number; lag: number }[]> {
    return this.consumer?.lag?.() ?? Promise.resolve([]);
  }

  async run(signal?: AbortSignal): Promise<void> {
    // Subscribed before anything is awaited: on the embedded log, outputs produced to a topic
    // nobody subscribes to yet are subject to its retention limit.
    const consumer = this.o.log.consumer<readonly OutputValue[] | ColumnBatch>({
      group: this.o.group ?? 'sink',
      topics: [...OUTPUT_TOPICS],
      maxRecords: 4096,
    });
    this.consumer = consumer;
    const cp = await this.o.store.loadCheckpoint(this.id);
    if (cp) this.positions = JSON.parse(cp.positions) as Positions;
    const onAbort = (): void => void consumer.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setInterval(
      () => {
        if (this.now() - this.lastCheckpoint >= this.o.checkpointIntervalMs) this.flushSoon();
      },
      Math.max(50, Math.min(1000, this.o.checkpointIntervalMs)),
    );
    try {
      for await (const records of consumer) {
        for (const r of records) this.handle(r);
        if (this.now() - this.lastCheckpoint >= this.o.checkpointIntervalMs || this.buffer.rows >= 200_000) await this.checkpoint();
      }
      await this.checkpoint();
    } finally {
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
      await consumer.close();
    }
  }

  /** Checkpoints run one at a time, in the order they were asked for. */
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  /** A quiet stream still gets its last rows stored within the checkpoint interval. */
  private flushSoon(): void {
    if (this.queued) return;
    this.checkpoint().catch((e: unknown) => this.o.logger.error({ err: e }, 'sink: checkpoint failed'));
  }

  private handle(r: LogRecord<readonly OutputValue[] | ColumnBatch>): void {
    const key = tpKey(r.topic, r.partition);
    if (r.offset < (this.positions[key] ?? 0)) return;
    this.positions[key] = r.offset + 1;
    this.dirty = true;
    // A record holds the values of one key from one batch of `process` (output-codecs.ts):
    // a JSON array, or with --output-codec binary columns, whose bars and indicator sets go
    // to the write buffer without an object per row.
    const v = r.value;
    if (v instanceof ColumnBatch) {
      if (r.topic === TOPICS.bars) return this.barColumns(v);
      if (r.topic === TOPICS.indicators) {
        this.meter.mark(v.length);
        this.buffer.addIndicatorColumns(v);
        return;
      }
    }
    const values = outputValues(v);
    this.meter.mark(values.length);
    const hub = this.o.hub;
    const b = this.buffer;
    switch (r.topic) {
      case TOPICS.bars: {
        const bars = values as readonly Bar[];
        const final = bars.filter((x) => x.final);
        if (final.length > 0) b.addBars(final);
        this.interim += bars.length - final.length;
        if (hub) for (const bar of bars) hub.publish({ type: 'bar', bar });
        break;
      }
      case TOPICS.indicators:
        b.addIndicators(values as readonly IndicatorSet[]);
        break;
      case TOPICS.alerts:
        b.addAlerts(values as readonly Alert[]);
        if (hub) for (const alert of values as readonly Alert[]) hub.publish({ type: 'alert', alert });
        break;
      case TOPICS.windows:
        b.addWindows(values as readonly WindowStats[]);
        if (hub) for (const window of values as readonly WindowStats[]) hub.publish({ type: 'window', window });
        break;
      case TOPICS.late:
        b.addLate(values as readonly LateTrade[]);
        break;
      case TOPICS.rejects:
        b.addRejects(values as readonly Reject[]);
        break;
      case TOPICS.gaps:
        b.addGaps(values as readonly FeedGap[]);
        break;
      case TOPICS.predictions:
        b.addPredictions(values as readonly Prediction[]);
        if (hub) for (const prediction of values as readonly Prediction[]) hub.publish({ type: 'prediction', prediction });
        break;
      case TOPICS.modelMetrics:
        b.addModelMetrics(values as readonly ModelMetrics[]);
        if (this.o.tracking) this.trackMetrics.push(...(values as readonly ModelMetrics[]));
        break;
      case TOPICS.modelVersions:
        b.addModelVersions(values as readonly ModelVersion[]);
        if (this.o.tracking) this.trackVersions.push(...(values as readonly ModelVersion[]));
        break;
      default:
        break;
    }
  }

  private barColumns(c: ColumnBatch): void {
    const n = c.length;
    this.meter.mark(n);
    this.interim += n - this.buffer.addBarColumns(c);
    const hub = this.o.hub;
    if (!hub) return;
    if (hub.listening()) {
      for (const bar of c.toArray() as Bar[]) hub.publish({ type: 'bar', bar });
      return;
    }
    // Nobody listens to every update: only what `latestBar` answers matters, and that ends up
    // as each series' last bar with the largest start (the hub keeps a bar unless an older one
    // comes). One object per series, not per bar.
    const inst = c.strIds('instrument');
    const interval = c.strIds('interval');
    const start = c.num('start');
    const newest = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = (inst[i] as number) * 65536 + (interval[i] as number);
      const j = newest.get(k);
      if (j === undefined || (start[i] as number) >= (start[j] as number)) newest.set(k, i);
    }
    for (const i of newest.values()) hub.publish({ type: 'bar', bar: c.at(i) as Bar });
  }

  /** Stores the buffered rows with the offsets they bring the store up to, then commits them to the log. */
  checkpoint(): Promise<void> {
    this.queued = true;
    const p = this.chain.then(() => {
      this.queued = false;
      return this.doCheckpoint();
    });
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async doCheckpoint(): Promise<void> {
    this.lastCheckpoint = this.now();
    if (!this.dirty) return;
    this.dirty = false;
    const rows = this.buffer.rows;
    const positions = { ...this.positions };
    const write: PackedWrite = this.buffer.take({ id: this.id, positions: JSON.stringify(positions), state: '{}', updatedAt: this.now() });
    const versions = this.trackVersions;
    const metrics = this.trackMetrics;
    this.trackVersions = [];
    this.trackMetrics = [];
    // The store retries a failed transaction itself: the write's columns may have moved to its worker.
    await this.o.store.commit(write);
    if (versions.length + metrics.length > 0) this.o.tracking?.record(versions, metrics);
    this.commits++;
    this.rowsWritten += rows;
    this.storeMeter.mark(rows);
    this.lastCommitAt = this.now();
    const offsets: TopicPartitionOffset[] = Object.entries(positions).map(([k, offset]) => {
      const i = k.lastIndexOf('/');
      return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset };
    });
    try {
      await this.consumer?.commit(offsets);
    } catch (e) {
      // The store holds the offsets; the log's copy only saves re-reading after a restart.
      this.o.logger.warn({ err: e }, 'sink: committing offsets to the log failed; the store has them');
    }
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
