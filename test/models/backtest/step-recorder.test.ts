import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bar, IndicatorSet, Prediction } from '../../../src/core/index.js';
import { StepRecorder, squaredErrors } from '../../../src/models/backtest/index.js';
import { ForecastSeries, directionHit, logLoss, brier, type ForecastSink } from '../../../src/models/index.js';
import { NO_SHARED_DATA } from '../../helpers.js';
import { indicatorSets, loadKlineBars } from '../kline-bars.js';

const MODELS = ['zero', 'drift', 'sign-persistence', 'rls', 'logistic'];

function bar(instrument: string, start: number, close: number): Pick<Bar, 'instrument' | 'start' | 'close' | 'final'> {
  return { instrument, start, close, final: true };
}

function pred(instrument: string, model: string, start: number, close: number, ret: number, champion = false): Prediction {
  return {
    type: 'prediction',
    instrument,
    interval: '1m',
    model,
    start,
    target: start + 60_000,
    close,
    return: ret,
    pUp: 0.5 + ret,
    predictedClose: close * Math.exp(ret),
    champion,
  };
}

describe('StepRecorder', () => {
  it('scores the forecasts made at a bar against the next bar, per instrument, across drains', () => {
    const r = new StepRecorder('1m', ['zero', 'drift']);
    // bar 0 of A has no forecasts (warm-up): bar 1 scores nothing
    r.add([bar('A', 0, 100), bar('B', 0, 10)], [pred('B', 'zero', 0, 10, 0, true), pred('B', 'drift', 0, 10, 0.01)]);
    r.add(
      [bar('A', 60_000, 101), bar('B', 60_000, 11)],
      [pred('A', 'zero', 60_000, 101, 0, true), pred('B', 'drift', 60_000, 11, -0.02, true)],
    );
    r.add([bar('B', 120_000, 11), bar('A', 120_000, 99)], []);
    const [a, b] = r.all();
    assert.equal(a?.instrument, 'A');
    assert.deepEqual(a?.time, [120_000]);
    assert.deepEqual(a?.y, [Math.log(99 / 101)]);
    assert.deepEqual(a?.ret, [[0], [NaN]]);
    assert.deepEqual(a?.champion, [0]);
    assert.equal(a?.bars, 3);
    assert.equal(b?.instrument, 'B');
    assert.deepEqual(b?.time, [60_000, 120_000]);
    assert.deepEqual(b?.y, [Math.log(11 / 10), 0]);
    // the zero model had no forecast at B's second bar: NaN, left out of its losses
    assert.deepEqual(b?.ret, [
      [0, NaN],
      [0.01, -0.02],
    ]);
    assert.deepEqual(b?.champion, [0, 1]);
    assert.equal(r.steps, 3);
    assert.equal(r.bars, 6);
    const se = b ? squaredErrors(b, 0) : new Float64Array();
    assert.equal(se[0], Math.log(1.1) ** 2);
    assert.ok(Number.isNaN(se[1]));
  });

  it('ignores interim bars and predictions of models it does not know', () => {
    const r = new StepRecorder('1m', ['zero']);
    r.add([{ ...bar('A', 0, 1), final: false }, bar('A', 0, 1)], [pred('A', 'other', 0, 1, 0.5), pred('A', 'zero', 0, 1, 0)]);
    r.add([bar('A', 60_000, 2)], []);
    const [a] = r.all();
    assert.equal(a?.bars, 2);
    assert.deepEqual(a?.ret, [[0]]);
    assert.deepEqual(a?.champion, [-1]);
  });
});

describe('StepRecorder on a real series', { skip: NO_SHARED_DATA }, () => {
  // 1,600 1m LTCUSDT bars through the pipeline's ForecastSeries: the steps rebuilt from its
  // records must be the Prequential's own, step for step.
  const INSTRUMENT = 'binance:LTCUSDT';
  const bars = loadKlineBars('binance-klines-1m/LTCUSDT-1m-2026-02.csv', INSTRUMENT, 1600) ?? [];
  const inds = indicatorSets(bars, INSTRUMENT);

  it('rebuilds every scored step: the same count, losses and cumulative metrics as the Prequential', () => {
    const fs = new ForecastSeries({ instrument: INSTRUMENT, interval: '1m', prequential: { window: 500, history: 5000 } });
    const rec = new StepRecorder('1m', MODELS);
    bars.forEach((b, t) => {
      const out: ForecastSink = { predictions: [], modelMetrics: [], modelVersions: [] };
      fs.onBar(b, inds[t] as IndicatorSet, out);
      rec.add([b], out.predictions);
    });
    const [s] = rec.all();
    assert.ok(s);
    const pq = fs.forecaster.prequential;
    assert.equal(s.y.length, pq.steps);
    assert.ok(pq.steps > 1400);
    const reports = fs.forecaster.report();
    MODELS.forEach((model, m) => {
      assert.deepEqual(Array.from(squaredErrors(s, m)), Array.from(pq.losses(model, 'squared')), model);
      const r = reports.find((x) => x.model === model)?.cumulative;
      assert.ok(r);
      const ret = s.ret[m] ?? [];
      const pUp = s.pUp[m] ?? [];
      let sse = 0;
      let sae = 0;
      let hits = 0;
      let hitN = 0;
      let ll = 0;
      let bs = 0;
      s.y.forEach((y, i) => {
        const e = y - (ret[i] ?? NaN);
        sse += e * e;
        sae += Math.abs(e);
        const h = directionHit(ret[i] ?? NaN, y);
        if (!Number.isNaN(h)) {
          hits += h;
          hitN++;
        }
        ll += logLoss(pUp[i] ?? NaN, y > 0 ? 1 : 0);
        bs += brier(pUp[i] ?? NaN, y > 0 ? 1 : 0);
      });
      const n = s.y.length;
      assert.equal(r.n, n);
      assert.ok(Math.abs(Math.sqrt(sse / n) - r.rmse) <= 1e-12 * r.rmse, `${model} rmse`);
      assert.ok(Math.abs(sae / n - r.mae) <= 1e-12 * r.mae, `${model} mae`);
      assert.ok(Math.abs(hits / hitN - r.directionalAccuracy) < 1e-12, `${model} direction`);
      assert.ok(Math.abs(ll / n - r.logLoss) < 1e-12, `${model} log loss`);
      assert.ok(Math.abs(bs / n - r.brier) < 1e-12, `${model} brier`);
    });
  });
});
