// The pipeline's metrics on the process's Prometheus registry (docs/OPERATIONS.md lists them).
// Two kinds:
// - read at scrape time from what the running parts already keep (the /api/stats snapshot, the
//   log's connection counters, the process stage's checkpoints, the store's model summaries),
//   so nothing is counted twice and a process without such a part exports no samples of it;
// - counted as records go by (`countSourced`, `observeEmitted`, `timeStoreCommit`), for what
//   nothing keeps: trades per source, event-to-emit latency, store write latency.
// Labels stay bounded with 1,000 instruments: stages, outcomes, reasons, intervals, queues,
// groups, topics, venues, connections and models, never instruments; every label value that
// comes from data passes through `bounded`, so a surprise cannot grow a series per record.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Bar, PipelineStats, Prediction, Reject } from '../core/index.js';
import type { GroupPartitionLag, LogStats, QueueDepth } from '../log/index.js';
import type { ModelSummary } from '../store/store.js';
import { metrics } from './metrics.js';

/**
 * What is being exported now. A process has one pipeline, one log, one store; tests and
 * `run --log kafka://…` may set a source more than once, so the newest one wins and removing
 * it brings back the one before.
 */
class Slot<T> {
  private readonly stack: { v: T }[] = [];

  set(v: T): () => void {
    const entry = { v };
    this.stack.push(entry);
    return () => {
      const i = this.stack.indexOf(entry);
      if (i >= 0) this.stack.splice(i, 1);
    };
  }

  get(): T | undefined {
    return this.stack[this.stack.length - 1]?.v;
  }
}

const pipelineSlot = new Slot<() => PipelineStats>();

/** The pipeline whose stats /metrics exports (the API server of the process sets it); returns an unset function. */
export function exportPipelineStats(stats: () => PipelineStats): () => void {
  return pipelineSlot.set(stats);
}

/** What the log exporter reads: the `Log` contract's monitoring methods. */
export interface LogMetricsSource {
  depths(): QueueDepth[];
  groupLag?(): GroupPartitionLag[];
  stats?(): LogStats;
}

const logSlot = new Slot<LogMetricsSource>();

/** The log whose queues, consumer lag and connection counters /metrics exports; returns an unset function. */
export function exportLogStats(log: LogMetricsSource): () => void {
  return logSlot.set(log);
}

/** A `tickflow process` instance's partition processing (PartitionedProcessStage). */
export interface ProcessMetricsSource {
  partitions(): number[];
  readonly checkpoints: number;
  readonly restores: number;
  readonly skipped: number;
  readonly gaps: number;
}

const processSlot = new Slot<ProcessMetricsSource>();

export function exportProcessStage(stage: ProcessMetricsSource): () => void {
  return processSlot.set(stage);
}

function read<T>(slot: Slot<() => T>): T | undefined {
  try {
    return slot.get()?.();
  } catch {
    return undefined;
  }
}

/** Label values seen per label; past `max` distinct ones, new values become `other`. */
const MAX_LABEL_VALUES = 200;
const seenValues = new Map<string, Set<string>>();

export function bounded(label: string, value: string): string {
  let seen = seenValues.get(label);
  if (!seen) seenValues.set(label, (seen = new Set()));
  if (seen.has(value)) return value;
  if (seen.size >= MAX_LABEL_VALUES) return 'other';
  seen.add(value);
  return value;
}

/**
 * The samples of one metric, or none when reading them fails (a log closing under the scrape):
 * one part's trouble must not turn the whole /metrics answer into an error.
 */
function safely<T>(read: () => Iterable<T>): T[] {
  try {
    return [...read()];
  } catch {
    return [];
  }
}

/** A counter whose value is a total something keeps: set at each scrape. */
function totalCounter<L extends string, S>(
  name: string,
  help: string,
  labelNames: readonly L[],
  source: () => S | undefined,
  values: (s: S) => Iterable<[Partial<Record<L, string>>, number]>,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [metrics],
    collect() {
      this.reset();
      const s = source();
      if (s === undefined) return;
      for (const [labels, v] of safely(() => values(s))) if (Number.isFinite(v) && v >= 0) this.inc(labels, v);
    },
  });
}

function gauge<L extends string, S>(
  name: string,
  help: string,
  labelNames: readonly L[],
  source: () => S | undefined,
  values: (s: S) => Iterable<[Partial<Record<L, string>>, number | null]>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [metrics],
    collect() {
      this.reset();
      const s = source();
      if (s === undefined) return;
      for (const [labels, v] of safely(() => values(s))) if (v !== null && Number.isFinite(v)) this.set(labels, v);
    },
  });
}

// ---- the pipeline's stats snapshot (run, process, serve) ----

const pipeline = (): PipelineStats | undefined => read(pipelineSlot);

totalCounter('tickflow_trades_total', 'Trades by outcome: received, accepted, rejected, late, duplicate', ['outcome'], pipeline, (s) => [
  [{ outcome: 'received' }, s.trades.received],
  [{ outcome: 'accepted' }, s.trades.accepted],
  [{ outcome: 'rejected' }, s.trades.rejected],
  [{ outcome: 'late' }, s.trades.late],
  [{ outcome: 'duplicate' }, s.trades.duplicates],
]);

totalCounter('tickflow_rejects_total', 'Rejected input records by reason code', ['reason'], pipeline, (s) =>
  Object.entries(s.rejectsByReason).map(([reason, n]) => [{ reason: bounded('reason', reason) }, n]),
);

totalCounter('tickflow_stage_records_total', 'Records handled per pipeline stage', ['stage'], pipeline, (s) =>
  s.stages.map((st) => [{ stage: st.name }, st.records]),
);

gauge('tickflow_stage_records_per_second', 'Recent rate per pipeline stage', ['stage'], pipeline, (s) =>
  s.stages.map((st) => [{ stage: st.name }, st.perSecond]),
);

totalCounter('tickflow_bars_final_total', 'Final bars emitted, per interval', ['interval'], pipeline, (s) =>
  Object.entries(s.barsFinal).map(([interval, n]) => [{ interval: bounded('interval', interval) }, n]),
);

totalCounter('tickflow_alerts_total', 'Anomaly alerts emitted', [], pipeline, (s) => [[{}, s.alerts]]);

gauge('tickflow_watermark_lag_seconds', 'Local time minus the slowest instrument watermark', [], pipeline, (s) => [
  [{}, s.watermark.maxLagMs === null ? null : s.watermark.maxLagMs / 1000],
]);

gauge('tickflow_instruments', 'Instruments the processor keeps state for (watermarks, open bars)', [], pipeline, (s) => [
  [{}, s.watermark.instruments],
]);

totalCounter('tickflow_store_rows_written_total', 'Rows committed to the store', [], pipeline, (s) => [[{}, s.store.rowsWritten]]);
totalCounter('tickflow_store_commits_total', 'Store commits (checkpoints)', [], pipeline, (s) => [[{}, s.store.commits]]);

gauge('tickflow_store_last_commit_age_seconds', 'Time since the last store commit (absent before the first)', [], pipeline, (s) => [
  [{}, s.store.lastCommitAt === null ? null : Math.max(0, s.time - s.store.lastCommitAt) / 1000],
]);

/** Live feed connections (`--source <venue>:…`), labelled by venue and connection number. */
const feedConnections = (
  s: PipelineStats,
): { venue: string; connection: string; c: NonNullable<PipelineStats['feeds']>[number]['connections'][number] }[] =>
  (s.feeds ?? []).flatMap((f) => f.connections.map((c) => ({ venue: c.venue, connection: String(c.connection), c })));

gauge('tickflow_feed_up', 'Live feed connection open (1) or not (0)', ['venue', 'connection'], pipeline, (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.state === 'open' ? 1 : 0]),
);

totalCounter('tickflow_feed_messages_total', 'Frames received by live feed connections', ['venue', 'connection'], pipeline, (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.messages]),
);

totalCounter('tickflow_feed_trades_total', 'Trades received by live feed connections', ['venue', 'connection'], pipeline, (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.trades]),
);

totalCounter('tickflow_feed_reconnects_total', 'Live feed connection losses and failed attempts', ['venue', 'connection'], pipeline, (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.reconnects]),
);

totalCounter(
  'tickflow_feed_gap_trades_total',
  'Trades live feeds missed (by their ids), by what became of them: missed, backfilled',
  ['venue', 'result'],
  pipeline,
  (s) =>
    feedConnections(s).flatMap(({ venue, c }) => [
      [{ venue, result: 'missed' }, c.tradesMissed],
      [{ venue, result: 'backfilled' }, c.tradesBackfilled],
    ]),
);

gauge(
  'tickflow_feed_clock_skew_seconds',
  'Local receive time minus exchange time (recent mean), per connection',
  ['venue', 'connection'],
  pipeline,
  (s) => feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.skewMs === null ? null : c.skewMs / 1000]),
);

gauge(
  'tickflow_feed_last_message_age_seconds',
  'Time since the connection last received anything',
  ['venue', 'connection'],
  pipeline,
  (s) =>
    feedConnections(s).map(({ venue, connection, c }) => [
      { venue, connection },
      c.lastMessageAgeMs === null ? null : c.lastMessageAgeMs / 1000,
    ]),
);

// ---- the log (every process on a log: run, ingest, process, serve) ----

const log = (): LogMetricsSource | undefined => logSlot.get();
const logStats = (): LogStats | undefined => {
  try {
    return logSlot.get()?.stats?.();
  } catch {
    return undefined;
  }
};

gauge(
  'tickflow_queue_depth',
  'Records waiting in a log queue: the embedded log per topic, Kafka per consumed topic and group (and the producer buffer, bytes)',
  ['queue'],
  log,
  (l) => l.depths().map((q) => [{ queue: bounded('queue', q.name) }, q.depth]),
);

gauge('tickflow_queue_capacity', 'Capacity of a log queue (0 = unbounded)', ['queue'], log, (l) =>
  l.depths().map((q) => [{ queue: bounded('queue', q.name) }, q.capacity]),
);

gauge(
  'tickflow_consumer_lag',
  'Kafka: records not yet committed, per consumer group and topic (summed over partitions); every group of the log, as the brokers report it',
  ['group', 'topic'],
  log,
  (l) => {
    const sum = new Map<string, { group: string; topic: string; lag: number }>();
    for (const r of l.groupLag?.() ?? []) {
      const k = `${r.group}\u0000${r.topic}`;
      const e = sum.get(k) ?? { group: bounded('group', r.group), topic: bounded('topic', r.topic), lag: 0 };
      e.lag += r.lag;
      sum.set(k, e);
    }
    return [...sum.values()].map((e) => [{ group: e.group, topic: e.topic }, e.lag]);
  },
);

gauge(
  'tickflow_log_connected',
  'Kafka: 1 while requests to the brokers succeed, 0 from a failed one until the next success',
  [],
  logStats,
  (s) => [[{}, s.connected ? 1 : 0]],
);

totalCounter('tickflow_log_records_sent_total', 'Kafka: records acknowledged by the brokers', [], logStats, (s) => [
  [{}, s.producer.sentRecords],
]);

totalCounter('tickflow_log_produce_retries_total', 'Kafka: produce requests tried again after a retriable failure', [], logStats, (s) => [
  [{}, s.producer.retries],
]);

totalCounter('tickflow_log_errors_total', 'Kafka: failed requests of any kind, retried or not', [], logStats, (s) => [
  [{}, s.producer.errors],
]);

totalCounter(
  'tickflow_log_reconnects_total',
  'Kafka: consumer sessions restarted after an error (broker down or restarted, lost membership)',
  [],
  logStats,
  (s) => [[{}, s.consumer.reconnects]],
);

totalCounter('tickflow_log_rebalances_total', 'Kafka: consumer group rebalances seen by this process', [], logStats, (s) => [
  [{}, s.consumer.rebalances],
]);

totalCounter(
  'tickflow_log_dead_letters_total',
  'Kafka: records no consumer could decode, sent to the dead-letter topic, by reason',
  ['reason'],
  logStats,
  (s) => Object.entries(s.consumer.deadLetteredByReason).map(([reason, n]) => [{ reason: bounded('reason', reason) }, n]),
);

// ---- `tickflow process`: partitions and checkpoints ----

const processStage = (): ProcessMetricsSource | undefined => processSlot.get();

gauge('tickflow_process_partitions', 'Trades partitions this process instance owns', [], processStage, (p) => [
  [{}, p.partitions().length],
]);
totalCounter('tickflow_process_checkpoints_total', 'Partition checkpoints written to the state topic', [], processStage, (p) => [
  [{}, p.checkpoints],
]);
totalCounter('tickflow_process_restores_total', 'Partitions restored from their checkpoint on assignment', [], processStage, (p) => [
  [{}, p.restores],
]);
totalCounter(
  'tickflow_process_skipped_records_total',
  'Trades records skipped because a restored checkpoint already covered them',
  [],
  processStage,
  (p) => [[{}, p.skipped]],
);
totalCounter(
  'tickflow_process_checkpoint_gaps_total',
  'Partitions whose first record after a restore lay beyond the checkpoint (should stay 0)',
  [],
  processStage,
  (p) => [[{}, p.gaps]],
);

// ---- counted as records go by ----

const sourceTrades = new Counter({
  name: 'tickflow_source_trades_total',
  help: 'Trades read from sources and written to the trades topic, by source kind: sim, replay, live',
  labelNames: ['source'] as const,
  registers: [metrics],
});

const sourceRejects = new Counter({
  name: 'tickflow_source_rejects_total',
  help: 'Bad source records written to the trades topic, by source kind and reason code',
  labelNames: ['source', 'reason'] as const,
  registers: [metrics],
});

/** `sim`, `replay` or `live`: a source's name is a file path for replays, which must not become a label. */
export function sourceKind(name: string): string {
  return name === 'sim' || name === 'live' ? name : 'replay';
}

/** Counts what a source handed to the log. */
export function countSourced(source: string, trades: number, rejects: readonly Reject[]): void {
  const kind = sourceKind(source);
  if (trades > 0) sourceTrades.inc({ source: kind }, trades);
  for (const r of rejects) sourceRejects.inc({ source: kind, reason: bounded('reason', r.reason) });
}

const eventToEmit = new Histogram({
  name: 'tickflow_event_to_emit_seconds',
  help: "Final bars: wall-clock time of emission minus the bar's end in event time (includes the allowed lateness), by interval",
  labelNames: ['interval'] as const,
  // Around the default lateness (2 s) finely, then coarse: replays of history land in +Inf.
  buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 2.25, 2.5, 3, 4, 5, 7.5, 10, 15, 30, 60, 300],
  registers: [metrics],
});

const predictionsTotal = new Counter({
  name: 'tickflow_predictions_total',
  help: 'Next-bar forecasts made, by model and interval',
  labelNames: ['model', 'interval'] as const,
  registers: [metrics],
});

/** Observes outputs as they are emitted: final bars' latency and forecasts. */
export function observeEmitted(bars: readonly Bar[], now: number): void {
  for (const b of bars) {
    if (!b.final || b.revision !== 0) continue;
    eventToEmit.observe({ interval: bounded('interval', b.interval) }, Math.max(0, now - b.end) / 1000);
  }
}

export function countPredictions(predictions: readonly Prediction[]): void {
  for (const p of predictions) predictionsTotal.inc({ model: bounded('model', p.model), interval: bounded('interval', p.interval) });
}

const storeCommitDuration = new Histogram({
  name: 'tickflow_store_commit_duration_seconds',
  help: 'Time to commit one checkpoint (outputs, state, positions) to the store',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metrics],
});

const storeCommitFailures = new Counter({
  name: 'tickflow_store_commit_failures_total',
  help: 'Store commits that failed',
  registers: [metrics],
});

/** Times one store commit. */
export async function timeStoreCommit<T>(commit: () => Promise<T>): Promise<T> {
  const end = storeCommitDuration.startTimer();
  try {
    const r = await commit();
    end();
    return r;
  } catch (e) {
    storeCommitFailures.inc();
    throw e;
  }
}

// ---- forecasting models, from the store's newest scores (run, serve) ----

/** Where model summaries come from (the store's `models({})`) and how stale they may be. */
export interface ModelScoreSource {
  readonly models: () => Promise<readonly ModelSummary[]>;
  /** A scrape older than this starts a refresh in the background (default 30 s). */
  readonly refreshMs?: number;
}

class ModelScores {
  private summaries: readonly ModelSummary[] = [];
  private at = 0;
  private refreshing: Promise<void> | undefined;

  constructor(readonly source: ModelScoreSource) {}

  /** The last summaries read; starts a refresh when they are old, without waiting for it (a scrape never waits on the store). */
  current(now: number): readonly ModelSummary[] {
    if (this.refreshing === undefined && now - this.at >= (this.source.refreshMs ?? 30_000)) {
      this.refreshing = this.source
        .models()
        .then(
          (s) => {
            this.summaries = s;
            this.at = Date.now();
          },
          () => {
            // The store is busy or down: /ready says so; keep the old scores and try on a later scrape.
            this.at = Date.now();
          },
        )
        .finally(() => (this.refreshing = undefined));
    }
    return this.summaries;
  }

  /** Waits for a refresh in flight (tests). */
  settled(): Promise<void> {
    return this.refreshing ?? Promise.resolve();
  }
}

const modelSlot = new Slot<ModelScores>();

/** Exports the store's model scores; returns the unset function and a wait for the refresh in flight. */
export function exportModelScores(source: ModelScoreSource): { unset: () => void; settled: () => Promise<void> } {
  const m = new ModelScores(source);
  return { unset: modelSlot.set(m), settled: () => m.settled() };
}

const SCORE_METRICS = [
  ['rmse', 'rmse'],
  ['mae', 'mae'],
  ['directional_accuracy', 'directionalAccuracy'],
  ['log_loss', 'logLoss'],
  ['brier', 'brier'],
] as const;

const modelSummaries = (): readonly ModelSummary[] | undefined => modelSlot.get()?.current(Date.now());

gauge(
  'tickflow_model_score',
  'Forecasting models: test-then-train score averaged over the series (instruments) of each model and interval; window rolling or cumulative',
  ['model', 'interval', 'window', 'metric'],
  modelSummaries,
  (summaries) => {
    const acc = new Map<string, { labels: Record<string, string>; sum: number; n: number }>();
    for (const s of summaries) {
      const model = bounded('model', s.model);
      const interval = bounded('interval', s.interval);
      for (const window of ['rolling', 'cumulative'] as const) {
        for (const [metric, key] of SCORE_METRICS) {
          const v = s[window][key];
          if (v === null || !Number.isFinite(v)) continue;
          const k = `${model}\u0000${interval}\u0000${window}\u0000${metric}`;
          const e = acc.get(k) ?? { labels: { model, interval, window, metric }, sum: 0, n: 0 };
          e.sum += v;
          e.n++;
          acc.set(k, e);
        }
      }
    }
    return [...acc.values()].map((e) => [e.labels, e.sum / e.n]);
  },
);

gauge(
  'tickflow_model_series',
  'Forecasting models: series (instruments) per model, interval and status (champion, challenger, quarantined)',
  ['model', 'interval', 'status'],
  modelSummaries,
  (summaries) => {
    const count = new Map<string, { labels: Record<string, string>; n: number }>();
    for (const s of summaries) {
      const labels: Record<string, string> = {
        model: bounded('model', s.model),
        interval: bounded('interval', s.interval),
        status: s.status,
      };
      const k = `${labels['model']}\u0000${labels['interval']}\u0000${labels['status']}`;
      const e = count.get(k) ?? { labels, n: 0 };
      e.n++;
      count.set(k, e);
    }
    return [...count.values()].map((e) => [e.labels, e.n]);
  },
);
