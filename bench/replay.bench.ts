// End to end: `tickflow replay` of the three Binance kline files (36.5M synthesized trades)
// into all default intervals, indicators, alerts, the 5m/1m window and the store, as a
// user runs it (a child process), with its peak RSS.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHARED = process.env['TICKFLOW_SHARED_DATA'] ?? resolve(ROOT, '..', 'shared', 'data');
const files = ['LTCUSDT', 'LINKUSDT', 'DOTUSDT'].map((s) => join(SHARED, 'binance-klines-1m', `${s}-1m-2026-02.csv`));

interface Summary {
  tradesRead: number;
  elapsedMs: number;
  tradesPerSecond: number;
  bars: Record<string, number>;
}

function runOnce(intervals: string | undefined): { s: Summary; rssMb: number } {
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-bench-'));
  try {
    const args = ['replay', ...files, '--data-dir', dir, '--json', ...(intervals ? ['--intervals', intervals] : [])];
    // GNU time reports the child's peak RSS. The script is run as a user runs `tickflow`, so
    // its shebang's node flags apply.
    const r = spawnSync('/usr/bin/time', ['-f', '%M', join(ROOT, 'bin', 'tickflow.js'), ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`replay failed: ${r.stderr}`);
    const rssKb = Number(r.stderr.trim().split('\n').pop());
    return { s: JSON.parse(r.stdout) as Summary, rssMb: rssKb / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const intervals of [undefined, '1m,5m,15m,1h,1d']) {
  const { s, rssMb } = runOnce(intervals);
  const bars = Object.values(s.bars).reduce((a, b) => a + b, 0);
  rows.push({
    intervals: intervals ?? '1s,1m,5m,15m,1h,1d (default)',
    trades: s.tradesRead,
    'bars stored': bars,
    'elapsed s': s.elapsedMs / 1000,
    'trades/s': Math.round(s.tradesPerSecond),
    'peak RSS MB': Math.round(rssMb),
  });
}
report('tickflow replay: 3 Binance kline files end to end', rows, [
  'bin/tickflow.js replay ../shared/data/binance-klines-1m/*.csv (fresh data dir; indicators for every bar, alerts, 5m/1m windows, DuckDB store, Parquet lake at the end)',
  'target: ≥ 1,000,000 trades/s on this 2-core machine',
]);
