import type { Bar, Prediction } from '../../core/index.js';
import { TOPICS, type ConsumerOptions, type Log, type LogProducer, type ProduceRecord, type SendOptions } from '../../log/index.js';
import { countPredictions, countSourced, exportLogStats, observeEmitted } from '../../api/pipeline-metrics.js';
import { addReadinessCheck, singleFlight } from '../../api/readiness.js';
import type { TradesMessage } from './messages.js';
import type { TradeRecord } from './trade-records.js';

/**
 * The process's log, observed: what goes out through its producers is counted for /metrics
 * (trades and rejects per source kind on the trades topic, final bars' event-to-emit latency,
 * forecasts), its queues, consumer lag and connection counters are exported, and /ready asks
 * the brokers for the trades topic's metadata. Closing the log removes it from both.
 *
 * Watching the producer, not the stages, keeps the counting in one place for the embedded
 * pipeline and the split deployment alike: every stage already hands its outputs to the log.
 */
export function observeLog(log: Log): Log {
  const unexport = exportLogStats(log);
  const partitionCount = log.partitionCount?.bind(log);
  const unready = addReadinessCheck(
    'log',
    singleFlight(async () => {
      // A metadata request to the brokers (the memory log answers at once); throws LOG_TOPIC
      // when the topic is missing and waits while the brokers are unreachable (the check's
      // timeout turns that into "not ready").
      if (partitionCount) await partitionCount(TOPICS.trades);
    }),
  );
  const readLatest = log.readLatest?.bind(log);
  const groupLag = log.groupLag?.bind(log);
  const stats = log.stats?.bind(log);
  return {
    url: log.url,
    ensureTopics: (specs) => log.ensureTopics(specs),
    producer: () => observedProducer(log.producer()),
    consumer: <T>(opts: ConsumerOptions) => log.consumer<T>(opts),
    depths: () => log.depths(),
    ...(partitionCount ? { partitionCount } : {}),
    ...(readLatest ? { readLatest } : {}),
    ...(groupLag ? { groupLag } : {}),
    ...(stats ? { stats } : {}),
    close: async () => {
      unready();
      unexport();
      await log.close();
    },
  };
}

function observedProducer(p: LogProducer): LogProducer {
  return {
    send: <T>(topic: string, records: readonly ProduceRecord<T>[], opts?: SendOptions): Promise<void> => {
      observe(topic, records);
      return p.send(topic, records, opts);
    },
  };
}

function observe(topic: string, records: readonly ProduceRecord<unknown>[]): void {
  if (topic === TOPICS.trades) {
    for (const r of records) countTradesRecord(r.value);
  } else if (topic === TOPICS.bars) {
    const now = Date.now();
    observeEmitted(
      valuesOf(records).filter((v): v is Bar => isTyped(v, 'bar')),
      now,
    );
  } else if (topic === TOPICS.predictions) {
    countPredictions(valuesOf(records).filter((v): v is Prediction => isTyped(v, 'prediction')));
  }
}

/** The values the records hold: one each (embedded pipeline) or an array each (split deployment, output-codecs.ts). */
function valuesOf(records: readonly ProduceRecord<unknown>[]): unknown[] {
  return records.flatMap((r) => (Array.isArray(r.value) ? (r.value as unknown[]) : [r.value]));
}

function isTyped(v: unknown, type: string): boolean {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === type;
}

/**
 * The trades topic carries the embedded pipeline's source chunks (`messages.ts`) or, on a
 * partitioned log, per-instrument trade records and reject records (`trade-records.ts`).
 */
function countTradesRecord(value: unknown): void {
  // What the stages send on the trades topic is one of these two shapes, by the topic's contract.
  const r = value as TradesMessage | TradeRecord;
  if (r.kind === 'chunk') countSourced(r.source, r.chunk.trades.length, r.chunk.rejects);
  else if (r.kind === 'trades') countSourced(r.source, r.batch.length, []);
  else if (r.kind === 'rejects') countSourced(r.source, 0, r.rejects);
}
