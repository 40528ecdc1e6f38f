import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTickflowError } from '../../src/core/index.js';
import { RecursiveLeastSquares, modelFromJSON } from '../../src/models/index.js';
import { linearData, weightedRidge } from './synthetic.js';

const W = [0.8, -0.5, 0.25, 0, 1.2];
const B = 0.3;

function fit(m: RecursiveLeastSquares, xs: readonly Float64Array[], ys: readonly number[], from = 0, to = xs.length): void {
  for (let t = from; t < to; t++) m.update(xs[t] as Float64Array, ys[t] as number);
}

describe('RecursiveLeastSquares', () => {
  it('recovers known coefficients and intercept from noisy data', () => {
    const { xs, ys } = linearData(4000, W, B, 0.1, 1);
    const m = new RecursiveLeastSquares({ dim: W.length, lambda: 1, ridge: 1e-3 });
    fit(m, xs, ys);
    const w = m.weights();
    for (let i = 0; i < W.length; i++) assert.ok(Math.abs((w[i] ?? NaN) - (W[i] ?? NaN)) < 0.01, `w${i} = ${w[i]}`);
    assert.ok(Math.abs((w[W.length] ?? NaN) - B) < 0.01, `intercept ${w[W.length]}`);
    // the residual scale it reports is the noise's
    const f = m.predict(new Float64Array([1, 1, 1, 1, 1]));
    assert.ok(f !== null);
    assert.ok(Math.abs(f.return - (B + W.reduce((a, b) => a + b, 0))) < 0.03);
  });

  it('equals the batch (exponentially weighted) ridge solution, with and without forgetting', () => {
    const { xs, ys } = linearData(300, W, B, 0.5, 2);
    for (const [lambda, ridge] of [
      [1, 10],
      [0.98, 2],
    ] as const) {
      const m = new RecursiveLeastSquares({ dim: W.length, lambda, ridge, maxTrace: 1e12 });
      fit(m, xs, ys);
      const batch = weightedRidge(xs, ys, lambda, ridge);
      const w = m.weights();
      batch.forEach((b, i) => assert.ok(Math.abs((w[i] ?? NaN) - b) < 1e-9, `lambda ${lambda} w${i}: ${w[i]} vs batch ${b}`));
    }
  });

  it('with lambda < 1 tracks coefficients that change; with lambda = 1 it averages the regimes', () => {
    const before = linearData(3000, W, B, 0.1, 3);
    const W2 = [-0.4, 0.6, 0.25, 0.9, 0];
    const after = linearData(1500, W2, -B, 0.1, 4);
    const xs = [...before.xs, ...after.xs];
    const ys = [...before.ys, ...after.ys];
    const forgetting = new RecursiveLeastSquares({ dim: 5, lambda: 0.99, ridge: 1 });
    const growing = new RecursiveLeastSquares({ dim: 5, lambda: 1, ridge: 1 });
    fit(forgetting, xs, ys);
    fit(growing, xs, ys);
    const dist = (w: Float64Array) => Math.hypot(...W2.map((v, i) => (w[i] ?? NaN) - v), (w[5] ?? NaN) + B);
    assert.ok(dist(forgetting.weights()) < 0.05, `forgetting model ${dist(forgetting.weights())} from the new coefficients`);
    assert.ok(dist(growing.weights()) > 0.5, `growing-window model ${dist(growing.weights())} from the new coefficients`);
  });

  it('keeps P symmetric and its trace capped when a feature never moves (no covariance wind-up)', () => {
    const { xs, ys } = linearData(5000, [0.5, 0], 0, 0.1, 5);
    for (const x of xs) x[1] = 0; // an unexcited direction: P would grow as lambda^-t there
    const m = new RecursiveLeastSquares({ dim: 2, lambda: 0.99, ridge: 1 });
    fit(m, xs, ys);
    const s = m.toJSON();
    const n = 3;
    let trace = 0;
    for (let i = 0; i < n; i++) {
      trace += s.p[i * n + i] ?? NaN;
      for (let j = 0; j < n; j++) assert.equal(s.p[i * n + j], s.p[j * n + i]);
    }
    assert.ok(trace <= m.maxTrace * (1 + 1e-12), `trace ${trace} > cap ${m.maxTrace}`);
    assert.ok(!m.quarantined);
    assert.ok(Math.abs((m.weights()[0] ?? NaN) - 0.5) < 0.02);
    // without the cap the unexcited direction winds up as lambda^-t
    const uncapped = new RecursiveLeastSquares({ dim: 2, lambda: 0.99, ridge: 1, maxTrace: 1e300 });
    fit(uncapped, xs, ys);
    assert.ok((uncapped.toJSON().p[4] ?? 0) > 1e15, `uncapped P[1][1] = ${uncapped.toJSON().p[4]}`);
  });

  it('gives pUp = Phi(forecast / residual RMS), 1/2 before it has seen an error', () => {
    const m = new RecursiveLeastSquares({ dim: 1, lambda: 1, ridge: 1 });
    assert.deepEqual(m.predict(new Float64Array([3])), { return: 0, pUp: 0.5 });
    const { xs, ys } = linearData(2000, [1], 0, 1, 6);
    fit(m, xs, ys);
    const f = m.predict(new Float64Array([1]));
    assert.ok(f !== null);
    // y ~ N(1, 1) at x = 1: P(y > 0) = Phi(1) = 0.841
    assert.ok(Math.abs(f.pUp - 0.841) < 0.02, `pUp ${f.pUp}`);
  });

  it('quarantines on a non-finite label or feature: state untouched, forecasts withheld, never throws', () => {
    const { xs, ys } = linearData(200, W, B, 0.1, 7);
    for (const bad of [
      { x: xs[0] as Float64Array, y: NaN },
      { x: xs[0] as Float64Array, y: Infinity },
      { x: new Float64Array([1, NaN, 0, 0, 0]), y: 0.1 },
      { x: new Float64Array([1, 0, -Infinity, 0, 0]), y: 0.1 },
      { x: new Float64Array(3), y: 0.1 }, // wrong length
    ]) {
      const m = new RecursiveLeastSquares({ dim: 5 });
      fit(m, xs, ys, 0, 100);
      const before = JSON.stringify(m.toJSON());
      assert.doesNotThrow(() => m.update(bad.x, bad.y));
      assert.ok(m.quarantined, `quarantined after ${bad.y} / ${Array.from(bad.x)}`);
      assert.ok((m.quarantineReason ?? '').length > 0);
      assert.equal(m.predict(xs[150] as Float64Array), null);
      // later updates are ignored; the state is the last good one, and still serializable
      fit(m, xs, ys, 100, 200);
      const after = m.toJSON();
      assert.equal(after.updates, 100);
      assert.equal(JSON.stringify({ ...after, quarantineReason: null }), before);
      const restored = modelFromJSON(JSON.parse(JSON.stringify(after)));
      assert.ok(restored.quarantined);
      m.reset();
      assert.ok(!m.quarantined);
      assert.ok(m.predict(xs[150] as Float64Array) !== null);
    }
  });

  it('quarantines when finite input overflows its state (huge features), without throwing', () => {
    const m = new RecursiveLeastSquares({ dim: 2 });
    m.update(new Float64Array([0.1, 0.2]), 0.01);
    m.update(new Float64Array([1e200, 1e200]), 0.01);
    assert.ok(m.quarantined);
    assert.ok(m.toJSON().p.every(Number.isFinite));
    assert.equal(m.predict(new Float64Array([0.1, 0.2])), null);
  });

  it('serializes and restores bit for bit; continued updates agree exactly', () => {
    const { xs, ys } = linearData(600, W, B, 0.3, 8);
    const a = new RecursiveLeastSquares({ dim: 5, lambda: 0.995, ridge: 3 });
    fit(a, xs, ys, 0, 300);
    const b = modelFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.ok(b instanceof RecursiveLeastSquares);
    fit(a, xs, ys, 300, 600);
    fit(b, xs, ys, 300, 600);
    assert.deepEqual(b.toJSON(), a.toJSON());
    assert.deepEqual(b.predict(xs[5] as Float64Array), a.predict(xs[5] as Float64Array));
  });

  it('holds no w or P until its first update; before it, its state is the prior, and a restored fresh model learns the same', () => {
    // 5,000 forecasting series hold an RLS model each, most of them long before their first label.
    const before = process.memoryUsage().arrayBuffers;
    const fresh = Array.from({ length: 1000 }, () => new RecursiveLeastSquares({ dim: 18 }));
    const perModel = (process.memoryUsage().arrayBuffers - before) / fresh.length;
    assert.ok(perModel < 64, `${perModel} bytes of typed arrays per fresh model, want none (w and P are 3 KB)`);
    const m = fresh[0] as RecursiveLeastSquares;
    const s = m.toJSON();
    assert.deepEqual(s.w, new Array(19).fill(0));
    assert.deepEqual(
      s.p,
      Array.from({ length: 19 * 19 }, (_, i) => (i % 20 === 0 ? 0.1 : 0)),
    );
    assert.deepEqual([...m.weights()], new Array(19).fill(0));
    const x = new Float64Array(18).fill(0.5);
    assert.deepEqual(m.predict(x), { return: 0, pUp: 0.5 });
    const { xs, ys } = linearData(50, W, B, 0.3, 9);
    const a = new RecursiveLeastSquares({ dim: 5, lambda: 0.995, ridge: 3 });
    const b = modelFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.ok(b instanceof RecursiveLeastSquares);
    fit(a, xs, ys);
    fit(b, xs, ys);
    assert.deepEqual(b.toJSON(), a.toJSON());
    a.reset();
    assert.deepEqual(a.toJSON(), new RecursiveLeastSquares({ dim: 5, lambda: 0.995, ridge: 3 }).toJSON());
  });

  it('refuses bad options and bad state', () => {
    const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;
    assert.throws(() => new RecursiveLeastSquares({ dim: 0 }), code('CONFIG_INVALID'));
    assert.throws(() => new RecursiveLeastSquares({ dim: 3, lambda: 0 }), code('CONFIG_INVALID'));
    assert.throws(() => new RecursiveLeastSquares({ dim: 3, lambda: 1.01 }), code('CONFIG_INVALID'));
    assert.throws(() => new RecursiveLeastSquares({ dim: 3, ridge: -1 }), code('CONFIG_INVALID'));
    const s = new RecursiveLeastSquares({ dim: 2 }).toJSON();
    assert.throws(() => RecursiveLeastSquares.fromJSON({ ...s, p: s.p.slice(1) }), code('MALFORMED'));
    assert.throws(() => RecursiveLeastSquares.fromJSON({ ...s, w: [0, NaN, 0] }), code('MALFORMED'));
    assert.throws(() => RecursiveLeastSquares.fromJSON({ ...s, extra: 1 }), code('MALFORMED'));
    assert.throws(() => modelFromJSON({ kind: 'neural' }), code('MALFORMED'));
  });
});
