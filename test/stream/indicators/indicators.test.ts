// Each indicator on its own: values that can be worked out by hand, and restore-from-JSON
// continuing bit for bit. (Agreement with TA-Lib is in talib-oracle.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Atr,
  Bollinger,
  Ema,
  LogReturn,
  Macd,
  RealizedVol,
  Rsi,
  Sma,
  barsPerYear,
  trueRange,
} from '../../../src/stream/indicators/index.js';
import { isTickflowError } from '../../../src/core/index.js';

/** A deterministic wiggly price path (no randomness: failures must reproduce). */
const prices = Array.from({ length: 300 }, (_, i) => 100 + 10 * Math.sin(i / 7) + 3 * Math.cos(i / 3) + i * 0.05);

interface Restorable {
  toJSON(): unknown;
}

/**
 * Feeds `xs` to a fresh indicator uninterrupted, and again with a JSON round trip after every
 * `split` bars; both runs must give identical outputs (Object.is, so -0 and NaN would show).
 */
function assertRestoreIdentical<T extends Restorable, O>(
  make: () => T,
  restore: (s: unknown) => T,
  step: (ind: T, x: number, i: number) => O,
): void {
  const straight = make();
  const expected = prices.map((x, i) => step(straight, x, i));
  for (const split of [1, 2, 13, 14, 15, 25, 26, 33, 34, 120]) {
    let ind = make();
    const got: O[] = [];
    prices.forEach((x, i) => {
      if (i > 0 && i % split === 0) ind = restore(JSON.parse(JSON.stringify(ind.toJSON())));
      got.push(step(ind, x, i));
    });
    assert.deepEqual(got, expected, `restore every ${split} bars`);
  }
}

describe('indicators', () => {
  it('SMA: mean of the last n, null before', () => {
    const sma = new Sma(3);
    assert.deepEqual(
      [1, 2, 3, 4, 10].map((x) => sma.update(x)),
      [null, null, 2, 3, 17 / 3],
    );
  });

  it('EMA: seeded with the SMA of the first n, then k = 2/(n+1)', () => {
    const ema = new Ema(3);
    assert.deepEqual(
      [1, 2, 3, 5].map((x) => ema.update(x)),
      [null, null, 2, 3.5],
    );
    const late = new Ema(2, { firstIndex: 3 });
    assert.deepEqual(
      [10, 20, 1, 3, 6].map((x) => late.update(x)),
      [null, null, null, 2, 2 + (6 - 2) * (2 / 3)],
    );
    assert.throws(
      () => new Ema(3, { firstIndex: 1 }),
      (e) => isTickflowError(e) && e.code === 'CONFIG_INVALID',
    );
  });

  it('RSI: 100 when only rising, 0 when only falling, 50 when gains equal losses, 0 when flat', () => {
    const up = new Rsi(3);
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((x) => up.update(x)),
      [null, null, null, 100, 100],
    );
    const down = new Rsi(2);
    assert.deepEqual(
      [5, 4, 3].map((x) => down.update(x)),
      [null, null, 0],
    );
    const even = new Rsi(2);
    assert.deepEqual(
      [5, 6, 5].map((x) => even.update(x)),
      [null, null, 50],
    );
    const flat = new Rsi(2);
    assert.deepEqual(
      [5, 5, 5, 5].map((x) => flat.update(x)),
      [null, null, 0, 0],
    );
  });

  it('ATR: first value at index n is the mean true range of bars 1..n; gaps count through the previous close', () => {
    assert.equal(trueRange(12, 10, 11), 2);
    assert.equal(trueRange(12, 10, 15), 5);
    assert.equal(trueRange(12, 10, 7), 5);
    const atr = new Atr(2);
    const bars: [number, number, number][] = [
      [11, 9, 10],
      [12, 10, 11], // tr 2
      [16, 14, 15], // tr max(2, 5, 3) = 5
      [15, 13, 14], // tr 2 -> (3.5 * 1 + 2) / 2
    ];
    assert.deepEqual(
      bars.map(([h, l, c]) => atr.update(h, l, c)),
      [null, null, 3.5, 2.75],
    );
  });

  it('Bollinger: SMA middle, population sigma', () => {
    const bb = new Bollinger(4, 2);
    const out = [2, 4, 4, 6].map((x) => bb.update(x));
    // mean 4, population variance (4 + 0 + 0 + 4) / 4 = 2
    assert.deepEqual(out.slice(0, 3), [null, null, null]);
    assert.deepEqual(out[3], { upper: 4 + 2 * Math.sqrt(2), middle: 4, lower: 4 - 2 * Math.sqrt(2) });
    assert.throws(
      () => new Bollinger(20, 0),
      (e) => isTickflowError(e) && e.code === 'CONFIG_INVALID',
    );
  });

  it('MACD: refuses fast >= slow and a signal period of 1', () => {
    assert.throws(
      () => new Macd(26, 12, 9),
      (e) => isTickflowError(e) && e.code === 'CONFIG_INVALID',
    );
    assert.throws(
      () => new Macd(12, 26, 1),
      (e) => isTickflowError(e) && e.code === 'CONFIG_INVALID',
    );
    const m = new Macd(2, 3, 2);
    const out = prices.slice(0, 5).map((x) => m.update(x));
    assert.deepEqual(
      out.map((o) => o === null),
      [true, true, true, false, false],
    );
  });

  it('log return and realized volatility (population std, annualized by sqrt(bars per year))', () => {
    const lr = new LogReturn();
    assert.deepEqual(
      [100, 110, 99].map((x) => lr.update(x)),
      [null, Math.log(1.1), Math.log(0.9)],
    );
    assert.equal(barsPerYear(60_000), 525_600);
    assert.equal(barsPerYear(86_400_000), 365);
    // returns alternating +-r: mean 0, population std exactly r
    const vol = new RealizedVol(4, 525_600);
    const out = [0.01, -0.01, 0.01, -0.01].map((r) => vol.update(r));
    assert.deepEqual(out.slice(0, 3), [null, null, null]);
    assert.ok(Math.abs((out[3] ?? NaN) - 0.01 * Math.sqrt(525_600)) < 1e-15);
    const plain = new RealizedVol(4, null);
    assert.deepEqual([0.01, -0.01, 0.01, -0.01].map((r) => plain.update(r))[3], 0.01);
  });

  it('every indicator continues bit for bit after a JSON round trip at any point', () => {
    assertRestoreIdentical(
      () => new Sma(14),
      Sma.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new Ema(12),
      Ema.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new Ema(12, { firstIndex: 25 }),
      Ema.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new Rsi(14),
      Rsi.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new Macd(12, 26, 9),
      Macd.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new Bollinger(20, 2),
      Bollinger.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new Atr(14),
      Atr.fromJSON,
      (s, x) => s.update(x + 1, x - 1 - (x % 1), x),
    );
    assertRestoreIdentical(
      () => new LogReturn(),
      LogReturn.fromJSON,
      (s, x) => s.update(x),
    );
    assertRestoreIdentical(
      () => new RealizedVol(20, 365),
      RealizedVol.fromJSON,
      (s, x) => s.update(Math.log(x / 100)),
    );
  });

  it('fromJSON refuses state of another kind or with inconsistent parts', () => {
    const malformed = (e: unknown) => isTickflowError(e) && e.code === 'MALFORMED';
    assert.throws(() => Sma.fromJSON(new Ema(3).toJSON()), malformed);
    assert.throws(() => Sma.fromJSON({ ...new Sma(3).toJSON(), window: { capacity: 4, values: [] } }), malformed);
    assert.throws(() => Ema.fromJSON({ ...new Ema(3).toJSON(), seed: null }), malformed);
    assert.throws(() => Rsi.fromJSON({ ...new Rsi(3).toJSON(), gain: 'x' }), malformed);
    assert.throws(() => Macd.fromJSON('{}'), malformed);
  });
});
