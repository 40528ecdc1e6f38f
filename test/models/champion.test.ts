import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Champion, Prequential, RecursiveLeastSquares, ZeroReturn, dieboldMariano, type Forecast } from '../../src/models/index.js';
import { Prng } from '../../src/sources/prng.js';
import { ScriptedModel } from './scripted-model.js';

/** Labels, and scripts that know them: a test double may cheat, the models under test cannot. */
function scenario(n: number, seed: number) {
  const rng = new Prng(seed);
  const ys = Array.from({ length: n }, () => 0.001 * rng.normal());
  // forecast i is made before label i arrives
  const skilled: Forecast[] = ys.map((y) => ({ return: 0.3 * y, pUp: y > 0 ? 0.6 : 0.4 }));
  const noisy: Forecast[] = ys.map(() => ({ return: 0.001 * rng.normal(), pUp: 0.5 }));
  return { ys, skilled, noisy };
}

function drive(pq: Prequential, champion: Champion, ys: readonly number[]) {
  pq.step(null, new Float64Array(0));
  const changes = [];
  for (const y of ys) {
    pq.observe(y);
    const c = champion.onStep();
    if (c !== null) changes.push(c);
    pq.forecast(new Float64Array(0));
  }
  return changes;
}

describe('Champion', () => {
  it('starts with the random walk and hands over only when the DM test says the challenger is better', () => {
    const { ys, skilled, noisy } = scenario(1200, 31);
    const pq = new Prequential(
      [new ZeroReturn(), new ZeroReturn('zero-again'), new ScriptedModel('noisy', noisy), new ScriptedModel('skilled', skilled)],
      {
        history: 1000,
      },
    );
    const champion = new Champion(pq, { minObs: 300, checkEvery: 50 });
    assert.equal(champion.name, 'zero');
    const changes = drive(pq, champion, ys);
    assert.equal(changes.length, 1);
    const c = changes[0];
    assert.ok(c !== undefined);
    assert.equal(c.from, 'zero');
    assert.equal(c.to, 'skilled');
    assert.equal(c.reason, 'dm-test');
    assert.equal(c.step, 300, 'at the first check with minObs paired steps');
    assert.ok(c.pValue !== null && c.pValue < 0.05 && c.statistic !== null && c.statistic > 0);
    assert.equal(champion.name, 'skilled');
  });

  it('never hands over to a model that is worse or only equal', () => {
    const { ys, noisy } = scenario(1500, 32);
    const pq = new Prequential([new ZeroReturn(), new ZeroReturn('zero-again'), new ScriptedModel('noisy', noisy)]);
    const champion = new Champion(pq, { minObs: 100, checkEvery: 10 });
    assert.deepEqual(drive(pq, champion, ys), []);
    assert.equal(champion.name, 'zero');
  });

  it('splits alpha over the challengers (Bonferroni): p between alpha / k and alpha is not enough', () => {
    // A challenger with a little skill on a few steps; find one whose DM p-value lands between 0.05 / 3 and 0.05.
    const rng = new Prng(33);
    const ys = Array.from({ length: 800 }, () => 0.001 * rng.normal());
    const u = ys.map(() => rng.uniform());
    const setup = (frac: number, bonferroni: boolean) => {
      const slight: Forecast[] = ys.map((y, i) => ({ return: (u[i] ?? 1) < frac ? 0.3 * y : 0, pUp: 0.5 }));
      const pq = new Prequential(
        [new ZeroReturn(), new ZeroReturn('zero-2'), new ZeroReturn('zero-3'), new ScriptedModel('slight', slight)],
        {
          history: 800,
        },
      );
      const champion = new Champion(pq, { minObs: 500, checkEvery: 10_000, bonferroni });
      drive(pq, champion, ys);
      return { pq, champion };
    };
    const frac = [0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.1, 0.15].find((f) => {
      const { pq } = setup(f, true);
      const p = dieboldMariano(pq.losses('zero', 'squared'), pq.losses('slight', 'squared'), { alternative: 'greater' }).pValue;
      return p > 0.05 / 3 && p < 0.05;
    });
    assert.ok(frac !== undefined, 'a challenger with 0.05/3 < p < 0.05 exists among the tried ones');
    assert.equal(setup(frac, true).champion.evaluate(), null);
    assert.equal(setup(frac, false).champion.evaluate()?.to, 'slight');
  });

  it('a quarantined champion falls back to the random walk at once', () => {
    const rls = new RecursiveLeastSquares({ dim: 1 });
    const pq = new Prequential([new ZeroReturn(), rls]);
    const champion = new Champion(pq, { initial: 'rls' });
    assert.equal(champion.name, 'rls');
    pq.step(null, new Float64Array([1]));
    pq.observe(0.01);
    assert.equal(champion.onStep(), null);
    pq.forecast(new Float64Array([NaN]));
    pq.observe(0.01);
    const c = champion.onStep();
    assert.equal(c?.reason, 'quarantine');
    assert.equal(champion.name, 'zero');
  });

  it('leaves a challenger that wins a recent window but has the worse record since the start (the cumulative rule)', () => {
    // bad for 2000 steps, then skilled for the last 700: the recent window favours it, the whole record does not
    const { ys, skilled } = scenario(2700, 33);
    const rng = new Prng(34);
    const script = ys.map((_y, i) => (i < 2000 ? { return: 0.003 * rng.normal(), pUp: 0.5 } : (skilled[i] as Forecast)));
    const run = (requireCumulative: boolean) => {
      const pq = new Prequential([new ZeroReturn(), new ScriptedModel('late-bloomer', script)], { history: 500 });
      const champion = new Champion(pq, { minObs: 300, checkEvery: 50, requireCumulative });
      return drive(pq, champion, ys).map((c) => c.to);
    };
    assert.deepEqual(run(false), ['late-bloomer'], 'the window alone is convinced');
    assert.deepEqual(run(true), [], 'its cumulative loss is still higher than the random walk');
  });

  it('promote makes a model champion by hand, refuses unknown and quarantined ones, and the tests go on', () => {
    const { ys, skilled } = scenario(1200, 35);
    const pq = new Prequential([new ZeroReturn(), new ZeroReturn('other'), new ScriptedModel('skilled', skilled)], { history: 1000 });
    const champion = new Champion(pq, { minObs: 300, checkEvery: 50 });
    const c = champion.promote('other');
    assert.equal(c?.reason, 'manual');
    assert.equal(c?.from, 'zero');
    assert.equal(champion.name, 'other');
    assert.equal(champion.promote('other'), null, 'already champion');
    assert.throws(() => champion.promote('nope'), { code: 'NOT_FOUND' });
    const rls = new RecursiveLeastSquares({ dim: 1 });
    rls.update(new Float64Array([NaN]), 1);
    assert.ok(rls.quarantined);
    const pq2 = new Prequential([new ZeroReturn(), rls]);
    assert.throws(() => new Champion(pq2).promote(rls.name), { code: 'CONFLICT' });
    // the skilled model still wins its test against the promoted one
    const changes = drive(pq, champion, ys);
    assert.deepEqual(
      changes.map((x) => [x.from, x.to, x.reason]),
      [['other', 'skilled', 'dm-test']],
    );
    // and the manual change survives a round trip
    const restored = Champion.fromJSON(champion.toJSON(), pq);
    assert.equal(restored.changes[0]?.reason, 'manual');
  });
});
