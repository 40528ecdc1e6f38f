import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedData, tempDir, NO_SHARED_DATA, waitFor } from '../helpers.js';
import { cli, cliResult, query } from './e2e-helpers.js';

const TABLES = {
  bars: 'SELECT * FROM bars ORDER BY instrument, interval, start',
  indicators: 'SELECT * FROM indicators ORDER BY instrument, interval, start',
  windows: 'SELECT * FROM windows ORDER BY instrument, size, slide, start',
  alerts: 'SELECT * FROM alerts ORDER BY instrument, interval, start, kind',
};

async function snapshot(dir: string): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(TABLES)) out[name] = await query(dir, sql);
  return out;
}

test('kill -9 during a replay, run the same command again: the store equals an uninterrupted run', { skip: NO_SHARED_DATA, timeout: 300_000 }, async () => {
  const file = sharedData('binance-klines-1m/LTCUSDT-1m-2026-02.csv') ?? '';
  const clean = tempDir();
  const crashed = tempDir();
  try {
    const args = (dir: string): string[] => ['replay', file, '--data-dir', dir, '--intervals', '1s,1m,1h', '--checkpoint-interval', '250ms', '--json'];
    const ref = await cliResult(args(clean.dir));
    assert.equal(ref.code, 0, ref.stderr);

    // Kill twice at different points, each after at least one checkpoint has been committed.
    for (const commitsBeforeKill of [2, 5]) {
      const child = cli([...args(crashed.dir), '--log-level', 'debug']);
      let commits = 0;
      child.stderr?.on('data', (d: Buffer) => {
        commits += d.toString().split('checkpoint committed').length - 1;
      });
      const exited = new Promise<number | null>((r) => child.on('close', r));
      await waitFor(() => commits >= commitsBeforeKill, 120_000, `${commitsBeforeKill} checkpoints`);
      child.kill('SIGKILL');
      assert.equal(await exited, null);
    }
    const resumed = await cliResult(args(crashed.dir));
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { resumed: boolean; tradesRead: number; late: number; duplicates: number };
    assert.equal(summary.resumed, true);
    assert.equal(summary.tradesRead, 11_427_525, 'counters survive the crash: every trade counted once');
    assert.equal(summary.duplicates, 0);

    const a = await snapshot(clean.dir);
    const b = await snapshot(crashed.dir);
    for (const name of Object.keys(TABLES)) {
      assert.equal(b[name]?.length, a[name]?.length, `${name}: same number of rows`);
      assert.deepEqual(b[name], a[name], `${name}: identical rows`);
    }
    assert.ok((a['bars']?.length ?? 0) > 40_000);
    const lake = await query(crashed.dir, `SELECT count(*) AS n FROM read_parquet('${join(crashed.dir, 'lake', 'bars')}/**/*.parquet', hive_partitioning = true)`);
    assert.equal(Number(lake[0]?.['n']), a['bars']?.length, 'the lake holds each bar once');
  } finally {
    clean.cleanup();
    crashed.cleanup();
  }
});
