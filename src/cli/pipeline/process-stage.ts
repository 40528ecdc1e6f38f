import {
  type Alert,
  type Bar,
  type ModelMetrics,
  type ModelVersion,
  type Prediction,
  type SourcePosition,
  type WindowStats,
} from '../../core/index.js';
import { TOPICS, type Log, type LogConsumer, type LogProducer } from '../../log/index.js';
import type { Logger } from '../../obs/index.js';
import { RateMeter } from '../../obs/index.js';
import { WriteBuffer, type PackedWrite, type Store } from '../../store/index.js';
import { ProcessorOutputs, type Processor, type ProcessorSnapshot } from '../../stream/index.js';
import type { TradesMessage } from './messages.js';

export interface ProcessStageOptions {
  readonly log: Log;
  readonly store: Store;
  readonly processor: Processor;
  readonly logger: Logger;
  /** Checkpoint row id; a restart with the same id resumes from it. */
  readonly checkpointId: string;
  readonly checkpointIntervalMs: number;
  readonly storeTrades: boolean;
  /** Publish bars/alerts/windows to their topics (for live consumers such as the API). */
  readonly publish: boolean;
  /** Live mode: interim bar updates and idle bar closing run on this period. */
  readonly liveTickMs?: number;
  /**
   * Which instruments' interim bars a live tick publishes (default all). `tickflow run`
   * publishes those of the instruments an API client takes bars of: `latestBar` reads open bars
   * from the processor itself, and with 1,000 instruments the ~24,000 interim bars a second
   * were the largest source of old-generation garbage (~65 MB of RSS in a 2-minute run).
   */
  readonly interim?: { any(): boolean; instrument(id: string): boolean };
  /** Export the lake this often, in the background (the final one is the caller's). */
  readonly lakeIntervalMs?: number;
  /** Number of `end` messages after which the input is complete (finite sources). */
  readonly expectedEnds?: number;
  /**
   * Store operator state and positions with each commit (default true). A source that is
   * never resumed (the live simulator restarts from its seed) has no use for them, and with
   * 1,000 instruments the state is ~16 MB of JSON per checkpoint.
   */
  readonly persistState?: boolean;
  /** Save a version of every model when the run stops (runs that warm-start from the registry). */
  readonly snapshotModelsAtEnd?: boolean;
  readonly now?: () => number;
  /** Told about model versions and scores once they are stored (MLflow, when configured). */
  readonly tracking?: ModelTracking | undefined;
}

/** Where stored model records go next (src/mlflow's MlflowModelTracking). Must not throw or block. */
export interface ModelTracking {
  record(versions: readonly ModelVersion[], metrics: readonly ModelMetrics[]): void;
}

/** State the stage itself keeps across restarts, next to the processor's. */
export interface StageState {
  rejectsByReason: Record<string, number>;
  alerts: number;
  /** Forecasts made (every model's; absent in checkpoints from before the models). */
  predictions?: number;
  positions: Record<string, SourcePosition>;
  endedSources: string[];
}

/** Interim bars made and sent at a time by the live tick. */
const INTERIM_CHUNK = 256;

/** Above this many buffered rows a checkpoint is taken early, bounding memory. */
const MAX_PENDING_ROWS = 400_000;

/**
 * Trades topic → processor → store (+ output topics). Outputs are buffered and made durable
 * together with the processor state and the input positions in one store transaction (a
 * checkpoint); only then are log offsets committed. A kill at any moment therefore resumes
 * from the last checkpoint with nothing lost and nothing doubled (outputs are upserts).
 * One commit runs while the next batch of work is processed; a second waits for the first.
 */
export class ProcessStage {
  readonly meter = new RateMeter();
  /** Rows made durable. */
  readonly storeMeter = new RateMeter();
  readonly state: StageState = { rejectsByReason: {}, alerts: 0, positions: {}, endedSources: [] };
  commits = 0;
  rowsWritten = 0;
  lastCommitAt: number | null = null;
  /** Outputs since the last checkpoint, packed into columns as they arrive. */
  private readonly pending = new WriteBuffer();
  private inFlight: Promise<void> = Promise.resolve();
  private readonly outputs = new ProcessorOutputs();
  private readonly producer: LogProducer;
  private lastCheckpoint: number;
  private checkpointChain: Promise<void> = Promise.resolve();
  private lastLake: number;
  private lakeRun: Promise<void> | undefined;
  private consumer: LogConsumer<TradesMessage> | undefined;
  private failure: unknown;
  private readonly now: () => number;
  /** Model records of the pending write, for `tracking` once it is committed. */
  private trackVersions: ModelVersion[] = [];
  private trackMetrics: ModelMetrics[] = [];

  constructor(private readonly o: ProcessStageOptions) {
    this.producer = o.log.producer();
    this.now = o.now ?? Date.now;
    this.lastCheckpoint = this.now();
    this.lastLake = this.now();
  }

  /** Loads the checkpoint, if any, into the processor; returns the input positions to resume from. */
  async restore(): Promise<Record<string, SourcePosition> | undefined> {
    const cp = await this.o.store.loadCheckpoint(this.o.checkpointId);
    if (!cp) return undefined;
    const saved = JSON.parse(cp.state) as { processor: ProcessorSnapshot; stage: StageState };
    this.o.processor.restore(saved.processor);
    Object.assign(this.state, saved.stage);
    return this.state.positions;
  }

  rejected(): number {
    let n = 0;
    for (const v of Object.values(this.state.rejectsByReason)) n += v;
    return n;
  }

  /** Consumes until every expected source has ended (or `signal` aborts), then commits. */
  async run(signal?: AbortSignal): Promise<void> {
    const consumer = this.o.log.consumer<TradesMessage>({ group: 'process', topics: [TOPICS.trades], maxRecords: 4 });
    this.consumer = consumer;
    const tick = this.o.liveTickMs ? setInterval(() => void this.liveTick(), this.o.liveTickMs) : undefined;
    const onAbort = (): void => void consumer.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const records of consumer) {
        for (const rec of records) await this.handle(rec.value);
        if (this.failure) throw this.failure;
        await consumer.commit(records.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1 })));
        const now = this.now();
        if (now - this.lastCheckpoint >= this.o.checkpointIntervalMs || this.pending.rows >= MAX_PENDING_ROWS) await this.checkpoint();
        if (this.o.lakeIntervalMs && now - this.lastLake >= this.o.lakeIntervalMs && this.lakeRun === undefined) {
          this.lastLake = now;
          // Not awaited: the store exports on its own connection, up to its last completed commit.
          this.lakeRun = this.exportLake().finally(() => {
            this.lakeRun = undefined;
          });
        }
        if (this.o.expectedEnds !== undefined && this.state.endedSources.length >= this.o.expectedEnds) break;
      }
      if (this.o.expectedEnds !== undefined && this.state.endedSources.length >= this.o.expectedEnds) {
        this.o.processor.finish(this.outputs);
        await this.drainOutputs();
      }
      if (this.o.snapshotModelsAtEnd) {
        this.o.processor.snapshotModels(this.outputs);
        await this.drainOutputs();
      }
      await this.checkpoint();
      await this.inFlight;
      await this.lakeRun;
      if (this.failure) throw this.failure;
    } finally {
      if (tick) clearInterval(tick);
      signal?.removeEventListener('abort', onAbort);
      await consumer.close();
    }
  }

  private async handle(msg: TradesMessage): Promise<void> {
    if (msg.kind === 'end') {
      if (!this.state.endedSources.includes(msg.source)) this.state.endedSources.push(msg.source);
      return;
    }
    const { trades, rejects, position } = msg.chunk;
    this.o.processor.process(trades, this.outputs);
    this.meter.mark(trades.length);
    const p = this.pending;
    p.addRejects(rejects);
    if (msg.chunk.gaps) p.addGaps(msg.chunk.gaps);
    for (const r of rejects) this.state.rejectsByReason[r.reason] = (this.state.rejectsByReason[r.reason] ?? 0) + 1;
    if (this.o.storeTrades) p.addTrades(trades);
    this.state.positions[msg.source] = position;
    await this.drainOutputs();
  }

  private async drainOutputs(): Promise<void> {
    if (this.outputs.isEmpty()) return;
    const d = this.outputs.drain();
    const p = this.pending;
    p.addBars(d.bars);
    p.addIndicators(d.indicators);
    p.addAlerts(d.alerts);
    this.state.alerts += d.alerts.length;
    if (d.predictions.length > 0) this.state.predictions = (this.state.predictions ?? 0) + d.predictions.length;
    p.addWindows(d.windows);
    p.addLate(d.late);
    p.addPredictions(d.predictions);
    p.addModelMetrics(d.modelMetrics);
    p.addModelVersions(d.modelVersions);
    if (this.o.tracking) {
      for (const v of d.modelVersions) this.trackVersions.push(v);
      for (const m of d.modelMetrics) this.trackMetrics.push(m);
    }
    if (this.o.publish) await this.publishOutputs(d.bars, d.alerts, d.windows, d.predictions);
  }

  /**
   * Makes `model` the champion of an (instrument, interval) series now; the version it records
   * is stored with the next checkpoint, the choice with the processor's state.
   */
  async promote(instrument: string, interval: string, model: string): Promise<unknown> {
    const change = this.o.processor.promote(instrument, interval, model, this.outputs);
    await this.drainOutputs();
    return change;
  }

  private async publishOutputs(
    bars: readonly Bar[],
    alerts: readonly Alert[],
    windows: readonly WindowStats[],
    predictions: readonly Prediction[],
  ): Promise<void> {
    if (bars.length > 0)
      await this.producer.send(
        TOPICS.bars,
        bars.map((b) => ({ key: b.instrument, value: b })),
      );
    if (alerts.length > 0)
      await this.producer.send(
        TOPICS.alerts,
        alerts.map((a) => ({ key: a.instrument, value: a })),
      );
    if (windows.length > 0)
      await this.producer.send(
        TOPICS.windows,
        windows.map((w) => ({ key: w.instrument, value: w })),
      );
    if (predictions.length > 0)
      await this.producer.send(
        TOPICS.predictions,
        predictions.map((x) => ({ key: x.instrument, value: x })),
      );
  }

  private async liveTick(): Promise<void> {
    try {
      this.o.processor.advanceTime(this.now(), this.outputs);
      await this.drainOutputs();
      // A quiet feed sends no records to trigger the loop's checkpoint: bars closed by the clock
      // would wait in memory for the next trade. Commit them here.
      if (this.pending.rows > 0 && this.now() - this.lastCheckpoint >= this.o.checkpointIntervalMs) await this.checkpoint();
      // Made and sent a chunk at a time: with 1,000 instruments a tick has ~6,000 interim bars,
      // and made all at once they all stayed alive until the log's bounded topic took the last.
      const only = this.o.interim;
      if (this.o.publish && (only?.any() ?? true)) {
        for (const chunk of this.o.processor.interimChunks(INTERIM_CHUNK, only && ((id) => only.instrument(id)))) {
          await this.producer.send(
            TOPICS.bars,
            chunk.map((b) => ({ key: b.instrument, value: b })),
          );
        }
      }
    } catch (e) {
      this.failure ??= e;
    }
  }

  /**
   * Takes a checkpoint: snapshot now, commit in the background (one at a time). Calls are
   * serialized: the consumer loop and the live tick (a quiet feed) both take checkpoints.
   */
  checkpoint(): Promise<void> {
    const run = this.checkpointChain.then(() => this.checkpointNow());
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  private async checkpointNow(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure;
    this.lastCheckpoint = this.now();
    const persist = this.o.persistState ?? true;
    const rows = this.pending.rows;
    const write = this.pending.take(
      persist
        ? {
            id: this.o.checkpointId,
            positions: JSON.stringify(this.state.positions),
            state: JSON.stringify({ processor: this.o.processor.toJSON(), stage: this.state }),
            updatedAt: this.now(),
          }
        : undefined,
    );
    const tracked = { versions: this.trackVersions, metrics: this.trackMetrics };
    this.trackVersions = [];
    this.trackMetrics = [];
    this.inFlight = this.commitWrite(write, rows, tracked).catch((e: unknown) => {
      this.failure ??= e;
    });
  }

  /** One commit per write: the store retries a failed transaction itself (it holds the columns once handed over). */
  private async commitWrite(
    write: PackedWrite,
    rows: number,
    tracked: { versions: readonly ModelVersion[]; metrics: readonly ModelMetrics[] },
  ): Promise<void> {
    await this.o.store.commit(write);
    if (tracked.versions.length + tracked.metrics.length > 0) this.o.tracking?.record(tracked.versions, tracked.metrics);
    this.commits++;
    this.rowsWritten += rows;
    this.storeMeter.mark(rows);
    this.lastCommitAt = this.now();
    this.o.logger.debug({ commits: this.commits, rows, positions: write.checkpoint?.positions }, 'checkpoint committed');
  }

  private async exportLake(): Promise<void> {
    try {
      const r = await this.o.store.exportLake();
      this.o.logger.debug({ files: r.files, dir: r.dir }, 'lake partitions rewritten');
    } catch (e) {
      // The lake is derived from the store and is rewritten next time: a failed export loses nothing.
      this.o.logger.warn({ err: e }, 'lake export failed; will retry');
    }
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
