import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedData, tempDir, NO_SHARED_DATA } from '../helpers.js';
import { exactSum8, query, replayFiles } from './e2e-helpers.js';

const FILES = ['LTCUSDT', 'LINKUSDT', 'DOTUSDT'].map((s) => ({ symbol: s, path: sharedData(`binance-klines-1m/${s}-1m-2026-02.csv`) }));

interface Kline {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: string;
  count: number;
}

function readKlines(path: string): Kline[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const f = line.split(',');
      return {
        openTime: Number(f[0]),
        open: Number(f[1]),
        high: Number(f[2]),
        low: Number(f[3]),
        close: Number(f[4]),
        volume: f[5] ?? '',
        count: Number(f[8]),
      };
    });
}

/** Resamples 1m klines to a coarser interval, independently of tickflow's code. */
function resample(
  k: readonly Kline[],
  ms: number,
): Map<number, { open: number; high: number; low: number; close: number; volume: string; count: number }> {
  const groups = new Map<number, Kline[]>();
  for (const x of k) {
    if (x.count === 0) continue;
    const start = Math.floor(x.openTime / ms) * ms;
    groups.set(start, [...(groups.get(start) ?? []), x]);
  }
  const out = new Map<number, { open: number; high: number; low: number; close: number; volume: string; count: number }>();
  for (const [start, g] of groups) {
    out.set(start, {
      open: g[0]?.open ?? NaN,
      close: g[g.length - 1]?.close ?? NaN,
      high: Math.max(...g.map((x) => x.high)),
      low: Math.min(...g.map((x) => x.low)),
      volume: exactSum8(g.map((x) => x.volume)),
      count: g.reduce((s, x) => s + x.count, 0),
    });
  }
  return out;
}

// Volumes: a bar's volume must be within one unit in the last place of a double of the
// exact decimal sum (computed with BigInt): exact up to binary representation.
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}

function withinUlp(actual: number, exactDecimal: string): number | string {
  const e = Number(exactDecimal);
  return Math.abs(actual - e) <= ulp(e) ? e : `${actual} is more than 1 ulp from ${exactDecimal}`;
}

test(
  'replaying trades synthesized from the 3 Binance kline files reproduces every candle exactly',
  { skip: NO_SHARED_DATA, timeout: 300_000 },
  async () => {
    const { dir, cleanup } = tempDir();
    try {
      const files = FILES.map((f) => f.path ?? '');
      const summary = await replayFiles(files, dir, { intervals: '1m,1h,1d', windows: 'none' });
      assert.equal(summary.rejected, 0);
      assert.equal(summary.late, 0);
      assert.equal(summary.duplicates, 0);
      assert.equal(summary.tradesRead, 11_427_525 + 16_084_614 + 9_052_979);
      for (const f of FILES) {
        const klines = readKlines(f.path ?? '');
        const instrument = `binance:${f.symbol}`;
        const rows = await query(
          dir,
          `SELECT interval, start, open, high, low, close, volume, trades FROM bars WHERE instrument = '${instrument}' ORDER BY interval, start`,
        );
        const byInterval = (iv: string): Map<number, Record<string, unknown>> =>
          new Map(rows.filter((r) => r['interval'] === iv).map((r) => [Number(r['start']), r]));
        const m1 = byInterval('1m');
        const nonEmpty = klines.filter((k) => k.count > 0);
        assert.equal(m1.size, nonEmpty.length, `${instrument}: one 1m bar per kline with trades`);
        for (const k of nonEmpty) {
          const b = m1.get(k.openTime);
          assert.ok(b, `${instrument} 1m bar at ${k.openTime}`);
          assert.deepEqual(
            [b['open'], b['high'], b['low'], b['close'], Number(b['trades']), withinUlp(Number(b['volume']), k.volume)],
            [k.open, k.high, k.low, k.close, k.count, Number(k.volume)],
            `${instrument} 1m ${new Date(k.openTime).toISOString()}`,
          );
        }
        for (const [iv, ms] of [
          ['1h', 3_600_000],
          ['1d', 86_400_000],
        ] as const) {
          const expected = resample(klines, ms);
          const got = byInterval(iv);
          assert.equal(got.size, expected.size, `${instrument} ${iv} bar count`);
          for (const [start, e] of expected) {
            const b = got.get(start);
            assert.ok(b, `${instrument} ${iv} bar at ${start}`);
            assert.deepEqual(
              [b['open'], b['high'], b['low'], b['close'], Number(b['trades']), withinUlp(Number(b['volume']), e.volume)],
              [e.open, e.high, e.low, e.close, e.count, Number(e.volume)],
              `${instrument} ${iv} ${new Date(start).toISOString()}`,
            );
          }
        }
      }
    } finally {
      cleanup();
    }
  },
);
