import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTradeBatch, type Bar, type InstrumentId, type Prediction, type TradeBatch } from '../../../src/core/index.js';
import { metrics } from '../../../src/api/metrics.js';
import { checkReadiness } from '../../../src/api/readiness.js';
import { MemoryLog, TOPICS, type Log } from '../../../src/log/index.js';
import { observeLog } from '../../../src/cli/pipeline/observed-log.js';
import type { TradesMessage } from '../../../src/cli/pipeline/messages.js';
import type { TradeRecord } from '../../../src/cli/pipeline/trade-records.js';

/** A sample's value (0 when absent); `name_count` reads a histogram's count. */
async function value(name: string, labels: Record<string, string>): Promise<number> {
  const family = name.replace(/_count$/, '');
  const m = metrics.getSingleMetric(family);
  assert.ok(m, `${family} is registered`);
  const want = Object.entries(labels);
  const got = (await m.get()).values.find(
    (x) =>
      ((x as { metricName?: string }).metricName ?? family) === name &&
      Object.keys(x.labels).length === want.length &&
      want.every(([k, v]) => String(x.labels[k]) === v),
  );
  return got?.value ?? 0;
}

/** Number of exported series (sample lines) in a scrape. */
async function seriesCount(): Promise<number> {
  return (await metrics.metrics()).split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
}

function batch(n: number): TradeBatch {
  const b = createTradeBatch(n);
  return { ...b, length: n };
}

function bar(instrument: string, interval: string, end: number): Bar {
  return {
    type: 'bar',
    instrument,
    interval,
    start: end - 1000,
    end,
    open: 1,
    high: 1,
    low: 1,
    close: 1,
    volume: 1,
    quoteVolume: 1,
    buyVolume: 1,
    sellVolume: 0,
    trades: 1,
    vwap: 1,
    firstTradeId: 1,
    lastTradeId: 1,
    final: true,
    revision: 0,
  };
}

describe('observeLog', () => {
  it('keeps the optional parts of the log it wraps, and only those', () => {
    const inner: Log = new MemoryLog();
    const log = observeLog(inner);
    try {
      for (const k of ['partitionCount', 'readLatest', 'groupLag', 'stats'] as const) {
        assert.equal(typeof log[k], typeof inner[k], k);
      }
      assert.equal(log.url, 'memory');
    } finally {
      void log.close();
    }
  });

  it('is checked by /ready while open; closing it removes the check', async () => {
    const log = observeLog(new MemoryLog());
    await log.ensureTopics([{ name: TOPICS.trades, partitions: 1 }]);
    const open = await checkReadiness();
    assert.deepEqual(
      open.checks.filter((c) => c.name === 'log').map((c) => c.status),
      ['ok'],
    );
    await log.close();
    assert.ok(!(await checkReadiness()).checks.some((c) => c.name === 'log'));
  });

  it('counts trades and rejects per source kind, final bars, forecasts; exports its queues', async () => {
    const log = observeLog(new MemoryLog({ capacity: 1000 }));
    try {
      const sim = await value('tickflow_source_trades_total', { source: 'sim' });
      const replay = await value('tickflow_source_trades_total', { source: 'replay' });
      const rejects = await value('tickflow_source_rejects_total', { source: 'replay', reason: 'MALFORMED' });
      const emitted = await value('tickflow_event_to_emit_seconds_count', { interval: '1s' });
      const forecasts = await value('tickflow_predictions_total', { model: 'rls', interval: '1m' });
      const p = log.producer();
      // the embedded pipeline's chunks
      await p.send<TradesMessage>(TOPICS.trades, [
        {
          key: 'sim',
          value: { kind: 'chunk', source: 'sim', chunk: { trades: batch(30), rejects: [], position: { kind: 'sim', trades: 30 } } },
        },
      ]);
      // a partitioned log's per-instrument records
      const reject = { type: 'reject', source: '/d/a.csv', position: '3', reason: 'MALFORMED', message: 'm', raw: 'x', time: 1 } as const;
      await p.send<TradeRecord>(TOPICS.trades, [
        {
          key: 'binance:BTCUSDT',
          value: { kind: 'trades', source: '/d/a.csv', instrument: 'binance:BTCUSDT' as InstrumentId, batch: batch(12) },
        },
        { key: '/d/a.csv', value: { kind: 'rejects', source: '/d/a.csv', rejects: [reject] } },
        { key: '/d/a.csv', value: { kind: 'end', source: '/d/a.csv', instruments: [] } },
      ]);
      const now = Date.now();
      await p.send<Bar>(TOPICS.bars, [
        { key: 'x', value: bar('binance:BTCUSDT', '1s', now - 2000) },
        { key: 'x', value: { ...bar('binance:BTCUSDT', '1s', now), final: false } },
      ]);
      const prediction: Prediction = {
        type: 'prediction',
        instrument: 'binance:BTCUSDT',
        interval: '1m',
        model: 'rls',
        start: 0,
        target: 60_000,
        close: 1,
        return: 0,
        pUp: 0.5,
        predictedClose: 1,
        champion: true,
      };
      await p.send<Prediction>(TOPICS.predictions, [{ key: 'x', value: prediction }]);
      assert.equal(await value('tickflow_source_trades_total', { source: 'sim' }), sim + 30);
      assert.equal(await value('tickflow_source_trades_total', { source: 'replay' }), replay + 12);
      assert.equal(await value('tickflow_source_rejects_total', { source: 'replay', reason: 'MALFORMED' }), rejects + 1);
      assert.equal(await value('tickflow_event_to_emit_seconds_count', { interval: '1s' }), emitted + 1);
      assert.equal(await value('tickflow_predictions_total', { model: 'rls', interval: '1m' }), forecasts + 1);
      const text = await metrics.metrics();
      assert.match(text, /^tickflow_queue_depth\{queue="trades"\} \d+$/m);
    } finally {
      await log.close();
    }
    assert.doesNotMatch(await metrics.metrics(), /^tickflow_queue_depth\{/m, 'a closed log is no longer exported');
  });

  it('1,000 instruments add no series: labels never carry an instrument', async () => {
    const log = observeLog(new MemoryLog({ capacity: 100_000 }));
    try {
      const p = log.producer();
      // warm up every label combination this test can produce
      await p.send<TradeRecord>(TOPICS.trades, [
        { key: 'i0', value: { kind: 'trades', source: 'sim', instrument: 'sim:I0' as InstrumentId, batch: batch(1) } },
      ]);
      await p.send<Bar>(TOPICS.bars, [{ key: 'i0', value: bar('sim:I0', '1s', Date.now()) }]);
      const before = await seriesCount();
      for (let i = 0; i < 1000; i++) {
        const instrument = `sim:I${i}`;
        await p.send<TradeRecord>(TOPICS.trades, [
          { key: instrument, value: { kind: 'trades', source: 'sim', instrument: instrument as InstrumentId, batch: batch(5) } },
        ]);
        await p.send<Bar>(TOPICS.bars, [{ key: instrument, value: bar(instrument, '1s', Date.now()) }]);
      }
      const text = await metrics.metrics();
      assert.equal(await seriesCount(), before);
      assert.doesNotMatch(text, /sim:I\d/);
    } finally {
      await log.close();
    }
  });
});
