import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTickflowError } from '../../src/core/index.js';
import { OnlineLogistic, modelFromJSON } from '../../src/models/index.js';
import { linearData } from './synthetic.js';

const W = [1.5, -1, 0.5, 0];

describe('OnlineLogistic (AdaGrad + L2)', () => {
  it('learns a separable-ish problem: accurate and calibrated in direction, weights aligned with the truth', () => {
    // y = w.x + 0.2 + noise; the label is y > 0
    const train = linearData(6000, W, 0.2, 0.5, 11);
    const test = linearData(2000, W, 0.2, 0.5, 12);
    const m = new OnlineLogistic({ dim: 4 });
    train.xs.forEach((x, t) => m.update(x, train.ys[t] as number));
    let correct = 0;
    let ll = 0;
    test.xs.forEach((x, t) => {
      const f = m.predict(x);
      assert.ok(f !== null);
      const up = (test.ys[t] as number) > 0;
      if (f.pUp > 0.5 === up) correct++;
      ll -= Math.log(up ? f.pUp : 1 - f.pUp);
    });
    const accuracy = correct / test.xs.length;
    assert.ok(accuracy > 0.88, `accuracy ${accuracy}`);
    assert.ok(ll / test.xs.length < 0.3, `log loss ${ll / test.xs.length}`);
    const w = m.weights();
    const dot = W.reduce((s, v, i) => s + v * (w[i] ?? NaN), 0);
    const cos = dot / (Math.hypot(...W) * Math.hypot(...Array.from(w.subarray(0, 4))));
    assert.ok(cos > 0.98, `cosine to the true weights ${cos}`);
    assert.ok((w[4] ?? 0) > 0, 'the positive offset shows in the intercept');
  });

  it('forecasts the return as (2p - 1) * mean |y|', () => {
    const m = new OnlineLogistic({ dim: 1 });
    assert.deepEqual(m.predict(new Float64Array([1])), { return: 0, pUp: 0.5 });
    m.update(new Float64Array([1]), 0.02);
    m.update(new Float64Array([-1]), -0.04);
    const f = m.predict(new Float64Array([1]));
    assert.ok(f !== null);
    assert.ok(Math.abs(f.return - (2 * f.pUp - 1) * 0.03) < 1e-15);
  });

  it('L2 shrinks the weights of an uninformative feature', () => {
    const { xs, ys } = linearData(4000, [1, 0], 0, 1, 13);
    const loose = new OnlineLogistic({ dim: 2, l2: 0 });
    const tight = new OnlineLogistic({ dim: 2, l2: 0.05 });
    xs.forEach((x, t) => {
      loose.update(x, ys[t] as number);
      tight.update(x, ys[t] as number);
    });
    assert.ok(Math.hypot(...tight.weights().subarray(0, 2)) < Math.hypot(...loose.weights().subarray(0, 2)));
  });

  it('quarantines on non-finite input or overflow, keeps its last good state, never throws', () => {
    for (const [x, y] of [
      [new Float64Array([0.1, 0.2]), NaN],
      [new Float64Array([NaN, 0.2]), 0.01],
      [new Float64Array([1e300, 1e300]), 0.01], // the squared gradient overflows
    ] as const) {
      const m = new OnlineLogistic({ dim: 2 });
      m.update(new Float64Array([0.5, -0.5]), 0.01);
      const good = JSON.stringify(m.toJSON());
      assert.doesNotThrow(() => m.update(x, y));
      assert.ok(m.quarantined);
      assert.equal(m.predict(new Float64Array([0.5, -0.5])), null);
      assert.equal(JSON.stringify({ ...m.toJSON(), quarantineReason: null }), good);
    }
  });

  it('holds no weights until its first update; a restored fresh model learns the same', () => {
    const before = process.memoryUsage().arrayBuffers;
    const fresh = Array.from({ length: 1000 }, () => new OnlineLogistic({ dim: 18 }));
    const perModel = (process.memoryUsage().arrayBuffers - before) / fresh.length;
    assert.ok(perModel < 16, `${perModel} bytes of typed arrays per fresh model, want none`);
    const m = fresh[0] as OnlineLogistic;
    assert.deepEqual(m.toJSON().w, new Array(19).fill(0));
    assert.deepEqual(m.toJSON().g2, new Array(19).fill(0));
    assert.deepEqual(m.predict(new Float64Array(18).fill(1)), { return: 0, pUp: 0.5 });
    const { xs, ys } = linearData(100, W, 0, 1, 15);
    const a = new OnlineLogistic({ dim: 4 });
    const b = modelFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    xs.forEach((x, t) => {
      a.update(x, ys[t] as number);
      b.update(x, ys[t] as number);
    });
    assert.deepEqual(b.toJSON(), a.toJSON());
    a.reset();
    assert.deepEqual(a.toJSON(), new OnlineLogistic({ dim: 4 }).toJSON());
  });

  it('restores bit for bit from JSON; refuses bad options', () => {
    const { xs, ys } = linearData(400, W, 0, 1, 14);
    const a = new OnlineLogistic({ dim: 4, learningRate: 0.1, l2: 1e-3 });
    xs.slice(0, 200).forEach((x, t) => a.update(x, ys[t] as number));
    const b = modelFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    xs.slice(200).forEach((x, t) => {
      a.update(x, ys[200 + t] as number);
      b.update(x, ys[200 + t] as number);
    });
    assert.deepEqual(b.toJSON(), a.toJSON());
    const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;
    assert.throws(() => new OnlineLogistic({ dim: 2, learningRate: 0 }), code('CONFIG_INVALID'));
    assert.throws(() => new OnlineLogistic({ dim: 2, l2: -1 }), code('CONFIG_INVALID'));
  });
});
