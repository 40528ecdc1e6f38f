import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baselineScores } from '../../web/src/baselines.js';
import type { Bar } from '../../src/core/index.js';
import { ROOT } from '../helpers.js';

/** The first hour of samples/LTCUSDT-1m-2026-02-01.csv (Binance 1m klines) as final bars. */
function ltcBars(n: number): Bar[] {
  const lines = readFileSync(join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1, n + 1);
  return lines.map((line) => {
    const [start = 0, open = 0, high = 0, low = 0, close = 0, volume = 0] = line.split(',').map(Number);
    return {
      type: 'bar',
      instrument: 'binance:LTCUSDT',
      interval: '1m',
      start,
      end: start + 60_000,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: 0,
      buyVolume: 0,
      sellVolume: 0,
      trades: 1,
      vwap: close,
      firstTradeId: 0,
      lastTradeId: 0,
      final: true,
      revision: 0,
    };
  });
}

test('baselines on real 1m bars: each return predicted only from the returns before it', () => {
  const bars = ltcBars(60);
  const closes = bars.map((b) => b.close);
  const r = closes.slice(1).map((c, i) => Math.log(c / (closes[i] ?? c)));
  // Straight from the definition: bar i's return is predicted at bar i-1's close.
  let zero = 0;
  let drift = 0;
  for (let i = 1; i < r.length; i++) {
    const mean = r.slice(0, i).reduce((a, b) => a + b, 0) / i;
    zero += Math.abs(r[i] ?? 0);
    drift += Math.abs((r[i] ?? 0) - mean);
  }
  const s = baselineScores(bars);
  assert.ok(s);
  assert.equal(s.n, r.length - 1);
  assert.ok(Math.abs(s.zeroMae - zero / s.n) < 1e-15);
  assert.ok(Math.abs(s.driftMae - drift / s.n) < 1e-15);
  assert.ok(s.driftHitRate !== null && s.driftHitRate >= 0 && s.driftHitRate <= 1);
});

test('the forming bar is not scored, and two bars are not enough', () => {
  const bars = ltcBars(3);
  assert.equal(baselineScores(bars.slice(0, 2)), null);
  const open = bars.map((b, i) => (i === 2 ? { ...b, final: false } : b));
  assert.equal(baselineScores(open), null);
  assert.equal(baselineScores(bars)?.n, 1);
});
