import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomForestRegression } from 'ml-random-forest';
import { isTickflowError } from '../../../src/core/index.js';
import { FittedForest, fitForest, type FitJob } from '../../../src/models/forest/index.js';
import { Prng } from '../../../src/sources/prng.js';

function job(rows: number, dim: number, seed: number): FitJob {
  const rng = new Prng(seed);
  const x = new Float64Array(rows * dim);
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dim; i++) x[r * dim + i] = rng.normal();
    y[r] = Math.sin(2 * (x[r * dim] ?? 0)) + 0.5 * ((x[r * dim + 1] ?? 0) > 0.5 ? 1 : 0) + 0.2 * rng.normal();
  }
  return { dim, x, y, params: { trees: 6, maxDepth: 5, minSplit: 8, features: 2 }, seed };
}

describe('fitForest', () => {
  it('flattens the ml-random-forest model faithfully: the same forecasts as the library', () => {
    const j = job(200, 3, 1);
    const fitted = FittedForest.fromState(fitForest(j));
    const rf = new RandomForestRegression({
      nEstimators: 6,
      maxFeatures: 2,
      replacement: false,
      useSampleBagging: true,
      noOOB: true,
      seed: 1,
      treeOptions: { maxDepth: 5, minNumSamples: 8 },
    });
    const X: number[][] = [];
    for (let r = 0; r < 200; r++) X.push(Array.from(j.x.subarray(r * 3, r * 3 + 3)));
    rf.train(X, Array.from(j.y));
    const probe = job(100, 3, 2);
    const rows: number[][] = [];
    for (let r = 0; r < 100; r++) rows.push(Array.from(probe.x.subarray(r * 3, r * 3 + 3)));
    const expected = rf.predict(rows);
    rows.forEach((row, r) => {
      const f = fitted.predict(Float64Array.from(row));
      assert.ok(f !== null);
      assert.ok(Math.abs(f.return - (expected[r] ?? NaN)) < 1e-12, `row ${r}: ${f.return} vs ${expected[r]}`);
      assert.ok(f.pUp > 0 && f.pUp < 1);
    });
    assert.equal(fitted.trees, 6);
  });

  it('is deterministic for a seed, and draws differently for another', () => {
    const a = fitForest(job(150, 3, 3));
    const b = fitForest(job(150, 3, 3));
    const c = fitForest({ ...job(150, 3, 3), seed: 4 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('gives leaf P(up) that tracks the up-rate of the rows in the leaf', () => {
    // y > 0 exactly when x0 > 0: the forest's pUp must separate the two halves
    const rng = new Prng(5);
    const rows = 300;
    const x = new Float64Array(rows * 2);
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      x[r * 2] = rng.normal();
      x[r * 2 + 1] = rng.normal();
      y[r] = (x[r * 2] ?? 0) > 0 ? 0.01 : -0.01;
    }
    const f = FittedForest.fromState(fitForest({ dim: 2, x, y, params: { trees: 10, maxDepth: 3, minSplit: 10, features: 2 }, seed: 1 }));
    const up = f.predict(new Float64Array([1.5, 0]));
    const down = f.predict(new Float64Array([-1.5, 0]));
    assert.ok(up !== null && down !== null);
    assert.ok(up.pUp > 0.8 && down.pUp < 0.2, `pUp ${up.pUp} / ${down.pUp}`);
    assert.ok(up.return > 0.008 && down.return < -0.008);
  });

  it('throws on a result that is not finite (the worker reports it as a failed fit)', () => {
    const j = job(100, 3, 6);
    j.y.fill(1.5e308); // leaf means overflow to Infinity
    assert.throws(() => fitForest(j), /not valid|non-finite/);
  });
});

describe('FittedForest.fromState', () => {
  it('refuses malformed arrays with MALFORMED', () => {
    const s = fitForest(job(100, 3, 7));
    const malformed = (e: unknown) => isTickflowError(e) && e.code === 'MALFORMED';
    assert.throws(() => FittedForest.fromState({ ...s, value: s.value.slice(1) }), malformed);
    assert.throws(() => FittedForest.fromState({ ...s, feature: s.feature.map((f) => (f >= 0 ? 3 : f)) }), malformed);
    assert.throws(() => FittedForest.fromState({ ...s, right: s.right.map((r, i) => (s.feature[i] === -1 ? r : i)) }), malformed);
    assert.throws(() => FittedForest.fromState({ ...s, roots: [s.feature.length] }), malformed);
    assert.deepEqual(FittedForest.fromState(JSON.parse(JSON.stringify(s))).toJSON(), s);
  });
});
