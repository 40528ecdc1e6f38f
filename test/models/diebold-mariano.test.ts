import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTickflowError } from '../../src/core/index.js';
import { dieboldMariano, normalCdf } from '../../src/models/index.js';
import { Prng } from '../../src/sources/prng.js';

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/**
 * The same statistic by a different route: Var(mean d) as the Bartlett-weighted double sum
 * (1/n^2) sum_t sum_s w(|t - s|) (d_t - mean)(d_s - mean), w(k) = max(0, 1 - k / (L + 1)).
 */
function dmByDoubleSum(a: readonly number[], b: readonly number[], lags: number): number {
  const d = a.map((v, i) => v - (b[i] ?? NaN));
  const n = d.length;
  const mean = d.reduce((s, v) => s + v, 0) / n;
  let v = 0;
  for (let t = 0; t < n; t++) {
    for (let s = 0; s < n; s++) {
      const w = Math.max(0, 1 - Math.abs(t - s) / (lags + 1));
      v += w * ((d[t] ?? NaN) - mean) * ((d[s] ?? NaN) - mean);
    }
  }
  return mean / Math.sqrt(v / (n * n));
}

describe('dieboldMariano', () => {
  it('a worked example by hand', () => {
    // d = A - B = [-1, 0, 1, 2, 3]: mean 1, deviations [-2, -1, 0, 1, 2]
    const A = [1, 2, 3, 4, 5];
    const B = [2, 2, 2, 2, 2];
    // h = 1: gamma_0 = (4 + 1 + 0 + 1 + 4) / 5 = 2, Var(mean) = 2 / 5, DM = 1 / sqrt(0.4)
    const r = dieboldMariano(A, B);
    assert.equal(r.n, 5);
    assert.equal(r.meanDiff, 1);
    assert.equal(r.longRunVariance, 2);
    near(r.statistic, 1 / Math.sqrt(0.4), 1e-15, 'DM, h = 1');
    // two-sided p = 2 (1 - Phi(1.5811...)) = 0.11384629800665812 (CPython math.erfc)
    near(r.pValue, 0.11384629800665812, 1e-15, 'two-sided p');
    near(dieboldMariano(A, B, { alternative: 'greater' }).pValue, 0.05692314900332902, 1e-15, 'one-sided p, A worse');
    near(dieboldMariano(A, B, { alternative: 'less' }).pValue, 1 - 0.05692314900332902, 1e-15, 'one-sided p, A better');
    // h = 2 (one Newey-West lag): gamma_1 = ((-1)(-2) + 0(-1) + 1(0) + 2(1)) / 5 = 0.8,
    // LRV = 2 + 2 (1 - 1/2) 0.8 = 2.8, DM = 1 / sqrt(2.8 / 5) = 1.3363062095621219
    const r2 = dieboldMariano(A, B, { h: 2 });
    near(r2.longRunVariance, 2.8, 1e-15, 'LRV, h = 2');
    near(r2.statistic, 1.3363062095621219, 1e-15, 'DM, h = 2');
    // Harvey-Leybourne-Newbold: times sqrt((5 + 1 - 4 + 2/5) / 5) = sqrt(0.48)
    near(dieboldMariano(A, B, { h: 2, smallSample: true }).statistic, 1.3363062095621219 * Math.sqrt(0.48), 1e-15, 'HLN');
  });

  it('agrees with the double-sum form of the Newey-West variance on random losses, any bandwidth', () => {
    const rng = new Prng(21);
    const a: number[] = [];
    const b: number[] = [];
    let prev = 0;
    for (let i = 0; i < 200; i++) {
      prev = 0.6 * prev + rng.normal(); // autocorrelated differentials
      a.push(prev * prev + 0.1);
      b.push(rng.normal() ** 2);
    }
    for (const lags of [0, 1, 3, 8]) {
      const r = dieboldMariano(a, b, { lags });
      near(r.statistic, dmByDoubleSum(a, b, lags), 1e-12, `lags ${lags}`);
      near(r.pValue, 2 * normalCdf(-Math.abs(r.statistic)), 1e-16, `p, lags ${lags}`);
    }
  });

  it('drops pairs where either loss is NaN; degenerate cases do not throw', () => {
    const r = dieboldMariano([1, NaN, 3, 4, 5, 9], [2, 2, 2, 2, 2, NaN]);
    assert.equal(r.n, 4);
    near(r.meanDiff, (-1 + 1 + 2 + 3) / 4, 1e-15, 'mean');
    const same = dieboldMariano([1, 2, 3], [1, 2, 3]);
    assert.equal(same.statistic, 0);
    assert.equal(same.pValue, 1);
    const always = dieboldMariano([1, 2, 3], [2, 3, 4], { alternative: 'less' });
    assert.equal(always.statistic, -Infinity);
    assert.equal(always.pValue, 0);
    assert.ok(Number.isNaN(dieboldMariano([1], [2]).pValue));
    const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;
    assert.throws(() => dieboldMariano([1, 2], [1, 2], { h: 0 }), code('CONFIG_INVALID'));
    assert.throws(() => dieboldMariano([1, 2], [1]), code('INTERNAL'));
  });
});
