import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedData, tempDir, NO_SHARED_DATA, waitFor } from '../helpers.js';
import { cli, cliResult, duck, query } from './e2e-helpers.js';

const TABLES = ['bars', 'indicators', 'windows', 'alerts', 'late_trades', 'rejects', 'predictions', 'model_metrics', 'model_versions'];

/** Row counts and the rows each store has that the other lacks, compared inside DuckDB (commit numbers differ, so they are left out). */
async function compareStores(a: string, b: string): Promise<Record<string, { a: number; b: number; onlyA: number; onlyB: number }>> {
  const attach = `ATTACH '${join(a, 'tickflow.duckdb')}' AS a (READ_ONLY); ATTACH '${join(b, 'tickflow.duckdb')}' AS b (READ_ONLY);`;
  const out: Record<string, { a: number; b: number; onlyA: number; onlyB: number }> = {};
  for (const t of TABLES) {
    const [r] = await duck(`${attach}
      SELECT (SELECT count(*) FROM a.${t}) AS a, (SELECT count(*) FROM b.${t}) AS b,
             (SELECT count(*) FROM (SELECT * EXCLUDE (commit_seq) FROM a.${t} EXCEPT ALL SELECT * EXCLUDE (commit_seq) FROM b.${t})) AS only_a,
             (SELECT count(*) FROM (SELECT * EXCLUDE (commit_seq) FROM b.${t} EXCEPT ALL SELECT * EXCLUDE (commit_seq) FROM a.${t})) AS only_b`);
    out[t] = { a: Number(r?.['a']), b: Number(r?.['b']), onlyA: Number(r?.['only_a']), onlyB: Number(r?.['only_b']) };
  }
  return out;
}

test(
  'kill -9 during a replay, run the same command again: the store equals an uninterrupted run',
  // Four replays of the first 10 days of a kline month (~4M trades; the whole month made this
  // test take 150 s alone and over 380 s beside the Kafka suite).
  { skip: NO_SHARED_DATA, timeout: 600_000 },
  async () => {
    const month = sharedData('binance-klines-1m/LTCUSDT-1m-2026-02.csv') ?? '';
    const clean = tempDir();
    const crashed = tempDir();
    const input = tempDir();
    try {
      // the file name keeps the instrument detectable; header + 10 days of 1m klines
      const file = join(input.dir, 'LTCUSDT-1m-2026-02.csv');
      writeFileSync(
        file,
        `${readFileSync(month, 'utf8')
          .split('\n')
          .slice(0, 1 + 10 * 1440)
          .join('\n')}\n`,
      );
      const args = (dir: string): string[] => [
        'replay',
        file,
        '--data-dir',
        dir,
        '--intervals',
        '1s,1m,1h',
        '--checkpoint-interval',
        '250ms',
        '--json',
      ];
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
      const summary = JSON.parse(resumed.stdout) as { resumed: boolean; tradesRead: number; duplicates: number; alerts: number };
      const reference = JSON.parse(ref.stdout) as { alerts: number; tradesRead: number };
      assert.equal(summary.resumed, true);
      assert.ok(reference.tradesRead > 3_000_000);
      assert.equal(summary.tradesRead, reference.tradesRead, 'counters survive the crash: every trade counted once');
      assert.equal(summary.duplicates, 0);
      assert.equal(summary.alerts, reference.alerts, 'the alert count survives the crash');

      const cmp = await compareStores(clean.dir, crashed.dir);
      for (const [t, c] of Object.entries(cmp)) {
        assert.equal(c.b, c.a, `${t}: same number of rows`);
        assert.equal(c.onlyA + c.onlyB, 0, `${t}: identical rows (${c.onlyA} only in the clean run, ${c.onlyB} only in the resumed one)`);
      }
      assert.ok((cmp['bars']?.a ?? 0) > 700_000);
      // the forecasters (default: 1m and 1h here) are in the checkpoint too: each forecast once, none lost
      assert.ok((cmp['predictions']?.a ?? 0) > 5 * 14_000, `predictions: ${cmp['predictions']?.a}`);
      assert.ok((cmp['model_versions']?.a ?? 0) > 0);
      const lake = await query(
        crashed.dir,
        `SELECT count(*) AS n FROM read_parquet('${join(crashed.dir, 'lake', 'bars')}/**/*.parquet', hive_partitioning = true)`,
      );
      assert.equal(Number(lake[0]?.['n']), cmp['bars']?.a, 'the lake holds each bar once');
    } finally {
      clean.cleanup();
      crashed.cleanup();
      input.cleanup();
    }
  },
);
