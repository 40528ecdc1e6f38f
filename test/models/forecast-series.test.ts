import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Compile } from 'typebox/compile';
import { ModelMetricsSchema, ModelVersionSchema, PredictionSchema, type Bar, type IndicatorSet } from '../../src/core/index.js';
import {
  DEFAULT_MODELS,
  ForecastSeries,
  ForestModel,
  MODEL_FACTORIES,
  modelFromJSON,
  resolveModels,
  type ForecastSink,
} from '../../src/models/index.js';
import { NO_SHARED_DATA } from '../helpers.js';
import { indicatorSets, loadKlineBars } from './kline-bars.js';

const INSTRUMENT = 'binance:LTCUSDT';
const sink = (): ForecastSink => ({ predictions: [], modelMetrics: [], modelVersions: [] });

describe('ForecastSeries', { skip: NO_SHARED_DATA }, () => {
  const bars = loadKlineBars('binance-klines-1m/LTCUSDT-1m-2026-02.csv', INSTRUMENT, 1300) ?? [];
  const inds = indicatorSets(bars, INSTRUMENT);
  const opts = { instrument: INSTRUMENT, interval: '1m', metricsEvery: 100, versionEvery: 500 } as const;

  it('writes a prediction per model per bar (one of them the champion), scores every metricsEvery labels, versions every versionEvery', () => {
    const fs = new ForecastSeries(opts);
    const out = sink();
    bars.forEach((b, t) => fs.onBar(b, inds[t] as IndicatorSet, out));
    const checks = [
      [Compile(PredictionSchema), out.predictions],
      [Compile(ModelMetricsSchema), out.modelMetrics],
      [Compile(ModelVersionSchema), out.modelVersions],
    ] as const;
    for (const [v, rows] of checks) for (const r of rows) assert.ok(v.Check(r), JSON.stringify([...v.Errors(r)][0]));
    const starts = [...new Set(out.predictions.map((p) => p.start))];
    assert.equal(out.predictions.length, starts.length * 5);
    for (const s of starts) assert.equal(out.predictions.filter((p) => p.start === s && p.champion).length, 1);
    const last = bars.at(-1);
    const lastP = out.predictions.filter((p) => p.start === last?.start);
    assert.equal(lastP.length, 5);
    assert.equal(lastP[0]?.target, last?.end);
    // the first forecast is at bar 83 (features warm up), so labels start at bar 84
    const labels = bars.length - 1 - 83;
    assert.equal(out.modelMetrics.length, Math.floor(labels / 100) * 5);
    const snapshots = out.modelVersions.filter((v) => v.reason === 'snapshot');
    assert.equal(snapshots.length, Math.floor(labels / 500) * 5);
    const rls = snapshots.filter((v) => v.model === 'rls');
    assert.deepEqual(
      rls.map((v) => v.version),
      [1, 2],
    );
    const v2 = rls[1];
    assert.ok(v2 !== undefined);
    assert.equal(v2.trainedFrom, bars[84]?.start);
    assert.deepEqual(Object.keys(v2.params).sort(), ['dim', 'lambda', 'maxTrace', 'ridge']);
    assert.equal(v2.features.length, 18);
    // a saved version's state is the model, restorable
    const m = modelFromJSON(v2.state);
    assert.equal(m.updates, v2.updates);
  });

  it('a restored series writes exactly what the original would have', () => {
    const cut = 700;
    const a = new ForecastSeries(opts);
    const outA = sink();
    bars.forEach((b, t) => a.onBar(b, inds[t] as IndicatorSet, outA));
    let b = new ForecastSeries(opts);
    const outB = sink();
    bars.forEach((bar, t) => {
      if (t === cut) b = ForecastSeries.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
      b.onBar(bar, inds[t] as IndicatorSet, outB);
    });
    assert.deepEqual(outB, outA);
  });

  it('promote: the model serves from the next bar, with a version saved as promote', () => {
    const fs = new ForecastSeries(opts);
    const out = sink();
    bars.slice(0, 400).forEach((b, t) => fs.onBar(b, inds[t] as IndicatorSet, out));
    const before = fs.champion;
    const change = fs.promote('rls', 123, out);
    assert.equal(change?.from, before);
    assert.equal(fs.champion, 'rls');
    const v = out.modelVersions.at(-1);
    assert.equal(v?.reason, 'promote');
    assert.equal(v?.model, 'rls');
    assert.equal(v?.status, 'champion');
    assert.equal(v?.time, 123);
    const after = sink();
    fs.onBar(bars[400] as never, inds[400] as IndicatorSet, after);
    assert.deepEqual(
      after.predictions.filter((p) => p.champion).map((p) => p.model),
      ['rls'],
    );
    assert.throws(() => fs.promote('nope', 1, out), { code: 'NOT_FOUND' });
  });

  it('resolveModels keeps the baselines and refuses unknown names', () => {
    assert.deepEqual(resolveModels([]), ['zero', 'drift', 'sign-persistence']);
    assert.deepEqual(resolveModels(['logistic']), ['zero', 'drift', 'sign-persistence', 'logistic']);
    assert.throws(() => resolveModels(['lstm']), { code: 'CONFIG_INVALID', message: /unknown model 'lstm'/ });
  });

  it('warm start: models continue from saved states, the saved champion serves, version numbers go on', () => {
    const a = new ForecastSeries(opts);
    const out = sink();
    bars.slice(0, 900).forEach((b, t) => a.onBar(b, inds[t] as IndicatorSet, out));
    a.promote('logistic', 1, out);
    const saved = sink();
    a.snapshot(bars[899]?.start ?? 0, saved);
    assert.equal(saved.modelVersions.length, 5);
    const states = new Map(saved.modelVersions.map((v) => [v.model, v.state]));
    const versions = new Map(saved.modelVersions.map((v) => [v.model, v.version]));
    const champion = saved.modelVersions.find((v) => v.status === 'champion')?.model;
    assert.equal(champion, 'logistic');
    // a corrupt state is ignored: that model starts untrained
    states.set('drift', { kind: 'drift', nonsense: true });
    const b = new ForecastSeries({ ...opts, warm: { states, versions, ...(champion ? { champion } : {}) } });
    assert.equal(b.champion, 'logistic');
    const models = new Map(b.forecaster.prequential.models.map((m) => [m.name, m]));
    assert.equal(models.get('rls')?.updates, a.forecaster.prequential.models.find((m) => m.name === 'rls')?.updates);
    assert.equal(models.get('drift')?.updates, 0);
    // the restored rls forecasts exactly as the original from the same features
    const x = new Float64Array(18).fill(0.1);
    assert.deepEqual(models.get('rls')?.predict(x), a.forecaster.prequential.models.find((m) => m.name === 'rls')?.predict(x));
    const more = sink();
    bars.slice(900, 1300).forEach((bar, t) => b.onBar(bar, inds[900 + t] as IndicatorSet, more));
    b.snapshot(bars[1299]?.start ?? 0, more);
    assert.equal(more.modelVersions.find((v) => v.model === 'rls')?.version, (versions.get('rls') ?? 0) + 1);
  });

  it('a retrained model gets a registry version (reason retrain) each time a new fit starts serving', () => {
    const fs = new ForecastSeries({
      ...opts,
      models: ['zero', 'forest'],
      factories: {
        ...MODEL_FACTORIES,
        forest: (dim) => new ForestModel({ dim, window: 200, minRows: 100, retrainEvery: 150, trees: 2, trial: 0, mode: 'sync' }),
      },
    });
    const out = sink();
    bars.slice(0, 600).forEach((b, t) => fs.onBar(b, inds[t] as IndicatorSet, out));
    const fits = out.modelVersions.filter((v) => v.model === 'forest' && v.reason === 'retrain');
    assert.ok(fits.length >= 2, `${fits.length} retrain versions`);
    assert.deepEqual(
      fits.map((v) => v.version),
      fits.map((_, i) => i + 1),
    );
    assert.match(fits[0]?.detail ?? '', /^fit 1: 1\d\d rows/);
    assert.equal(fits[0]?.params['window'], 200);
    const restored = ForecastSeries.fromJSON(JSON.parse(JSON.stringify(fs.toJSON())));
    const again = sink();
    restored.onBar(bars[600] as never, inds[600] as IndicatorSet, again);
    assert.equal(again.modelVersions.filter((v) => v.reason === 'retrain').length, 0, 'a restore does not re-announce the serving fit');
  });
});

describe('ForecastSeries before its features warm up', () => {
  it('holds its features and little else: the models and their evaluation rings come with the first forecast', () => {
    // 1,000 instruments forecast 5 intervals: 5,000 series, which see their first forecast after
    // ~84 bars (84 minutes for 1m, 84 days for 1d). Ten synthetic 1m bars each here.
    const bars: Bar[] = Array.from({ length: 10 }, (_, t) => {
      const close = 100 * (1 + 0.001 * Math.sin(t));
      return {
        ...{ type: 'bar', instrument: INSTRUMENT, interval: '1m', start: t * 60_000, end: (t + 1) * 60_000 },
        ...{ open: close, high: close * 1.001, low: close * 0.999, close, volume: 2, quoteVolume: 2 * close, buyVolume: 1, sellVolume: 1 },
        ...{ trades: 3, vwap: close, firstTradeId: 0, lastTradeId: 0, final: true, revision: 0 },
      } as const;
    });
    const inds = indicatorSets(bars, INSTRUMENT);
    const before = process.memoryUsage().arrayBuffers;
    const series = Array.from({ length: 1000 }, () => new ForecastSeries({ instrument: INSTRUMENT, interval: '1m' }));
    const out = sink();
    for (const fs of series) bars.forEach((b, t) => fs.onBar(b, inds[t] as IndicatorSet, out));
    const perSeries = (process.memoryUsage().arrayBuffers - before) / series.length;
    // the features' windows and moments: ~0.8 KB; the models' and rings' would add ~5 KB
    assert.ok(perSeries < 1500, `${perSeries} bytes of typed arrays per series, want < 1500`);
    assert.equal(out.predictions.length, 0);
    const report = series[0]?.forecaster.report() ?? [];
    assert.deepEqual(
      report.map((r) => [r.model, r.cumulative.n, r.updates]),
      DEFAULT_MODELS.map((m) => [m, 0, 0]),
    );
  });
});
