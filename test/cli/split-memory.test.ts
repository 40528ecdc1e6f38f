// The split deployment's stages (ingest → N process instances → sink) on the embedded log,
// which implements the same partition, group and rebalance contract as Kafka: fast checks of
// the stage logic. The same scenarios against a real broker are in test/kafka/.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveConfig, type Config } from '../../src/cli/config.js';
import { ingest, processPart, servePart, splitTopics } from '../../src/cli/commands/split.js';
import { MemoryLog } from '../../src/log/index.js';
import { silentLogger } from '../../src/obs/index.js';
import { NO_SHARED_DATA, ROOT, settle, tempDir, waitFor } from '../helpers.js';
import { binanceStreamRoute, startFakeExchange } from '../fake-exchange/index.js';
import { hftbacktestCapture, readCapture, receivedFrames } from '../support/captures.js';
import { query, replayFiles } from './e2e-helpers.js';

const KLINES = join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv');
const TRADES = join(ROOT, 'samples', 'binance-spot_BTCUSDT_trades_2024-08-08T2354.from-ws.csv');

const BARS_SQL = `SELECT instrument, "interval", start, "end", open, high, low, close, volume, quote_volume, buy_volume, sell_volume, trades, vwap, first_trade_id, last_trade_id
  FROM bars ORDER BY instrument, "interval", start`;
const INDICATORS_SQL = `SELECT instrument, "interval", start, close, sma, ema_fast, ema_slow, rsi, macd, macd_signal, macd_hist, bb_upper, bb_middle, bb_lower, atr, log_return, realized_vol
  FROM indicators ORDER BY instrument, "interval", start`;

const PREDICTIONS_SQL = `SELECT * EXCLUDE (commit_seq) FROM predictions ORDER BY instrument, "interval", start, model`;
const MODEL_METRICS_SQL = `SELECT * EXCLUDE (commit_seq) FROM model_metrics ORDER BY instrument, "interval", model, time`;
const MODEL_VERSIONS_SQL = `SELECT * EXCLUDE (commit_seq) FROM model_versions ORDER BY instrument, "interval", model, version`;

function splitConfig(dataDir: string, files: string[], partitions: number): Config {
  return resolveConfig(
    'run',
    {
      dataDir,
      source: 'replay',
      replay: files.join(','),
      partitions: String(partitions),
      port: '0',
      checkpointInterval: '100ms',
      pace: '0',
    },
    {},
  );
}

async function runSplit(dataDir: string, files: string[], partitions: number, processes: number): Promise<void> {
  const cfg = splitConfig(dataDir, files, partitions);
  const log = new MemoryLog({ capacity: 1024 });
  await log.ensureTopics(splitTopics(partitions));
  const logger = silentLogger();
  const procs = await Promise.all(Array.from({ length: processes }, () => processPart(cfg, logger, log)));
  const serve = await servePart(cfg, logger, log);
  const ing = await ingest(cfg, logger, log);
  await ing.done;
  await settle(() => serve.sink.meter.total, 1500);
  for (const p of procs) await p.stop();
  await serve.stop();
  await log.close();
}

for (const [name, files] of [
  ['klines (synthesized trades)', [KLINES]],
  ['trades from WebSocket', [TRADES]],
] as const) {
  test(`split stages, 4 partitions and 2 process instances, store exactly the bars and indicators of the embedded replay: ${name}`, async () => {
    const a = tempDir();
    const b = tempDir();
    try {
      await replayFiles([...files], a.dir);
      await runSplit(b.dir, [...files], 4, 2);
      const want = await query(a.dir, BARS_SQL);
      assert.ok(want.length > 100);
      assert.deepEqual(await query(b.dir, BARS_SQL), want);
      assert.deepEqual(await query(b.dir, INDICATORS_SQL), await query(a.dir, INDICATORS_SQL));
      // forecasts travel the predictions / model-metrics / model-versions topics to the same rows
      const predictions = await query(a.dir, PREDICTIONS_SQL);
      if (name.startsWith('klines')) assert.ok(predictions.length > 1000, `${predictions.length} predictions`);
      assert.deepEqual(await query(b.dir, PREDICTIONS_SQL), predictions);
      assert.deepEqual(await query(b.dir, MODEL_METRICS_SQL), await query(a.dir, MODEL_METRICS_SQL));
      assert.deepEqual(await query(b.dir, MODEL_VERSIONS_SQL), await query(a.dir, MODEL_VERSIONS_SQL));
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
}

test(
  'split ingest of a live feed: a gap that cannot be backfilled reaches the store through the gaps topic',
  { skip: NO_SHARED_DATA },
  async (t) => {
    const frames = receivedFrames(readCapture(hftbacktestCapture('binance-spot_btcusdt_20240808.gz')));
    const fake = await startFakeExchange({ frames, frameFor: binanceStreamRoute, gapFilter: (f) => f.data.includes('@trade"') });
    t.after(() => fake.close());
    // no REST route for the backfill (404): the gap stays
    fake.at(20_000, (f) => f.injectGap(3));
    const b = tempDir();
    t.after(() => b.cleanup());
    const cfg = resolveConfig(
      'run',
      {
        dataDir: b.dir,
        source: ['binance:BTCUSDT'],
        venueUrl: `binance=${fake.wsUrl},binance.rest=${fake.restUrl}`,
        partitions: '2',
        checkpointInterval: '100ms',
        port: '0',
      },
      {},
    );
    const log = new MemoryLog({ capacity: 1024 });
    await log.ensureTopics(splitTopics(2));
    const logger = silentLogger();
    const serve = await servePart(cfg, logger, log);
    const ing = await ingest(cfg, logger, log);
    try {
      await waitFor(() => fake.finished, 60_000, 'the capture served');
      await settle(() => serve.sink.meter.total, 1500);
    } finally {
      await ing.stop();
      await serve.stop();
      await log.close();
    }
    const gaps = await query(b.dir, 'SELECT instrument, kind, missing, source FROM feed_gaps');
    assert.deepEqual(gaps, [{ instrument: 'binance:BTCUSDT', kind: 'ids', missing: 3n, source: 'binance#0' }]);
  },
);
