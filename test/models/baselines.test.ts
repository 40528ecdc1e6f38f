import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Drift, SignPersistence, ZeroReturn, modelFromJSON, type OnlineModel } from '../../src/models/index.js';

const NO_X = new Float64Array(0);
const feed = (m: OnlineModel, ys: readonly number[]) => ys.forEach((y) => m.update(NO_X, y));

describe('baselines', () => {
  it('zero return: the random walk, 0 and 1/2 whatever it has seen', () => {
    const m = new ZeroReturn();
    feed(m, [0.1, 0.2, 0.3]);
    assert.deepEqual(m.predict(NO_X), { return: 0, pUp: 0.5 });
    assert.equal(m.updates, 3);
  });

  it('drift: the running mean return and the Laplace-smoothed share of up moves', () => {
    const m = new Drift();
    assert.deepEqual(m.predict(NO_X), { return: 0, pUp: 0.5 });
    feed(m, [0.01, -0.02, 0, 0.04]);
    const f = m.predict(NO_X);
    assert.ok(f !== null);
    assert.ok(Math.abs(f.return - 0.0075) < 1e-17);
    assert.equal(f.pUp, (2 + 1) / (4 + 2));
  });

  it('sign persistence: conditional on the last sign, the share of ups and the mean return that followed', () => {
    const m = new SignPersistence();
    // transitions: (none)->up, up->up, up->down, down->up, up->flat, flat->down
    feed(m, [0.01, 0.02, -0.01, 0.03, 0, -0.02]);
    // last is down; after down came: +0.03 (once)
    assert.deepEqual(m.predict(NO_X), { return: 0.03, pUp: (1 + 1) / (1 + 2) });
    m.update(NO_X, 0.05); // down -> up
    // last is up; after up came: +0.02, -0.01, 0
    const f = m.predict(NO_X);
    assert.ok(f !== null);
    assert.ok(Math.abs(f.return - (0.02 - 0.01 + 0) / 3) < 1e-17);
    assert.equal(f.pUp, (1 + 1) / (3 + 2));
  });

  it('quarantine on a non-finite label, restore from JSON, reset', () => {
    for (const make of [() => new ZeroReturn(), () => new Drift(), () => new SignPersistence()]) {
      const m = make();
      feed(m, [0.01, -0.01, 0.02]);
      const restored = modelFromJSON(JSON.parse(JSON.stringify(m.toJSON())));
      assert.deepEqual(restored.predict(NO_X), m.predict(NO_X));
      assert.doesNotThrow(() => m.update(NO_X, NaN));
      assert.ok(m.quarantined, m.kind);
      assert.equal(m.predict(NO_X), null);
      m.reset();
      assert.ok(!m.quarantined);
      assert.equal(m.updates, 0);
    }
  });
});
