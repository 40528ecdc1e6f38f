import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import { TickflowError, type Bar, type Reject } from '../../core/index.js';
import { TOPICS, type Log, type LogConsumer, type LogProducer, type LogRecord, type TopicPartition } from '../../log/index.js';
import type { Logger } from '../../obs/index.js';
import { RateMeter } from '../../obs/index.js';
import { Processor, ProcessorOutputs, type ProcessorConfig, type ProcessorSnapshot } from '../../stream/index.js';
import { outputRecords } from './output-codecs.js';
import type { TradeRecord } from './trade-records.js';

/**
 * `tickflow process` on a partitioned log (Kafka): trades topic → one `Processor` per
 * assigned partition → output topics (bars, indicators, alerts, windows, late, rejects).
 *
 * Exactly-once effect without transactions:
 * - Each partition's operator state is checkpointed to the compacted `state` topic, keyed by
 *   `<group>/<partition>`, together with the offset of the next trade record it has not
 *   seen. A checkpoint is written only after every output derived from the records before
 *   that offset has been acknowledged by the log; the group's offset is committed after it.
 * - A partition that is (re)assigned — start, restart after a kill, rebalance — restores the
 *   newest checkpoint and skips records below its offset (the committed offset may lag it).
 * - Records after the checkpoint are processed again, so their outputs may be produced twice.
 *   Processing is deterministic per partition and every output is keyed (bars by instrument,
 *   interval, start), so the store's upserts make the duplicates harmless: none lost, none
 *   doubled in the result.
 *
 * Why a changelog topic, not the store: with the embedded store (one DuckDB file, one
 * process), N process instances on N hosts cannot share it; Kafka is the one thing they all
 * reach. The state is gzipped JSON (a partition's state grows with its instruments).
 */
export interface PartitionedProcessOptions {
  readonly log: Log;
  /** Consumer group; also the prefix of the state keys. */
  readonly group: string;
  readonly processorConfig: ProcessorConfig;
  readonly logger: Logger;
  readonly checkpointIntervalMs: number;
  /** Interim bar updates and idle closing run on this period (ms). */
  readonly liveTickMs: number;
  /**
   * Idle close applies only to instruments whose newest trade is at most this old by the
   * wall clock: a replay of history through Kafka must close bars by event time only.
   */
  readonly liveWindowMs: number;
  /** Publish interim (open) bar updates after each batch of records. */
  readonly publishInterim: boolean;
  readonly maxRecords?: number;
  readonly now?: () => number;
}

interface PartitionStageState {
  alerts: number;
  rejectsByReason: Record<string, number>;
  endedSources: string[];
}

/** A partition's checkpoint on the state topic. */
export interface PartitionCheckpoint {
  readonly v: 1;
  /** The next trades-topic offset the state has not seen. */
  readonly offset: number;
  readonly processor: ProcessorSnapshot;
  readonly stage: PartitionStageState;
  readonly updatedAt: number;
}

class PartitionTask {
  readonly outputs = new ProcessorOutputs();
  /** The next offset to process; records below it are already in the state. */
  nextOffset = 0;
  /** Offset of the last checkpoint written or restored. */
  checkpointed = -1;
  /** A record has been processed since the task was created. */
  started = false;
  readonly state: PartitionStageState = { alerts: 0, rejectsByReason: {}, endedSources: [] };

  constructor(
    readonly partition: number,
    readonly processor: Processor,
  ) {}
}

/** Output sends not yet acknowledged before the stage waits for the oldest. */
const MAX_IN_FLIGHT = 256;

export function stateKey(group: string, partition: number): string {
  return `${group}/${partition}`;
}

const gzipAsync = promisify(gzip);

/**
 * The checkpoint as it goes on the state topic: `<offset>.<base64 of gzipped JSON>` (the offset
 * in clear, so a reader picks the newest state without inflating every one). The state is
 * turned into JSON at the call (it changes as soon as the caller goes on); compression runs on
 * libuv's thread pool, off the event loop: done synchronously it held the consume loop for
 * ~15 ms a checkpoint, the largest part of the split pipeline's p99 latency at 1 s checkpoints.
 */
export function encodeCheckpoint(cp: PartitionCheckpoint): Promise<string> {
  const json = JSON.stringify(cp);
  return gzipAsync(json).then((b) => `${cp.offset}.${b.toString('base64')}`);
}

export function decodeCheckpoint(s: string): PartitionCheckpoint {
  // Without the offset prefix: a checkpoint of an earlier version (base64 has no '.').
  const dot = s.indexOf('.');
  const cp = JSON.parse(gunzipSync(Buffer.from(dot < 0 ? s : s.slice(dot + 1), 'base64')).toString('utf8')) as PartitionCheckpoint;
  if (cp.v !== 1 || !Number.isSafeInteger(cp.offset)) throw new TickflowError('LOG_CODEC', 'state checkpoint: not a v1 checkpoint');
  return cp;
}

/** The trades offset a checkpoint covers, read from its prefix (or, for an earlier version, the whole checkpoint). */
export function checkpointOffset(s: string): number {
  const dot = s.indexOf('.');
  if (dot < 0) return decodeCheckpoint(s).offset;
  const offset = Number(s.slice(0, dot));
  if (!Number.isSafeInteger(offset)) throw new TickflowError('LOG_CODEC', 'state checkpoint: unreadable offset prefix');
  return offset;
}

/**
 * Of two checkpoints of one partition, the one covering more of the trades topic is the state to
 * resume from, whichever landed last. Every checkpoint is a state its owner had after the records
 * below its offset, with their outputs acknowledged, so the highest is always safe; and the
 * group's committed offset never passes it. A member that lost a partition can have a checkpoint
 * still on its way (written before it heard of the revocation, sent behind its queued outputs):
 * landing after the new owner's checkpoints, it must not take their place (it did: a kill -9 test
 * lost the bars of 11,776 trades to a stale checkpoint of offset 0).
 */
export function preferCheckpoint(kept: LogRecord<string>, later: LogRecord<string>): boolean {
  let offset: number;
  try {
    offset = checkpointOffset(later.value);
  } catch {
    return false; // unreadable: the kept one stands
  }
  try {
    return offset >= checkpointOffset(kept.value);
  } catch {
    return true;
  }
}

export class PartitionedProcessStage {
  readonly meter = new RateMeter();
  private readonly tasks = new Map<number, PartitionTask>();
  private inFlight: Promise<void>[] = [];
  private readonly producer: LogProducer;
  private consumer: LogConsumer<TradeRecord> | undefined;
  private lastCheckpoint: number;
  private checkpointing: Promise<void> | undefined;
  private readonly now: () => number;
  private failure: unknown;
  checkpoints = 0;
  restores = 0;
  /** Records skipped because a restored checkpoint already covered them. */
  skipped = 0;
  /** Partitions whose first record after a restore lay beyond the checkpoint (see `run`). */
  gaps = 0;

  constructor(private readonly o: PartitionedProcessOptions) {
    this.producer = o.log.producer();
    this.now = o.now ?? Date.now;
    this.lastCheckpoint = this.now();
  }

  /** Partitions this instance processes now. */
  partitions(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }

  /** Sum of the partition processors' counters and watermarks, for stats. */
  processors(): Processor[] {
    return [...this.tasks.values()].map((t) => t.processor);
  }

  stageTotals(): PartitionStageState {
    const out: PartitionStageState = { alerts: 0, rejectsByReason: {}, endedSources: [] };
    for (const t of this.tasks.values()) {
      out.alerts += t.state.alerts;
      for (const [k, v] of Object.entries(t.state.rejectsByReason)) out.rejectsByReason[k] = (out.rejectsByReason[k] ?? 0) + v;
      for (const s of t.state.endedSources) if (!out.endedSources.includes(s)) out.endedSources.push(s);
    }
    return out;
  }

  async run(signal?: AbortSignal): Promise<void> {
    const consumer = this.o.log.consumer<TradeRecord>({
      group: this.o.group,
      topics: [TOPICS.trades],
      maxRecords: this.o.maxRecords ?? 512,
    });
    this.consumer = consumer;
    if (!consumer.onAssignmentChange) throw new TickflowError('INTERNAL', `log ${this.o.log.url} does not report partition assignments`);
    consumer.onAssignmentChange((assigned, revoked) => this.onAssignment(assigned, revoked));
    const tick = setInterval(() => void this.liveTick(), this.o.liveTickMs);
    const onAbort = (): void => void consumer.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const records of consumer) {
        if (this.failure) throw this.failure;
        const touched = new Set<PartitionTask>();
        let reread: Map<string, LogRecord<string>> | undefined;
        for (const rec of records) {
          let task = this.tasks.get(rec.partition);
          if (!task) {
            // Revoked while this batch was being handled: the records are the new owner's.
            if (!consumer.assignments().some((tp) => tp.topic === TOPICS.trades && tp.partition === rec.partition)) continue;
            task = await this.assign(rec.partition);
          }
          if (rec.offset > task.nextOffset && !task.started) {
            // The group's committed offset is past the checkpoint read at assignment. The
            // previous owner writes a checkpoint before committing its offset, so a newer one
            // is on the state topic now (it landed after this member's read): take it.
            reread ??= await this.readCheckpoints();
            task = this.restoreNewer(task, reread);
          }
          if (rec.offset < task.nextOffset) {
            this.skipped++;
            continue;
          }
          if (rec.offset > task.nextOffset && task.checkpointed >= 0 && !task.started) {
            // Still past the newest checkpoint: the records in between are not in this state.
            // Should never happen (commits follow checkpoints); said loudly, not passed over.
            this.gaps++;
            this.o.logger.error(
              { partition: rec.partition, checkpointOffset: task.nextOffset, firstOffset: rec.offset },
              'partition resumes past its checkpoint: records between were not processed by this state',
            );
          }
          task.started = true;
          await this.handle(task, rec);
          task.nextOffset = rec.offset + 1;
          touched.add(task);
        }
        for (const t of touched) await this.emit(t, this.o.publishInterim);
        // Not awaited: a checkpoint waits for the brokers to acknowledge every output sent so
        // far, and the next records can be processed meanwhile (its snapshot is taken at once).
        // One runs at a time; a failure stops the loop at its next step.
        if (this.checkpointing === undefined && this.now() - this.lastCheckpoint >= this.o.checkpointIntervalMs) {
          this.checkpointAll().catch((e: unknown) => (this.failure ??= e));
        }
      }
    } finally {
      clearInterval(tick);
      signal?.removeEventListener('abort', onAbort);
      // A checkpoint still waiting for acknowledgements is not awaited (with the brokers down it
      // would hold the stop): if its commit comes after the close it fails, and the next owner
      // resumes from the checkpoint, which may be ahead of the committed offset by design.
      await consumer.close();
    }
  }

  /** Per assigned trades partition: end offset, committed offset (the last checkpoint's) and lag. */
  lag(): Promise<{ topic: string; partition: number; lag: number }[]> {
    return this.consumer?.lag?.() ?? Promise.resolve([]);
  }

  private async handle(task: PartitionTask, rec: LogRecord<TradeRecord>): Promise<void> {
    const v = rec.value;
    if (v.kind === 'trades') {
      task.processor.process(v.batch, task.outputs);
      this.meter.mark(v.batch.length);
    } else if (v.kind === 'end') {
      task.processor.finishInstruments(v.instruments, task.outputs);
      if (!task.state.endedSources.includes(v.source)) task.state.endedSources.push(v.source);
    } else {
      for (const r of v.rejects) task.state.rejectsByReason[r.reason] = (task.state.rejectsByReason[r.reason] ?? 0) + 1;
      await this.send(TOPICS.rejects, v.rejects, (r: Reject) => r.source);
    }
  }

  /** Produces a task's drained outputs (and, live, its interim bars) to the output topics. */
  private async emit(task: PartitionTask, interim: boolean): Promise<void> {
    const d = task.outputs.drain();
    task.state.alerts += d.alerts.length;
    const bars: Bar[] = d.bars;
    if (interim) task.processor.collectInterim(bars);
    await Promise.all([
      this.send(TOPICS.bars, bars, (b) => b.instrument),
      this.send(TOPICS.indicators, d.indicators, (x) => x.instrument),
      this.send(TOPICS.alerts, d.alerts, (x) => x.instrument),
      this.send(TOPICS.windows, d.windows, (x) => x.instrument),
      this.send(TOPICS.late, d.late, (x) => x.instrument),
      this.send(TOPICS.predictions, d.predictions, (x) => x.instrument),
      this.send(TOPICS.modelMetrics, d.modelMetrics, (x) => x.instrument),
      this.send(TOPICS.modelVersions, d.modelVersions, (x) => x.instrument, 1),
    ]);
  }

  /**
   * One record per key (instrument) holds all of this batch's values of that key (see
   * `outputRecords`). Sends are pipelined (the log keeps their order): a checkpoint waits for
   * all of them (`takeSends`), and beyond MAX_IN_FLIGHT the oldest is awaited, bounding memory.
   */
  private async send<T>(topic: string, values: readonly T[], key: (v: T) => string, maxPerRecord?: number): Promise<void> {
    if (values.length === 0) return;
    const p = this.producer.send(topic, outputRecords(values, key, maxPerRecord));
    p.catch((e: unknown) => (this.failure ??= e));
    this.inFlight.push(p);
    if (this.inFlight.length > MAX_IN_FLIGHT) await this.inFlight.shift();
  }

  /** The sends not yet acknowledged, handed to a checkpoint to wait for. */
  private takeSends(): Promise<void>[] {
    const all = this.inFlight;
    this.inFlight = [];
    return all;
  }

  private async liveTick(): Promise<void> {
    try {
      const now = this.now();
      for (const t of this.tasks.values()) {
        t.processor.advanceTime(now, t.outputs, this.o.liveWindowMs);
        await this.emit(t, false);
      }
      if (this.checkpointing === undefined && now - this.lastCheckpoint >= this.o.checkpointIntervalMs) await this.checkpointAll();
    } catch (e) {
      this.failure ??= e;
    }
  }

  private newTask(partition: number): PartitionTask {
    return new PartitionTask(partition, new Processor(this.o.processorConfig));
  }

  /** Builds a partition's task from its newest checkpoint (or empty). */
  private async assign(partition: number, checkpoints?: Map<string, LogRecord<string>>): Promise<PartitionTask> {
    return this.assignFrom(partition, checkpoints ?? (await this.readCheckpoints()));
  }

  private assignFrom(partition: number, cps: Map<string, LogRecord<string>>): PartitionTask {
    const task = this.newTask(partition);
    const rec = cps.get(stateKey(this.o.group, partition));
    if (rec) {
      const cp = decodeCheckpoint(rec.value);
      task.processor.restore(cp.processor);
      Object.assign(task.state, cp.stage);
      task.nextOffset = cp.offset;
      task.checkpointed = cp.offset;
      this.restores++;
      this.o.logger.info(
        { partition, offset: cp.offset, instruments: cp.processor.instruments.length },
        'partition restored from its checkpoint',
      );
    }
    this.tasks.set(partition, task);
    return task;
  }

  /** A task restored from `cps` when its checkpoint there is newer than the task's (else the task). */
  private restoreNewer(task: PartitionTask, cps: Map<string, LogRecord<string>>): PartitionTask {
    const rec = cps.get(stateKey(this.o.group, task.partition));
    if (!rec || checkpointOffset(rec.value) <= task.nextOffset) return task;
    this.o.logger.info({ partition: task.partition, stale: task.nextOffset }, 'partition: a newer checkpoint landed after assignment');
    return this.assignFrom(task.partition, cps);
  }

  private async readCheckpoints(): Promise<Map<string, LogRecord<string>>> {
    const log = this.o.log;
    if (!log.readLatest) throw new TickflowError('INTERNAL', `log ${log.url} cannot read the state topic`);
    return log.readLatest<string>(TOPICS.state, preferCheckpoint);
  }

  private async onAssignment(assigned: readonly TopicPartition[], revoked: readonly TopicPartition[]): Promise<void> {
    for (const tp of revoked) {
      if (tp.topic !== TOPICS.trades) continue;
      const task = this.tasks.get(tp.partition);
      if (!task) continue;
      if (this.consumer?.handover === 'after-revoke') {
        // The new owner reads on from here once this listener returns: hand the state over.
        await this.writeCheckpoints([task]);
      }
      // Otherwise (Kafka) no last checkpoint: this member hears of the revocation when the new
      // owner may already have restored the partition, and a checkpoint landing after the new
      // owner's own would pair an older state with the newer committed offset (records lost).
      // The new owner redoes the records since the last periodic checkpoint instead.
      this.tasks.delete(tp.partition);
    }
    const mine = assigned.filter((tp) => tp.topic === TOPICS.trades && !this.tasks.has(tp.partition));
    if (mine.length > 0) {
      const cps = await this.readCheckpoints();
      for (const tp of mine) await this.assign(tp.partition, cps);
    }
    this.o.logger.info({ partitions: this.partitions(), revoked: revoked.map((t) => t.partition) }, 'partitions assigned');
  }

  /**
   * Checkpoints every partition that moved since its last checkpoint, then commits the group's
   * offsets to what the checkpoints cover. Runs from the consume loop and, while the input is
   * idle, from the timer (so the last records get committed too); one at a time.
   */
  checkpointAll(): Promise<void> {
    this.checkpointing ??= (async () => {
      this.lastCheckpoint = this.now();
      const moved = [...this.tasks.values()].filter((t) => t.nextOffset !== t.checkpointed);
      if (moved.length === 0) return;
      const written = await this.writeCheckpoints(moved);
      if (written.length === 0) return;
      await this.consumer?.commit(written.map((w) => ({ topic: TOPICS.trades, partition: w.partition, offset: w.offset })));
    })().finally(() => (this.checkpointing = undefined));
    return this.checkpointing;
  }

  /** Writes the tasks' checkpoints; returns the (partition, offset) pairs written. */
  private async writeCheckpoints(tasks: readonly PartitionTask[]): Promise<{ partition: number; offset: number }[]> {
    // One synchronous step: pending outputs handed to the producer, state and offset captured
    // (the consume loop may go on meanwhile; what it does next is not in this checkpoint).
    const emitted = tasks.map((t) => this.emit(t, false));
    const snap = tasks.map((t) => ({
      task: t,
      offset: t.nextOffset,
      value: encodeCheckpoint({ v: 1, offset: t.nextOffset, processor: t.processor.toJSON(), stage: t.state, updatedAt: this.now() }),
    }));
    const values = Promise.all(snap.map((x) => x.value));
    values.catch(() => undefined);
    // Every output of these records must be acknowledged before the checkpoint that covers them:
    // the sends issued until now (not those the consume loop issues while this one waits).
    const sent = this.takeSends();
    await Promise.all(emitted);
    await Promise.all(sent);
    if (this.failure) throw this.failure;
    const encoded = await values;
    const ready = snap.map((x, i) => ({ task: x.task, offset: x.offset, value: encoded[i] as string }));
    // A partition revoked meanwhile is someone else's now: its checkpoint must not be written.
    // On Kafka, neither while the group rebalances nor once the consumer has heard of the
    // revocation (before this stage's listener has): a checkpoint landing after the new
    // owner's read would not be seen by it. The next round writes it. (The memory log hands a
    // revoked partition over through this method, from the listener.)
    const consumer = this.consumer;
    const kafka = consumer?.handover === 'committed';
    if (kafka && consumer.rebalancing?.()) return [];
    const held = (p: number): boolean => !kafka || consumer.assignments().some((tp) => tp.topic === TOPICS.trades && tp.partition === p);
    const owned = ready.filter((x) => this.tasks.get(x.task.partition) === x.task && held(x.task.partition));
    if (owned.length === 0) return [];
    // Urgent: ahead of the outputs the consume loop has queued since the snapshot, so the
    // checkpoint lands right after the ownership check above, not a queue's drain later.
    await this.producer.send(
      TOPICS.state,
      owned.map((x) => ({ key: stateKey(this.o.group, x.task.partition), value: x.value })),
      { urgent: true },
    );
    for (const x of owned) x.task.checkpointed = Math.max(x.task.checkpointed, x.offset);
    this.checkpoints += owned.length;
    return owned.map((x) => ({ partition: x.task.partition, offset: x.offset }));
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
