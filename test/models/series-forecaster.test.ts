import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTickflowError, type Bar, type IndicatorSet } from '../../src/core/index.js';
import { Drift, SeriesForecaster, ZeroReturn, defaultModels, type NextBarForecast } from '../../src/models/index.js';
import { NO_SHARED_DATA } from '../helpers.js';
import { indicatorSets, loadKlineBars } from './kline-bars.js';

const INSTRUMENT = 'binance:LTCUSDT';

describe('SeriesForecaster', { skip: NO_SHARED_DATA }, () => {
  const bars = loadKlineBars('binance-klines-1m/LTCUSDT-1m-2026-02.csv', INSTRUMENT, 1500) ?? [];
  const inds = indicatorSets(bars, INSTRUMENT);

  it('forecasts the next bar from every model: return, P(up), predicted close = close * exp(return)', () => {
    const sf = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m' });
    let last: NextBarForecast | null = null;
    bars.forEach((b, t) => (last = sf.onBar(b, inds[t] as IndicatorSet) ?? last));
    const f = last as NextBarForecast | null;
    const bar = bars.at(-1) as Bar;
    assert.ok(f !== null);
    assert.equal(f.instrument, INSTRUMENT);
    assert.equal(f.barStart, bar.start);
    assert.equal(f.forecastFor, bar.end);
    assert.equal(f.close, bar.close);
    assert.equal(f.champion, sf.champion.name);
    assert.equal(f.forecasts.length, 5);
    for (const m of f.forecasts) {
      assert.ok(Number.isFinite(m.return) && m.pUp > 0 && m.pUp < 1);
      assert.equal(m.predictedClose, bar.close * Math.exp(m.return));
    }
    const report = sf.report();
    assert.equal(report.length, 5);
    // every model is scored on the same steps: one per label after the first forecast (bar 83)
    for (const r of report) assert.equal(r.cumulative.n, bars.length - 1 - 83, r.model);
  });

  it('ignores a bar with an unusable close: the stream goes on as if it had not come', () => {
    const run = (bs: readonly Bar[], is: readonly IndicatorSet[]) => {
      const sf = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m' });
      return bs.map((b, t) => sf.onBar(b, is[t] as IndicatorSet));
    };
    const clean = run(bars.slice(0, 400), inds.slice(0, 400));
    const bad = { ...(bars[300] as Bar), close: NaN };
    const withBad = run(
      [...bars.slice(0, 300), bad, ...bars.slice(300, 400)],
      [...inds.slice(0, 300), inds[300] as IndicatorSet, ...inds.slice(300, 400)],
    );
    assert.equal(withBad[300], null);
    assert.deepEqual([...withBad.slice(0, 300), ...withBad.slice(301)], clean);
  });

  it('checkpoints to JSON and, restored, continues bit for bit like the run that never stopped', () => {
    const opts = { instrument: INSTRUMENT, interval: '1m', champion: { minObs: 100, checkEvery: 10 } };
    const straight = new SeriesForecaster(opts);
    const a = bars.map((b, t) => straight.onBar(b, inds[t] as IndicatorSet));
    for (const cut of [50, 83, 900]) {
      const first = new SeriesForecaster(opts);
      bars.slice(0, cut + 1).forEach((b, t) => first.onBar(b, inds[t] as IndicatorSet));
      const saved = JSON.stringify(first.toJSON());
      const restored = SeriesForecaster.fromJSON(JSON.parse(saved));
      assert.equal(JSON.stringify(restored.toJSON()), saved);
      const b = bars.slice(cut + 1).map((bar, i) => restored.onBar(bar, inds[cut + 1 + i] as IndicatorSet));
      assert.deepEqual(b, a.slice(cut + 1), `restored after bar ${cut}`);
      assert.deepEqual(restored.report(), straight.report());
      assert.deepEqual(restored.toJSON(), straight.toJSON());
    }
    assert.ok(straight.champion.changes.length >= 0);
  });

  it('refuses a checkpoint whose parts disagree', () => {
    const sf = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m' });
    bars.slice(0, 200).forEach((b, t) => sf.onBar(b, inds[t] as IndicatorSet));
    const s = sf.toJSON();
    const malformed = (e: unknown) => isTickflowError(e) && e.code === 'MALFORMED';
    assert.throws(() => SeriesForecaster.fromJSON({ ...s, models: s.models.slice(1) }), malformed);
    assert.throws(() => SeriesForecaster.fromJSON({ ...s, champion: { ...s.champion, current: 'oracle' } }), malformed);
    assert.throws(() => SeriesForecaster.fromJSON({ ...s, prequential: { ...s.prequential, labels: [] } }), malformed);
    assert.throws(() => SeriesForecaster.fromJSON({ ...s, kind: 'other' }), malformed);
  });

  it('refuses out-of-order bars and mismatched indicators before changing anything', () => {
    const sf = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m' });
    bars.slice(0, 200).forEach((b, t) => sf.onBar(b, inds[t] as IndicatorSet));
    const before = JSON.stringify(sf.toJSON());
    const code = (c: string) => (e: unknown) => isTickflowError(e) && e.code === c;
    assert.throws(() => sf.onBar(bars[150] as Bar, inds[150] as IndicatorSet), code('BAD_TIMESTAMP'));
    assert.throws(() => sf.onBar(bars[200] as Bar, inds[201] as IndicatorSet), code('INTERNAL'));
    assert.equal(JSON.stringify(sf.toJSON()), before);
  });

  it('takes its own model set; the champion to start with must be one of them', () => {
    const sf = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m', models: [new ZeroReturn(), new Drift()] });
    bars.slice(0, 100).forEach((b, t) => sf.onBar(b, inds[t] as IndicatorSet));
    assert.deepEqual(
      sf.report().map((r) => r.model),
      ['zero', 'drift'],
    );
    assert.throws(
      () => new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m', models: [new Drift()] }),
      (e: unknown) => isTickflowError(e) && e.code === 'NOT_FOUND',
    );
  });
});

describe('SeriesForecaster before its features warm up', () => {
  /** Synthetic 1m bars with their indicator sets. */
  const synthetic = (n: number): { bars: Bar[]; inds: IndicatorSet[] } => {
    const bars: Bar[] = Array.from({ length: n }, (_, t) => {
      const close = 100 * (1 + 0.002 * Math.sin(t / 3) + 0.0005 * t);
      return {
        ...{ type: 'bar', instrument: INSTRUMENT, interval: '1m', start: t * 60_000, end: (t + 1) * 60_000 },
        ...{ open: close, high: close * 1.001, low: close * 0.999, close, volume: 2 + (t % 5), quoteVolume: 2 * close },
        ...{ buyVolume: 1, sellVolume: 1 + (t % 5), trades: 3, vwap: close, firstTradeId: 0, lastTradeId: 0, final: true, revision: 0 },
      } as const;
    });
    return { bars, inds: indicatorSets(bars, INSTRUMENT) };
  };

  it('makes its models at the first feature vector; before it, its state is that of fresh models', () => {
    const { bars, inds } = synthetic(120);
    let made = 0;
    const models = () => {
      made++;
      return defaultModels();
    };
    const lazy = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m', models });
    assert.equal(made, 1, 'made once to check the options, then dropped');
    const eager = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m', models: defaultModels() });
    void eager.prequential;
    const step = (t: number): NextBarForecast | null => {
      const [a, e] = [lazy.onBar(bars[t] as Bar, inds[t] as IndicatorSet), eager.onBar(bars[t] as Bar, inds[t] as IndicatorSet)];
      assert.deepEqual(a, e, `bar ${t}`);
      return a;
    };
    for (let t = 0; t < 10; t++) assert.equal(step(t), null);
    assert.equal(made, 1, 'no models after 10 bars');
    assert.equal(lazy.steps, 0);
    assert.equal(lazy.championName, 'zero');
    // saved state in the format of made models (a set made for it and dropped)
    assert.deepEqual(lazy.toJSON(), eager.toJSON());
    assert.equal(made, 2);
    let first = 10;
    while (step(first) === null) first++;
    assert.ok(first > 20, `first forecast at bar ${first}`);
    assert.equal(made, 3, 'and made at the first forecast (the toJSON of each bar before made its own, dropped)');
    bars
      .slice(first + 1)
      .forEach((b, i) =>
        assert.deepEqual(lazy.onBar(b, inds[first + 1 + i] as IndicatorSet), eager.onBar(b, inds[first + 1 + i] as IndicatorSet)),
      );
    assert.deepEqual(lazy.toJSON(), eager.toJSON());
    assert.ok(lazy.steps > 0);
    // bad options still fail at construction
    assert.throws(
      () => new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m', models: () => [new Drift()] }),
      (e: unknown) => isTickflowError(e) && e.code === 'NOT_FOUND',
    );
  });
});
