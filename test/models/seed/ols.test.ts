import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TickflowError } from '../../../src/core/index.js';
import { featureVector, fitOls, parseDailyCsv, SEED_FEATURES } from '../../../src/models/seed/index.js';
import { Prng } from '../../../src/sources/prng.js';
import { NO_SHARED_DATA, sharedData } from '../../helpers.js';
import { linearData } from '../synthetic.js';

function close(actual: number, expected: number, rel: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('fitOls', () => {
  it('recovers known coefficients exactly from noise-free data', () => {
    const w = [2, -0.5, 3.25, 0];
    const { xs, ys } = linearData(50, w, 7, 0, 1);
    const fit = fitOls(
      xs.map((x) => [...x]),
      ys,
    );
    close(fit.intercept, 7, 1e-10, 'intercept');
    w.forEach((wi, i) => close(fit.coefficients[i] ?? NaN, wi, 1e-10, `coefficient ${i}`));
  });

  it('recovers them within the noise from noisy data', () => {
    const w = [1.5, -2, 0.25];
    const { xs, ys } = linearData(20_000, w, -3, 0.5, 2);
    const fit = fitOls(
      xs.map((x) => [...x]),
      ys,
    );
    // standard error of each coefficient ≈ sigma / sqrt(n) = 0.0035; 0.02 is > 5 of them
    close(fit.intercept, -3, 0.02, 'intercept');
    w.forEach((wi, i) => assert.ok(Math.abs((fit.coefficients[i] ?? NaN) - wi) < 0.02, `coefficient ${i}: ${fit.coefficients[i]}`));
  });

  it('keeps its precision when columns differ by 10 orders of magnitude (prices vs USD volumes)', () => {
    // close = 5 + 0.4 open + 0.3 high + 0.3 low + 2e-10 volume, with volume ~1e11 contributing ~20
    const rng = new Prng(3);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 500; i++) {
      const p = 40_000 + 5_000 * rng.normal();
      const row = [
        p,
        p * (1 + 0.02 * Math.abs(rng.normal())),
        p * (1 - 0.02 * Math.abs(rng.normal())),
        1e11 * (1 + Math.abs(rng.normal())),
      ];
      x.push(row);
      y.push(5 + 0.4 * (row[0] ?? 0) + 0.3 * (row[1] ?? 0) + 0.3 * (row[2] ?? 0) + 2e-10 * (row[3] ?? 0));
    }
    const fit = fitOls(x, y, SEED_FEATURES);
    close(fit.coefficients[0] ?? NaN, 0.4, 1e-6, 'open');
    close(fit.coefficients[1] ?? NaN, 0.3, 1e-6, 'high');
    close(fit.coefficients[2] ?? NaN, 0.3, 1e-6, 'low');
    close((fit.coefficients[3] ?? NaN) * 1e10, 2, 1e-6, 'volume × 1e10');
    close(fit.intercept, 5, 1e-3, 'intercept');
  });

  it(
    'on the real Kaggle BTC file, the residuals are orthogonal to every feature (the normal equations hold)',
    { skip: NO_SHARED_DATA },
    () => {
      const path = sharedData('kaggle-daily/coin_Bitcoin.csv') ?? '';
      const rows = parseDailyCsv(readFileSync(path, 'utf8'), path).rows;
      const x = rows.map(featureVector);
      const y = rows.map((r) => r.close);
      const fit = fitOls(x, y, SEED_FEATURES);
      const resid = rows.map(
        (r, i) => (y[i] ?? NaN) - fit.intercept - featureVector(r).reduce((s, v, j) => s + v * (fit.coefficients[j] ?? NaN), 0),
      );
      const sumResid = resid.reduce((s, e) => s + e, 0);
      const scaleY = Math.sqrt(y.reduce((s, v) => s + v * v, 0));
      assert.ok(Math.abs(sumResid) / (Math.sqrt(rows.length) * scaleY) < 1e-9, `Σ residual ${sumResid}`);
      for (let j = 0; j < SEED_FEATURES.length; j++) {
        const col = x.map((r) => r[j] ?? NaN);
        const dot = resid.reduce((s, e, i) => s + e * (col[i] ?? NaN), 0);
        const norm = Math.sqrt(col.reduce((s, v) => s + v * v, 0)) * Math.sqrt(resid.reduce((s, e) => s + e * e, 0));
        assert.ok(Math.abs(dot) / norm < 1e-8, `${SEED_FEATURES[j]}: cos(residual, column) = ${dot / norm}`);
      }
    },
  );

  it('refuses a constant column, collinear columns and too few rows with DATASET_INVALID naming the column', () => {
    const rng = new Prng(4);
    const base = Array.from({ length: 30 }, () => [rng.normal(), rng.normal()]);
    const y = base.map((r) => (r[0] ?? 0) + rng.normal());
    const constant = base.map((r) => [r[0] ?? 0, r[1] ?? 0, 0]);
    assert.throws(
      () => fitOls(constant, y, ['a', 'b', 'volume']),
      (e: unknown) => e instanceof TickflowError && e.code === 'DATASET_INVALID' && /volume is constant/.test(e.message),
    );
    const collinear = base.map((r) => [r[0] ?? 0, r[1] ?? 0, 2 * (r[0] ?? 0) - (r[1] ?? 0)]);
    assert.throws(
      () => fitOls(collinear, y, ['open', 'high', 'low']),
      (e: unknown) =>
        e instanceof TickflowError && e.code === 'DATASET_INVALID' && /low is \(almost\) a linear combination/.test(e.message),
    );
    assert.throws(
      () => fitOls(base.slice(0, 3), y.slice(0, 3)),
      (e: unknown) => e instanceof TickflowError && e.code === 'DATASET_INVALID',
    );
  });
});
