import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTickflowError } from '../../src/core/index.js';
import {
  Drift,
  OnlineLogistic,
  Prequential,
  RecursiveLeastSquares,
  SignPersistence,
  ZeroReturn,
  type Forecast,
} from '../../src/models/index.js';
import { ScriptedModel } from './scripted-model.js';

// Four steps scored by hand (see the comments): forecast (return, pUp) made the bar before, label y.
const SCRIPT = [
  { return: 0.01, pUp: 0.8 }, // y = 0.02: e = 0.01, up, hit 1, ll -ln .8, brier .04
  { return: -0.01, pUp: 0.3 }, // y = 0.01: e = 0.02, up, hit 0, ll -ln .3, brier .49
  { return: 0, pUp: 0.5 }, // y = -0.01: e = -0.01, down, hit 1/2, ll -ln .5, brier .25
  { return: 0.02, pUp: 0.3 }, // y = 0: e = -0.02, flat = not up, hit left out, ll -ln .7, brier .09
];
const YS = [0.02, 0.01, -0.01, 0];

function run(window: number) {
  const m = new ScriptedModel('scripted', SCRIPT);
  const pq = new Prequential([m, new ZeroReturn()], { window, history: 10 });
  pq.step(null, new Float64Array(0));
  for (const y of YS) pq.step(y, new Float64Array(0));
  return { pq, m };
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-15, `${what}: ${a} vs ${b}`);

describe('Prequential', () => {
  it('cumulative metrics equal the hand-computed ones', () => {
    const { pq } = run(500);
    const [scripted, zero] = pq.report();
    assert.ok(scripted !== undefined && zero !== undefined);
    const c = scripted.cumulative;
    assert.equal(c.n, 4);
    near(c.rmse, Math.sqrt((1e-4 + 4e-4 + 1e-4 + 4e-4) / 4), 'rmse');
    near(c.mae, 0.015, 'mae');
    assert.equal(c.directionalN, 3);
    near(c.directionalAccuracy, 0.5, 'directional accuracy');
    near(c.logLoss, -(Math.log(0.8) + Math.log(0.3) + Math.log(0.5) + Math.log(0.7)) / 4, 'log loss');
    near(c.brier, (0.04 + 0.49 + 0.25 + 0.09) / 4, 'brier');
    assert.equal(c.auc, 0.625);
    // the random walk: RMSE of the returns themselves, direction 1/2, log loss ln 2, Brier 1/4, AUC 1/2
    near(zero.cumulative.rmse, Math.sqrt((4e-4 + 1e-4 + 1e-4 + 0) / 4), 'zero rmse');
    assert.equal(zero.cumulative.directionalAccuracy, 0.5);
    near(zero.cumulative.logLoss, Math.LN2, 'zero log loss');
    assert.equal(zero.cumulative.brier, 0.25);
    assert.equal(zero.cumulative.auc, 0.5);
  });

  it('rolling metrics cover the last `window` steps', () => {
    const { pq } = run(3);
    const r = pq.report()[0]?.rolling;
    assert.ok(r !== undefined);
    assert.equal(r.n, 3);
    near(r.rmse, Math.sqrt((4e-4 + 1e-4 + 4e-4) / 3), 'rolling rmse');
    near(r.mae, 0.05 / 3, 'rolling mae');
    near(r.directionalAccuracy, 0.25, 'rolling direction'); // (0 + 1/2) / 2
    near(r.brier, (0.49 + 0.25 + 0.09) / 3, 'rolling brier');
    assert.equal(r.auc, 0.25); // positive 0.3 vs negatives 0.5 (lost) and 0.3 (tie)
  });

  it('keeps aligned per-step loss series for the DM test, NaN where a model had no forecast', () => {
    const m = new ScriptedModel('gappy', [SCRIPT[0] ?? null, null, SCRIPT[2] ?? null, SCRIPT[3] ?? null]);
    const pq = new Prequential([m, new ZeroReturn()], { window: 2, history: 3 });
    pq.step(null, new Float64Array(0));
    for (const y of YS) pq.step(y, new Float64Array(0));
    const sq = pq.losses('gappy', 'squared');
    assert.equal(sq.length, 3, 'history holds the last 3 steps');
    assert.ok(Number.isNaN(sq[0] ?? 0));
    near(sq[1] ?? NaN, (-0.01 - 0) ** 2, 'step 3 squared');
    near(sq[2] ?? NaN, (0 - 0.02) ** 2, 'step 4 squared');
    assert.deepEqual(Array.from(pq.losses('zero', 'absolute')), [0.01, 0.01, 0]);
    const ll = pq.losses('zero', 'logLoss', 2);
    assert.deepEqual(Array.from(ll), [Math.LN2, Math.LN2]);
    assert.equal(pq.report()[0]?.cumulative.n, 3);
  });

  it('a history longer than the rings start with: they grow and wrap, the loss series stay exact, and a checkpoint anywhere restores', () => {
    const ys = Array.from({ length: 700 }, (_, i) => Math.sin(i * 0.7) * 0.01 + (i % 7 === 0 ? 0 : 0.001));
    const none = new Float64Array(0);
    const models = () => [new Drift(), new SignPersistence(), new ZeroReturn()];
    const opts = { window: 200, history: 300 };
    const whole = new Prequential(models(), opts);
    const forecasts: (readonly (Forecast | null)[])[] = [whole.step(null, none)];
    for (const y of ys) forecasts.push(whole.step(y, none));
    // Step k's label ys[k] scores the forecasts made one step earlier (forecasts[k]).
    const want = ys.slice(-300).map((y, i) => (y - (forecasts[400 + i]?.[0]?.return ?? NaN)) ** 2);
    assert.deepEqual(Array.from(whole.losses('drift', 'squared')), want);
    for (const cut of [30, 64, 65, 100, 299, 300, 301, 450]) {
      const first = new Prequential(models(), opts);
      first.step(null, none);
      for (const y of ys.slice(0, cut)) first.step(y, none);
      const saved = JSON.parse(JSON.stringify({ pq: first.toJSON(), models: first.models.map((m) => m.toJSON()) })) as {
        pq: unknown;
        models: unknown[];
      };
      const restored = Prequential.fromJSON(saved.pq, [
        Drift.fromJSON(saved.models[0]),
        SignPersistence.fromJSON(saved.models[1]),
        ZeroReturn.fromJSON(saved.models[2]),
      ]);
      for (const y of ys.slice(cut)) restored.step(y, none);
      assert.deepEqual(restored.toJSON(), whole.toJSON(), `restored after ${cut} steps`);
      assert.deepEqual(restored.report(), whole.report());
    }
  });

  it('tests then trains: scores each forecast before the model learns its label, trains on the x it forecast from', () => {
    const m = new ScriptedModel('spy', [SCRIPT[0] ?? null, SCRIPT[1] ?? null, SCRIPT[2] ?? null], 2);
    const pq = new Prequential([m]);
    const x = new Float64Array([1, 2]);
    pq.step(null, x);
    x[0] = 99; // the caller reuses its buffer: the loop must have copied the vector it forecast from
    pq.step(0.5, new Float64Array([3, 4]));
    pq.step(0.25, null); // features not ready: no forecast, so the next label trains nothing
    pq.step(0.125, new Float64Array([5, 6]));
    pq.step(0.0625, new Float64Array([7, 8]));
    assert.deepEqual(m.calls, [
      'predict(1,2)',
      'update(1,2;0.5)',
      'predict(3,4)',
      'update(3,4;0.25)',
      'predict(5,6)',
      'update(5,6;0.0625)',
      'predict(7,8)',
    ]);
    assert.equal(pq.steps, 3);
  });

  it('a non-finite label is dropped, not learned; a feature vector with Infinity quarantines the linear models only', () => {
    const rls = new RecursiveLeastSquares({ dim: 2 });
    const lr = new OnlineLogistic({ dim: 2 });
    const pq = new Prequential([new ZeroReturn(), rls, lr]);
    pq.step(null, new Float64Array([0.1, 0.2]));
    pq.step(NaN, new Float64Array([0.1, 0.2]));
    assert.equal(pq.dropped, 1);
    assert.equal(rls.updates, 0);
    let out: unknown;
    assert.doesNotThrow(() => {
      pq.step(0.01, new Float64Array([Infinity, 0.2]));
      out = pq.step(0.02, new Float64Array([0.3, 0.1]));
    });
    assert.ok(rls.quarantined && lr.quarantined);
    assert.deepEqual(out, [{ return: 0, pUp: 0.5 }, null, null]);
    const [zero, r] = pq.report();
    assert.equal(zero?.cumulative.n, 2);
    assert.equal(r?.cumulative.n, 1, 'no score while it had no forecast');
    assert.ok(r?.quarantined);
  });

  it('holds little until it is scored: its rings start small and the AUC counts come with the first score', () => {
    // A run of 1,000 instruments has 5,000 forecasting series, most of them far from their first label.
    const before = process.memoryUsage().arrayBuffers;
    const series: Prequential[] = [];
    for (let i = 0; i < 1000; i++) series.push(new Prequential([new ZeroReturn(), new Drift()]));
    const perSeries = (process.memoryUsage().arrayBuffers - before) / series.length;
    assert.ok(perSeries <= 1024, `${perSeries} bytes of typed arrays per new series, want <= 1024`);
    const pq = series[0] as Prequential;
    pq.step(null, new Float64Array(0));
    pq.step(0.01, new Float64Array(0));
    pq.step(-0.01, new Float64Array(0));
    assert.equal(pq.report()[0]?.cumulative.auc, 0.5, 'zero return forecasts pUp 1/2 for both labels: a tie');
  });

  it('refuses duplicate names and mixed feature lengths', () => {
    const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;
    assert.throws(() => new Prequential([new ZeroReturn(), new ZeroReturn()]), code('CONFIG_INVALID'));
    assert.throws(() => new Prequential([new RecursiveLeastSquares({ dim: 2 }), new OnlineLogistic({ dim: 3 })]), code('CONFIG_INVALID'));
  });
});
