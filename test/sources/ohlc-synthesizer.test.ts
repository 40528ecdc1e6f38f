import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTradeBatch, tradesOf, type Trade } from '../../src/core/index.js';
import { decimalPlaces, decimalUnits, splitUnits } from '../../src/sources/decimal.js';
import { OhlcSynthesizer } from '../../src/sources/ohlc-synthesizer.js';

const T0 = Date.UTC(2026, 1, 1);

function kline(
  o: number,
  h: number,
  l: number,
  c: number,
  n: number,
  volume: string,
  takerBuy: string,
): { trades: Trade[]; warnings: number } {
  const s = new OhlcSynthesizer();
  const places = Math.max(decimalPlaces(volume), decimalPlaces(takerBuy));
  const pdec = Math.max(...[o, h, l, c].map((x) => decimalPlaces(String(x))));
  s.bar(T0, 60_000, o, h, l, c, pdec, n);
  s.takerSplit(decimalUnits(volume, places) ?? 0n, decimalUnits(takerBuy, places) ?? 0n, places);
  const b = createTradeBatch(Math.max(1, n));
  s.write(b, 0, 0, n, Infinity, 1, 0);
  b.instruments.push('binance:TEST' as never);
  return { trades: [...tradesOf(b)], warnings: s.warnings };
}

function ohlcv(trades: readonly Trade[]): number[] {
  const p = trades.map((t) => t.price);
  return [p[0] ?? NaN, Math.max(...p), Math.min(...p), p[p.length - 1] ?? NaN, trades.length];
}

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);

test('n ≥ 4: open first, close last, touches high and low, all inside, sizes and buys exact', () => {
  for (const n of [4, 5, 6, 7, 100, 997, 30_000]) {
    const { trades, warnings } = kline(100.5, 101.25, 99.75, 100.0, n, '1234.567', '600.001');
    assert.deepEqual(ohlcv(trades), [100.5, 101.25, 99.75, 100.0, n]);
    assert.equal(warnings, 0);
    assert.ok(trades.every((t) => t.price >= 99.75 && t.price <= 101.25 && t.size >= 0));
    assert.ok(trades.every((t, i) => i === 0 || (t.timestamp >= (trades[i - 1]?.timestamp ?? 0) && t.id === (trades[i - 1]?.id ?? 0) + 1)));
    assert.ok(trades.every((t) => t.timestamp >= T0 && t.timestamp < T0 + 60_000));
    assert.equal(sum(trades.map((t) => t.size)).toFixed(8), '1234.56700000');
    assert.equal(sum(trades.filter((t) => t.side === 1).map((t) => t.size)).toFixed(8), '600.00100000');
    // prices stay on the file's tick grid
    assert.ok(trades.every((t) => Math.abs(t.price * 100 - Math.round(t.price * 100)) < 1e-6));
  }
});

test('n = 1, 2, 3 keep the exact count; OHLC shown as far as the count allows (open, close, high, low)', () => {
  assert.deepEqual(ohlcv(kline(5, 5, 5, 5, 1, '2', '2').trades), [5, 5, 5, 5, 1]);
  assert.deepEqual(kline(5, 5, 5, 5, 1, '2', '2').warnings, 0);
  const one = kline(5, 6, 4, 5.5, 1, '2', '0');
  assert.deepEqual(ohlcv(one.trades), [5, 5, 5, 5, 1]);
  assert.equal(one.warnings, 1);

  assert.deepEqual(ohlcv(kline(5, 6, 5, 6, 2, '2', '1').trades), [5, 6, 5, 6, 2]);
  const two = kline(5, 7, 4, 6, 2, '2', '1');
  assert.deepEqual(ohlcv(two.trades), [5, 6, 5, 6, 2]);
  assert.equal(two.warnings, 1);

  assert.deepEqual(ohlcv(kline(5, 7, 5, 6, 3, '3', '1').trades), [5, 7, 5, 6, 3]);
  assert.deepEqual(ohlcv(kline(5, 6, 4, 6, 3, '3', '1').trades), [5, 6, 4, 6, 3]);
  // four distinct prices in three trades: impossible, high wins over low
  const three = kline(5, 7, 4, 6, 3, '3', '1');
  assert.deepEqual(ohlcv(three.trades), [5, 7, 5, 6, 3]);
  assert.equal(three.warnings, 1);
  // one trade cannot split a taker-buy share: counted too
  assert.equal(kline(5, 5, 5, 5, 1, '2', '1').warnings, 1);
});

test('count 0 gives no trades', () => {
  const s = new OhlcSynthesizer();
  s.bar(T0, 60_000, 1, 1, 1, 1, 0, 0);
  s.takerSplit(0n, 0n, 0);
  assert.equal(s.count, 0);
});

test('all-buy and all-sell klines; sizes from tiny volumes over many trades still sum to 8 decimals', () => {
  const buys = kline(1, 2, 0.5, 1.5, 50, '10.5', '10.5').trades;
  assert.ok(buys.every((t) => t.side === 1));
  const sells = kline(1, 2, 0.5, 1.5, 50, '10.5', '0').trades;
  assert.ok(sells.every((t) => t.side === -1));
  const tiny = kline(60000, 60010, 59990, 60005, 16_000, '0.01234567', '0.00600001').trades;
  assert.equal(sum(tiny.map((t) => t.size)).toFixed(8), '0.01234567');
  assert.equal(sum(tiny.filter((t) => t.side === 1).map((t) => t.size)).toFixed(8), '0.00600001');
  // fewer units than trades: zero sizes are allowed, the total still exact
  const dust = kline(1, 1, 1, 1, 10, '0.3', '0.1').trades;
  assert.equal(sum(dust.map((t) => t.size)).toFixed(8), '0.30000000');
  assert.ok(dust.some((t) => t.size === 0));
});

test('volumes beyond 2^53 units do not break the split', () => {
  const big = kline(1, 1, 1, 1, 7, '123456789012345.12345678', '0').trades;
  assert.equal(big.length, 7);
  assert.ok(Math.abs(sum(big.map((t) => t.size)) - 123456789012345.1) / 123456789012345 < 1e-12);
});

test('writing in slices with a time cap reproduces the one-shot trades', () => {
  const s = new OhlcSynthesizer();
  s.bar(T0, 60_000, 10, 12, 9, 11, 0, 1000);
  s.takerSplit(5000n, 2000n, 0);
  const whole = createTradeBatch(1000);
  s.write(whole, 0, 0, 1000, Infinity, 1, 0);
  const parts = createTradeBatch(1000);
  let i = 0;
  while (i < 1000) {
    const cap = s.tsAt(i) + 100;
    i += s.write(parts, 0, i, Math.min(1000, i + 37), cap, 1, 0);
  }
  assert.deepEqual(parts.price, whole.price);
  assert.deepEqual(parts.size, whole.size);
  assert.deepEqual(parts.ts, whole.ts);
  assert.deepEqual(parts.side, whole.side);
});

test('4-point daily path drops repeats: o=h gives 3 trades, flat day 1', () => {
  const s = new OhlcSynthesizer();
  s.bar(T0, 86_400_000, 10, 10, 8, 9, 0, -1);
  assert.equal(s.count, 3);
  s.bar(T0, 86_400_000, 10, 10, 10, 10, 0, -1);
  assert.equal(s.count, 1);
  s.bar(T0, 86_400_000, 10, 12, 8, 11, 0, -1);
  assert.equal(s.count, 4);
});

test('decimal helpers', () => {
  assert.equal(decimalPlaces('1554.932'), 3);
  assert.equal(decimalPlaces('8.61E+11'), 0);
  assert.equal(decimalPlaces('1.5e-3'), 4);
  assert.equal(decimalUnits('1554.932', 3), 1554932n);
  assert.equal(decimalUnits('8.61E+11', 0), 861000000000n);
  assert.equal(decimalUnits('0', 2), 0n);
  assert.equal(decimalUnits('abc', 2), undefined);
  const s = splitUnits(1554932n, 442, 3);
  assert.equal(s.small * (442 - s.extra - 1) + s.big * s.extra + s.last, 1554.932);
});
