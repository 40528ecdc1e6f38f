// The running pipeline's counters in Prometheus form, read from its /api/stats snapshot at
// scrape time (nothing is counted twice, and a process without a live pipeline exports none).
// Labels stay bounded with 1,000 instruments: stages, outcomes, reasons, intervals, queues,
// groups, venues and connections, never instruments.
import { Counter, Gauge } from 'prom-client';
import type { PipelineStats } from '../core/index.js';
import { metrics } from './metrics.js';

let source: (() => PipelineStats) | undefined;

/** The pipeline whose stats /metrics exports (the API server of the process sets it); returns an unset function. */
export function exportPipelineStats(stats: () => PipelineStats): () => void {
  source = stats;
  return () => {
    if (source === stats) source = undefined;
  };
}

function snapshot(): PipelineStats | undefined {
  try {
    return source?.();
  } catch {
    return undefined;
  }
}

/** A counter whose value is a total the pipeline keeps: set at each scrape. */
function totalCounter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  values: (s: PipelineStats) => Iterable<[Partial<Record<L, string>>, number]>,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [metrics],
    collect() {
      this.reset();
      const s = snapshot();
      if (s === undefined) return;
      for (const [labels, v] of values(s)) if (Number.isFinite(v) && v >= 0) this.inc(labels, v);
    },
  });
}

function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  values: (s: PipelineStats) => Iterable<[Partial<Record<L, string>>, number | null]>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [metrics],
    collect() {
      this.reset();
      const s = snapshot();
      if (s === undefined) return;
      for (const [labels, v] of values(s)) if (v !== null && Number.isFinite(v)) this.set(labels, v);
    },
  });
}

totalCounter('tickflow_trades_total', 'Trades by outcome: received, accepted, rejected, late, duplicate', ['outcome'], (s) => [
  [{ outcome: 'received' }, s.trades.received],
  [{ outcome: 'accepted' }, s.trades.accepted],
  [{ outcome: 'rejected' }, s.trades.rejected],
  [{ outcome: 'late' }, s.trades.late],
  [{ outcome: 'duplicate' }, s.trades.duplicates],
]);

totalCounter('tickflow_rejects_total', 'Rejected input records by reason code', ['reason'], (s) =>
  Object.entries(s.rejectsByReason).map(([reason, n]) => [{ reason }, n]),
);

totalCounter('tickflow_stage_records_total', 'Records handled per pipeline stage', ['stage'], (s) =>
  s.stages.map((st) => [{ stage: st.name }, st.records]),
);

gauge('tickflow_stage_records_per_second', 'Recent rate per pipeline stage', ['stage'], (s) =>
  s.stages.map((st) => [{ stage: st.name }, st.perSecond]),
);

totalCounter('tickflow_bars_final_total', 'Final bars emitted, per interval', ['interval'], (s) =>
  Object.entries(s.barsFinal).map(([interval, n]) => [{ interval }, n]),
);

totalCounter('tickflow_alerts_total', 'Anomaly alerts emitted', [], (s) => [[{}, s.alerts]]);

gauge('tickflow_watermark_lag_seconds', 'Local time minus the slowest instrument watermark', [], (s) => [
  [{}, s.watermark.maxLagMs === null ? null : s.watermark.maxLagMs / 1000],
]);

gauge('tickflow_queue_depth', 'Records waiting in a log queue (embedded log)', ['queue'], (s) =>
  s.queues.map((q) => [{ queue: q.name }, q.depth]),
);

gauge(
  'tickflow_consumer_lag',
  'Kafka: records not yet committed, per consumer group and topic (summed over partitions)',
  ['group', 'topic'],
  (s) => {
    const sum = new Map<string, number>();
    for (const r of s.consumerLag ?? []) sum.set(`${r.group}\u0000${r.topic}`, (sum.get(`${r.group}\u0000${r.topic}`) ?? 0) + r.lag);
    return [...sum].map(([k, v]) => {
      const [group = '', topic = ''] = k.split('\u0000');
      return [{ group, topic }, v];
    });
  },
);

totalCounter('tickflow_store_rows_written_total', 'Rows committed to the store', [], (s) => [[{}, s.store.rowsWritten]]);
totalCounter('tickflow_store_commits_total', 'Store commits (checkpoints)', [], (s) => [[{}, s.store.commits]]);

/** Live feed connections (`--source <venue>:…`), labelled by venue and connection number. */
const feedConnections = (
  s: PipelineStats,
): { venue: string; connection: string; c: NonNullable<PipelineStats['feeds']>[number]['connections'][number] }[] =>
  (s.feeds ?? []).flatMap((f) => f.connections.map((c) => ({ venue: c.venue, connection: String(c.connection), c })));

gauge('tickflow_feed_up', 'Live feed connection open (1) or not (0)', ['venue', 'connection'], (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.state === 'open' ? 1 : 0]),
);

totalCounter('tickflow_feed_messages_total', 'Frames received by live feed connections', ['venue', 'connection'], (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.messages]),
);

totalCounter('tickflow_feed_trades_total', 'Trades received by live feed connections', ['venue', 'connection'], (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.trades]),
);

totalCounter('tickflow_feed_reconnects_total', 'Live feed connection losses and failed attempts', ['venue', 'connection'], (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.reconnects]),
);

totalCounter(
  'tickflow_feed_gap_trades_total',
  'Trades live feeds missed (by their ids), by what became of them: missed, backfilled',
  ['venue', 'result'],
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
  (s) => feedConnections(s).map(({ venue, connection, c }) => [{ venue, connection }, c.skewMs === null ? null : c.skewMs / 1000]),
);

gauge('tickflow_feed_last_message_age_seconds', 'Time since the connection last received anything', ['venue', 'connection'], (s) =>
  feedConnections(s).map(({ venue, connection, c }) => [
    { venue, connection },
    c.lastMessageAgeMs === null ? null : c.lastMessageAgeMs / 1000,
  ]),
);
