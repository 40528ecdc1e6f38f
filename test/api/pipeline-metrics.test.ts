import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bar, ModelMetrics, Reject } from '../../src/core/index.js';
import { metrics } from '../../src/api/metrics.js';
import {
  bounded,
  countSourced,
  exportLogStats,
  exportModelScores,
  exportPipelineStats,
  exportProcessStage,
  observeEmitted,
  sourceKind,
  timeStoreCommit,
} from '../../src/api/pipeline-metrics.js';
import type { LogStats } from '../../src/log/index.js';
import { FakeStore } from './fake-store.js';
import { makeBar, makeReject, makeStats, T0 } from './fixtures.js';

/** Sample value of a metric with exactly these labels (undefined when there is none). */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = metrics.getSingleMetric(name);
  assert.ok(m, `metric ${name} is registered`);
  const got = await m.get();
  const want = Object.entries(labels);
  const v = got.values.find(
    (x) =>
      (x as { metricName?: string }).metricName === undefined &&
      Object.keys(x.labels).length === want.length &&
      want.every(([k, val]) => String(x.labels[k]) === val),
  );
  return v?.value;
}

/** Sample of a histogram's series (`_count`, `_sum` or a bucket) with these labels. */
async function histogramSample(name: string, suffix: '_count' | '_sum', labels: Record<string, string> = {}): Promise<number> {
  const m = metrics.getSingleMetric(name);
  assert.ok(m);
  const got = await m.get();
  const want = Object.entries(labels);
  const v = got.values.find(
    (x) => (x as { metricName?: string }).metricName === `${name}${suffix}` && want.every(([k, val]) => String(x.labels[k]) === val),
  );
  return v?.value ?? 0;
}

function modelMetrics(instrument: string, model: string, status: ModelMetrics['status'], rmse: number): ModelMetrics {
  const set = { n: 10, rmse, mae: rmse / 2, directionalAccuracy: 0.5, logLoss: null, brier: null, auc: null };
  return {
    type: 'model-metrics',
    instrument,
    interval: '1m',
    model,
    kind: model,
    time: T0,
    status,
    updates: 10,
    cumulative: set,
    rolling: set,
  };
}

describe('pipeline metrics', () => {
  it('sourceKind: replay file paths never become label values', () => {
    assert.equal(sourceKind('sim'), 'sim');
    assert.equal(sourceKind('live'), 'live');
    assert.equal(sourceKind('/data/binance/BTCUSDT-1m-2026-02-01.csv'), 'replay');
  });

  it('countSourced: trades by source kind, rejects by source kind and reason', async () => {
    const trades = (await sample('tickflow_source_trades_total', { source: 'replay' })) ?? 0;
    const bad = (await sample('tickflow_source_rejects_total', { source: 'replay', reason: 'BAD_PRICE' })) ?? 0;
    const rejects: Reject[] = [makeReject(T0, 'BAD_PRICE'), makeReject(T0 + 1, 'BAD_PRICE'), makeReject(T0 + 2, 'MALFORMED')];
    countSourced('/tmp/a.csv', 100, rejects);
    countSourced('/tmp/b.csv', 20, []);
    assert.equal(await sample('tickflow_source_trades_total', { source: 'replay' }), trades + 120);
    assert.equal(await sample('tickflow_source_rejects_total', { source: 'replay', reason: 'BAD_PRICE' }), bad + 2);
  });

  it('observeEmitted: final bars of revision 0 only, emission time minus the bar end, per interval', async () => {
    const before = await histogramSample('tickflow_event_to_emit_seconds', '_count', { interval: '1m' });
    const sumBefore = await histogramSample('tickflow_event_to_emit_seconds', '_sum', { interval: '1m' });
    const final = makeBar('binance:BTCUSDT', '1m', T0, 100, 101);
    assert.equal(final.final, true);
    const bars: Bar[] = [final, { ...final, final: false }, { ...final, revision: 1 }];
    observeEmitted(bars, final.end + 2500);
    assert.equal(await histogramSample('tickflow_event_to_emit_seconds', '_count', { interval: '1m' }), before + 1);
    const sum = await histogramSample('tickflow_event_to_emit_seconds', '_sum', { interval: '1m' });
    assert.ok(Math.abs(sum - sumBefore - 2.5) < 1e-9, `sum grew by ${sum - sumBefore}`);
  });

  it('bounded: past 200 distinct values of a label, new ones become "other"', () => {
    for (let i = 0; i < 200; i++) assert.equal(bounded('test-label', `v${i}`), `v${i}`);
    assert.equal(bounded('test-label', 'v7'), 'v7');
    assert.equal(bounded('test-label', 'new'), 'other');
  });

  it('exportPipelineStats: the newest source wins; unsetting it brings back the previous one', async () => {
    const a = makeStats();
    const b = { ...makeStats(), trades: { ...a.trades, accepted: 5 }, rejectsByReason: { MALFORMED: 7 } };
    const unsetA = exportPipelineStats(() => a);
    const unsetB = exportPipelineStats(() => b);
    try {
      assert.equal(await sample('tickflow_trades_total', { outcome: 'accepted' }), 5);
      assert.equal(await sample('tickflow_rejects_total', { reason: 'MALFORMED' }), 7);
      assert.equal(await sample('tickflow_rejects_total', { reason: 'BAD_PRICE' }), undefined);
      unsetB();
      assert.equal(await sample('tickflow_trades_total', { outcome: 'accepted' }), 990);
      assert.equal(await sample('tickflow_watermark_lag_seconds'), 2.1);
      assert.equal(await sample('tickflow_instruments'), 2);
      assert.equal(await sample('tickflow_store_last_commit_age_seconds'), 1);
      assert.equal(await sample('tickflow_bars_final_total', { interval: '1m' }), 10);
    } finally {
      unsetB();
      unsetA();
    }
    assert.equal(await sample('tickflow_trades_total', { outcome: 'accepted' }), undefined);
  });

  it('exportLogStats: queues, consumer lag summed over partitions, connection counters', async () => {
    const stats: LogStats = {
      connected: true,
      producer: {
        bufferedBytes: 10,
        bufferLimitBytes: 100,
        bufferedRecords: 1,
        sentRecords: 42,
        retries: 3,
        errors: 4,
        lastError: null,
        lastErrorAt: null,
      },
      consumer: { deadLettered: 2, deadLetteredByReason: { DECODE_FAILED: 2 }, rebalances: 5, reconnects: 6 },
    };
    const unset = exportLogStats({
      depths: () => [{ name: 'trades (group process)', depth: 17, capacity: 0 }],
      groupLag: () => [
        { group: 'process', topic: 'trades', partition: 0, endOffset: 10, committed: 5, lag: 5 },
        { group: 'process', topic: 'trades', partition: 1, endOffset: 10, committed: 2, lag: 8 },
        { group: 'sink', topic: 'bars', partition: 0, endOffset: 3, committed: 3, lag: 0 },
      ],
      stats: () => stats,
    });
    try {
      assert.equal(await sample('tickflow_queue_depth', { queue: 'trades (group process)' }), 17);
      assert.equal(await sample('tickflow_consumer_lag', { group: 'process', topic: 'trades' }), 13);
      assert.equal(await sample('tickflow_consumer_lag', { group: 'sink', topic: 'bars' }), 0);
      assert.equal(await sample('tickflow_log_connected'), 1);
      assert.equal(await sample('tickflow_log_records_sent_total'), 42);
      assert.equal(await sample('tickflow_log_produce_retries_total'), 3);
      assert.equal(await sample('tickflow_log_reconnects_total'), 6);
      assert.equal(await sample('tickflow_log_rebalances_total'), 5);
      assert.equal(await sample('tickflow_log_dead_letters_total', { reason: 'DECODE_FAILED' }), 2);
    } finally {
      unset();
    }
    assert.equal(await sample('tickflow_queue_depth', { queue: 'trades (group process)' }), undefined);
  });

  it('exportProcessStage: partitions and checkpoint counters', async () => {
    const unset = exportProcessStage({ partitions: () => [0, 3, 5], checkpoints: 9, restores: 2, skipped: 11, gaps: 0 });
    try {
      assert.equal(await sample('tickflow_process_partitions'), 3);
      assert.equal(await sample('tickflow_process_checkpoints_total'), 9);
      assert.equal(await sample('tickflow_process_restores_total'), 2);
      assert.equal(await sample('tickflow_process_skipped_records_total'), 11);
    } finally {
      unset();
    }
  });

  it('timeStoreCommit: one observation per commit, failures counted and passed on', async () => {
    const count = await histogramSample('tickflow_store_commit_duration_seconds', '_count');
    const failures = (await sample('tickflow_store_commit_failures_total')) ?? 0;
    assert.equal(await timeStoreCommit(async () => 7), 7);
    await assert.rejects(
      timeStoreCommit(async () => {
        throw new Error('disk full');
      }),
      /disk full/,
    );
    assert.equal(await histogramSample('tickflow_store_commit_duration_seconds', '_count'), count + 1);
    assert.equal(await sample('tickflow_store_commit_failures_total'), failures + 1);
  });

  it('exportModelScores: averaged over instruments per model and interval, read in the background', async () => {
    const store = new FakeStore({
      modelMetrics: [
        modelMetrics('binance:BTCUSDT', 'rls', 'champion', 0.002),
        modelMetrics('binance:ETHUSDT', 'rls', 'challenger', 0.004),
        modelMetrics('binance:BTCUSDT', 'random_walk', 'challenger', 0.003),
      ],
    });
    const scores = exportModelScores({ models: () => store.models({}) });
    try {
      // the first scrape starts the read and does not wait for it
      await sample('tickflow_model_score', { model: 'rls', interval: '1m', window: 'rolling', metric: 'rmse' });
      await scores.settled();
      const rmse = await sample('tickflow_model_score', { model: 'rls', interval: '1m', window: 'rolling', metric: 'rmse' });
      assert.ok(rmse !== undefined && Math.abs(rmse - 0.003) < 1e-12, `mean rmse ${rmse}`);
      assert.equal(
        await sample('tickflow_model_score', { model: 'rls', interval: '1m', window: 'rolling', metric: 'log_loss' }),
        undefined,
      );
      assert.equal(await sample('tickflow_model_series', { model: 'rls', interval: '1m', status: 'champion' }), 1);
      assert.equal(await sample('tickflow_model_series', { model: 'rls', interval: '1m', status: 'challenger' }), 1);
      const text = await metrics.metrics();
      assert.doesNotMatch(text, /instrument=/, 'no instrument label anywhere');
    } finally {
      scores.unset();
    }
  });

  it('every tickflow metric follows the Prometheus naming conventions and has no instrument label', async () => {
    const all = await metrics.getMetricsAsJSON();
    const ours = all.filter((m) => m.name.startsWith('tickflow_'));
    assert.ok(ours.length > 40, `${ours.length} tickflow metrics`);
    for (const m of ours) {
      assert.match(m.name, /^tickflow_[a-z0-9_]+$/, m.name);
      assert.ok(m.help.length > 10, `${m.name} has a help text`);
      const type = String(m.type);
      if (type === 'counter') assert.match(m.name, /_total$/, `counter ${m.name} ends in _total`);
      else assert.doesNotMatch(m.name, /_total$/, `${type} ${m.name} does not end in _total`);
      if (type === 'histogram') assert.match(m.name, /_seconds$/, `histogram ${m.name} is in seconds`);
      assert.doesNotMatch(m.name, /_(ms|millis|milliseconds)(_|$)/, `${m.name}: base units`);
      for (const v of m.values) assert.ok(!('instrument' in v.labels), `${m.name} has no instrument label`);
    }
  });
});
