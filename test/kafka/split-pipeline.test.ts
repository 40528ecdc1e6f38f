// The split deployment through a real broker: ingest → process (×N, some as separate OS
// processes that get killed) → serve's sink → DuckDB, compared with the embedded replay of the
// same input. Skipped (with the reason) when no broker can be had; never under REQUIRE_KAFKA=1.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { resolveConfig, type Config } from '../../src/cli/config.js';
import { ingest, openSplitLog, processPart, servePart } from '../../src/cli/commands/split.js';
import type { Log } from '../../src/log/index.js';
import { createLogger, silentLogger, type Logger } from '../../src/obs/index.js';

/** TICKFLOW_TEST_LOG=info shows the stages' logs (debugging a failure). */
const testLogger = (): Logger =>
  process.env['TICKFLOW_TEST_LOG'] ? createLogger({ level: process.env['TICKFLOW_TEST_LOG'] }) : silentLogger();
import { ROOT, settle, tempDir, waitFor } from '../helpers.js';
import { query, replayFiles } from '../cli/e2e-helpers.js';
import { deleteTopicsWithPrefix, findKafka, kafkaSh, ownBrokerUnavailable, produceRaw, uniquePrefix, type KafkaTarget } from './broker.js';

const fixtures = tempDir('tickflow-kafka-fixtures-');
after(() => fixtures.cleanup());

/** The first `minutes` rows of a kline file, under its own name (which names the instrument). */
function klineHead(file: string, minutes: number): string {
  const dir = join(fixtures.dir, String(minutes));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, basename(file));
  const lines = readFileSync(file, 'utf8').split('\n');
  writeFileSync(out, `${lines.slice(0, minutes + 1).join('\n')}\n`);
  return out;
}

// Six hours of real 1-minute klines (~120k synthesized trades): every interval, the kline
// oracle and several checkpoints, in a fraction of the full day's time.
const KLINES = klineHead(join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv'), 360);
const TRADES = join(ROOT, 'samples', 'binance-spot_BTCUSDT_trades_2024-08-08T2354.from-ws.csv');

const BARS_SQL = `SELECT instrument, "interval", start, "end", open, high, low, close, volume, quote_volume, buy_volume, sell_volume, trades, vwap, first_trade_id, last_trade_id
  FROM bars ORDER BY instrument, "interval", start`;
const INDICATORS_SQL = `SELECT instrument, "interval", start, close, sma, ema_fast, ema_slow, rsi, macd, macd_signal, macd_hist, bb_upper, bb_middle, bb_lower, atr, log_return, realized_vol
  FROM indicators ORDER BY instrument, "interval", start`;

const target = await findKafka();
const skip = typeof target === 'string' ? target : false;

interface Split {
  readonly prefix: string;
  readonly url: string;
  cfg(dataDir: string, extra?: Record<string, string>): Config;
}

function split(t: TestContext, k: KafkaTarget, files: string[], partitions: number, codec = 'json'): Split {
  const prefix = uniquePrefix();
  const url = `kafka://${k.brokers.join(',')}?prefix=${prefix}`;
  t.after(() => deleteTopicsWithPrefix(k, prefix));
  return {
    prefix,
    url,
    cfg: (dataDir, extra = {}) =>
      resolveConfig(
        'run',
        {
          dataDir,
          log: url,
          source: 'replay',
          replay: files.join(','),
          partitions: String(partitions),
          tradesCodec: codec,
          outputCodec: codec,
          port: '0',
          checkpointInterval: '200ms',
          pace: '0',
          ...extra,
        },
        {},
      ),
  };
}

interface Expected {
  readonly bars: unknown[];
  readonly indicators: unknown[];
}

const expected = new Map<string, Promise<Expected>>();

/** What the embedded pipeline stores for these files (computed once per file set). */
function embedded(files: string[]): Promise<Expected> {
  const key = files.join('|');
  let e = expected.get(key);
  if (!e) {
    e = (async () => {
      const a = tempDir();
      try {
        await replayFiles(files, a.dir);
        return { bars: await query(a.dir, BARS_SQL), indicators: await query(a.dir, INDICATORS_SQL) };
      } finally {
        a.cleanup();
      }
    })();
    expected.set(key, e);
  }
  return e;
}

/**
 * Every consumer group of the run has consumed and committed everything, as the brokers say:
 * `processGroup` on each trades partition, and every other group (the sink's) on its topics. A
 * quiet spell of the sink alone can be a stall on a loaded machine, not the end.
 */
async function drained(log: Log, processGroup: string, partitions: number, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    () => {
      const rows = log.groupLag?.() ?? [];
      const proc = rows.filter((r) => r.group === processGroup && r.topic === 'trades');
      return proc.length === partitions && rows.every((r) => r.lag === 0);
    },
    timeoutMs,
    'every consumer group drained',
  );
}

function cliProcess(s: Split, group: string, partitions: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin', 'tickflow.js'),
      'process',
      '--log',
      s.url,
      '--partitions',
      String(partitions),
      '--group',
      group,
      '--checkpoint-interval',
      '200ms',
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return child;
}

async function runThrough(s: Split, dataDir: string, processes: number, log?: Log): Promise<void> {
  const cfg = s.cfg(dataDir);
  const logger = testLogger();
  const l = log ?? (await openSplitLog(cfg, logger));
  const procs = await Promise.all(Array.from({ length: processes }, () => processPart(cfg, logger, l)));
  const serve = await servePart(cfg, logger, l);
  try {
    const ing = await ingest(cfg, logger, l);
    await ing.done;
    await settle(() => serve.sink.meter.total);
    // The process group's lag, read from the brokers by serve, reaches 0 on every partition.
    await waitFor(
      async () => {
        const stats = (await (await fetch(`${serve.url}/api/stats`)).json()) as {
          consumerLag?: { group: string; topic: string; lag: number }[];
        };
        const rows = (stats.consumerLag ?? []).filter((r) => r.group === 'process' && r.topic === 'trades');
        return rows.length === cfg.partitions && rows.every((r) => r.lag === 0);
      },
      30_000,
      "the process group's lag in /api/stats",
    );
  } finally {
    for (const p of procs) await p.stop();
    await serve.stop();
    if (!log) await l.close();
  }
}

for (const codec of ['json', 'binary']) {
  test(
    `through Kafka (${codec} trades and outputs), ingest → process → serve stores exactly the embedded run's bars and indicators`,
    { skip, timeout: 300_000 },
    async (t) => {
      const k = target as KafkaTarget;
      const want = await embedded([KLINES, TRADES]);
      const b = tempDir();
      try {
        await runThrough(split(t, k, [KLINES, TRADES], 4, codec), b.dir, 1);
        assert.ok(want.bars.length > 1000);
        assert.deepEqual(await query(b.dir, BARS_SQL), want.bars);
        assert.deepEqual(await query(b.dir, INDICATORS_SQL), want.indicators);
      } finally {
        b.cleanup();
      }
    },
  );
}

for (const [partitions, processes] of [
  [1, 3],
  [12, 2],
] as const) {
  test(`${partitions} partition(s) shared by ${processes} process instances: the same bars`, { skip, timeout: 300_000 }, async (t) => {
    const k = target as KafkaTarget;
    const want = await embedded([KLINES, TRADES]);
    const b = tempDir();
    try {
      await runThrough(split(t, k, [KLINES, TRADES], partitions), b.dir, processes);
      assert.deepEqual(await query(b.dir, BARS_SQL), want.bars);
    } finally {
      b.cleanup();
    }
  });
}

test(
  'kill -9 one of two process instances mid-stream, restart it: the final bars equal a clean run (none lost, none doubled)',
  { skip, timeout: 400_000 },
  async (t) => {
    const k = target as KafkaTarget;
    const want = await embedded([KLINES, TRADES]);
    const b = tempDir();
    const s = split(t, k, [KLINES, TRADES], 6);
    // Paced so that the kill lands mid-stream: 6 h of klines at 720x is about 30 s of ingest.
    const cfg = s.cfg(b.dir, { pace: '720' });
    const logger = testLogger();
    const log = await openSplitLog(cfg, logger);
    const serve = await servePart(cfg, logger, log);
    const children: ChildProcess[] = [];
    t.after(() => {
      for (const c of children) c.kill('SIGKILL');
    });
    try {
      const group = 'kill-test';
      children.push(cliProcess(s, group, 6), cliProcess(s, group, 6));
      const ing = await ingest(cfg, logger, log);
      await waitFor(() => serve.sink.meter.total > 2000, 120_000, 'output before the kill');
      const victim = children[0] as ChildProcess;
      victim.kill('SIGKILL');
      await waitFor(() => serve.sink.meter.total > 6000, 120_000, 'the survivor carries on');
      children.push(cliProcess(s, group, 6));
      await ing.done;
      await drained(log, group, 6);
      await settle(() => serve.sink.meter.total, 2000);
    } finally {
      await serve.stop();
      await log.close();
    }
    try {
      assert.deepEqual(await query(b.dir, BARS_SQL), want.bars);
      assert.deepEqual(await query(b.dir, INDICATORS_SQL), want.indicators);
    } finally {
      b.cleanup();
    }
  },
);

test(
  'garbage bytes and wrong-schema JSON on the trades topic go to the dead-letter topic; the pipeline keeps going',
  { skip, timeout: 300_000 },
  async (t) => {
    const k = target as KafkaTarget;
    const want = await embedded([TRADES]);
    const b = tempDir();
    const s = split(t, k, [TRADES], 3);
    const cfg = s.cfg(b.dir);
    const logger = testLogger();
    const log = await openSplitLog(cfg, logger);
    try {
      await produceRaw(k, `${s.prefix}trades`, [
        { key: 'binance:BTCUSDT', value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) },
        {
          key: 'binance:BTCUSDT',
          value: JSON.stringify({ kind: 'trades', source: 'x', instrument: 'binance:BTCUSDT', trades: [{ price: 'free' }] }),
        },
      ]);
      await runThrough(s, b.dir, 1, log);
      assert.deepEqual(await query(b.dir, BARS_SQL), want.bars);
      const dead = log.stats?.().consumer.deadLettered ?? 0;
      assert.ok(dead >= 2, `dead-lettered ${dead}`);
    } finally {
      await log.close();
      b.cleanup();
    }
  },
);

const ownSkip = skip || ownBrokerUnavailable();

test(
  'broker down for 30 s mid-stream: nothing is lost, the outage shows in stats, no process exits',
  { skip: ownSkip, timeout: 400_000 },
  async (t) => {
    const port = Number(process.env['KAFKA_OUTAGE_PIPELINE_PORT'] ?? 19292);
    kafkaSh('start', port);
    const k: KafkaTarget = { brokers: [`127.0.0.1:${port}`], managed: true };
    const s = split(t, k, [KLINES], 3);
    // After the topics' clean-up (hooks run in order): the broker and its data go.
    t.after(() => kafkaSh('reset', port));
    const want = await embedded([KLINES]);
    const b = tempDir();
    // 6 h of klines at 360x: about a minute of ingest, the outage in its middle.
    const cfg = s.cfg(b.dir, { pace: '360' });
    const logger = testLogger();
    const log = await openSplitLog(cfg, logger);
    const proc = await processPart(cfg, logger, log);
    const serve = await servePart(cfg, logger, log);
    try {
      const ing = await ingest(cfg, logger, log);
      let ended = false;
      void ing.done.finally(() => (ended = true));
      await waitFor(() => serve.sink.meter.total > 500, 60_000, 'output before the outage');
      kafkaSh('stop', port);
      await waitFor(() => log.stats?.().connected === false, 30_000, 'the outage is noticed');
      await new Promise((r) => setTimeout(r, 30_000));
      const during = log.stats?.();
      assert.ok(during && during.producer.errors > 0, 'errors counted during the outage');
      assert.equal(ended, false, 'ingest waits (it does not exit) while the broker is down');
      kafkaSh('start', port);
      await ing.done;
      await drained(log, 'process', cfg.partitions);
      await settle(() => serve.sink.meter.total, 2000);
      assert.equal(log.stats?.().connected, true);
    } finally {
      await proc.stop();
      await serve.stop();
      await log.close();
    }
    try {
      assert.deepEqual(await query(b.dir, BARS_SQL), want.bars);
    } finally {
      b.cleanup();
    }
  },
);

test(
  'a full-speed binary replay over 6 partitions with 1 s checkpoints is stored whole, and process stops promptly',
  { skip, timeout: 180_000 },
  async (t) => {
    // Regression: the producer left records queued with nothing pumping when they arrived just as
    // the pump emptied its queue, so a checkpoint waited forever for their acknowledgement.
    const k = target as KafkaTarget;
    const want = await embedded([KLINES]);
    const b = tempDir();
    const s = split(t, k, [KLINES], 6, 'binary');
    const cfg = s.cfg(b.dir, { checkpointInterval: '1s' });
    const logger = testLogger();
    const log = await openSplitLog(cfg, logger);
    const proc = await processPart(cfg, logger, log);
    const serve = await servePart(cfg, logger, log);
    try {
      const ing = await ingest(cfg, logger, log);
      await ing.done;
      await drained(log, 'process', 6);
      await settle(() => serve.sink.meter.total, 2000);
      const stopped = await Promise.race([proc.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      assert.ok(stopped, `process did not stop within 30 s: ${JSON.stringify(log.stats?.().producer)}`);
    } finally {
      await serve.stop();
      await log.close();
    }
    try {
      assert.deepEqual(await query(b.dir, BARS_SQL), want.bars);
    } finally {
      b.cleanup();
    }
  },
);
