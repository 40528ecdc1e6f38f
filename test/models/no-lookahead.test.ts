import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bar, IndicatorSet } from '../../src/core/index.js';
import { SeriesForecaster, type NextBarForecast } from '../../src/models/index.js';
import { NO_SHARED_DATA } from '../helpers.js';
import { indicatorSets, loadKlineBars } from './kline-bars.js';

// The requirement: changing or removing any future bar leaves every past feature vector and
// prediction unchanged. Each run goes through the whole path the pipeline will use (IndicatorEngine
// on the bars, then SeriesForecaster: features, five models, prequential scoring, champion), on
// real 1m LTCUSDT bars, and records everything it produced at every bar close.

const INSTRUMENT = 'binance:LTCUSDT';
const N = 3000;

interface Step {
  /** The feature vector at this bar, as bytes (null while warming up). */
  features: Buffer | null;
  forecast: NextBarForecast | null;
}

interface Run {
  steps: Step[];
  /** Everything the series holds after bar `cut` (model states, feature state, metrics). */
  snapshots: Map<number, string>;
}

function runSeries(bars: readonly Bar[], snapshotAt: readonly number[] = []): Run {
  const inds = indicatorSets(bars, INSTRUMENT);
  // Champion tests every 10 steps from 100 paired steps on, so its decisions are exercised too.
  const sf = new SeriesForecaster({ instrument: INSTRUMENT, interval: '1m', champion: { minObs: 100, checkEvery: 10 } });
  const steps: Step[] = [];
  const snapshots = new Map<number, string>();
  // Feature vectors are read straight off the builder: wrap onBar to copy each one as it is made.
  const features = sf.features;
  const onBar = features.onBar.bind(features);
  let lastX: Buffer | null = null;
  features.onBar = (b, ind) => {
    const x = onBar(b, ind);
    lastX = x === null ? null : Buffer.from(new Float64Array(x).buffer);
    return x;
  };
  bars.forEach((bar, t) => {
    lastX = null;
    const forecast = sf.onBar(bar, inds[t] as IndicatorSet);
    steps.push({ features: lastX, forecast });
    if (snapshotAt.includes(t)) {
      snapshots.set(
        t,
        JSON.stringify({
          features: features.toJSON(),
          models: sf.prequential.models.map((m) => m.toJSON()),
          report: sf.report(),
          champion: sf.champion.name,
          changes: sf.champion.changes,
        }),
      );
    }
  });
  return { steps, snapshots };
}

/** Bit-identical: feature bytes, and every number of every forecast compared with Object.is. */
function assertSameUpTo(a: Run, b: Run, cut: number, what: string): void {
  for (let t = 0; t <= cut; t++) {
    const x = a.steps[t];
    const y = b.steps[t];
    assert.ok(x !== undefined && y !== undefined, `${what}: bar ${t} missing`);
    if (x.features === null || y.features === null) assert.equal(x.features, y.features, `${what}: features at bar ${t}`);
    else assert.ok(x.features.equals(y.features), `${what}: feature vector at bar ${t} differs`);
    assert.ok(sameForecast(x.forecast, y.forecast), `${what}: forecast at bar ${t} differs`);
  }
}

function sameForecast(a: NextBarForecast | null, b: NextBarForecast | null): boolean {
  if (a === null || b === null) return a === b;
  const flat = (f: NextBarForecast) => [
    f.barStart,
    f.forecastFor,
    f.close,
    ...f.forecasts.flatMap((m) => [m.return, m.pUp, m.predictedClose]),
  ];
  const fa = flat(a);
  const fb = flat(b);
  return (
    a.champion === b.champion &&
    JSON.stringify(a.forecasts.map((m) => m.model)) === JSON.stringify(b.forecasts.map((m) => m.model)) &&
    fa.length === fb.length &&
    fa.every((v, i) => Object.is(v, fb[i]))
  );
}

/** A different future: prices, ranges, volumes and order flow all changed after `cut`. */
function perturbAfter(bars: readonly Bar[], cut: number): Bar[] {
  return bars.map((b, t) => {
    if (t <= cut) return b;
    const k = 1 + 0.02 * Math.sin(t);
    return {
      ...b,
      open: b.open * k,
      high: b.high * k * 1.001,
      low: b.low * k * 0.999,
      close: b.close * k,
      vwap: b.vwap * k,
      volume: b.volume * 3,
      buyVolume: b.volume * 0.1,
      sellVolume: b.volume * 2.9,
    };
  });
}

describe('no lookahead: the future cannot change the past', { skip: NO_SHARED_DATA }, () => {
  const bars = loadKlineBars('binance-klines-1m/LTCUSDT-1m-2026-02.csv', INSTRUMENT, N) ?? [];
  // the first feature vector appears at bar 83; cuts around it, mid-run and near the end
  const cuts = [82, 83, 84, 700, 1600, N - 2];
  const full = runSeries(bars, cuts);

  it('produced forecasts from every model, scored and champion-tested, before any cut is checked', () => {
    const first = full.steps.findIndex((s) => s.forecast !== null);
    assert.equal(first, 83);
    const last = full.steps.at(-1)?.forecast;
    assert.ok(last !== null && last !== undefined);
    assert.deepEqual(
      last.forecasts.map((f) => f.model),
      ['zero', 'drift', 'sign-persistence', 'rls', 'logistic'],
    );
  });

  for (const cut of cuts) {
    it(`cut after bar ${cut}: the past is bit-identical when the future is removed, changed, or loses one bar`, () => {
      const truncated = runSeries(bars.slice(0, cut + 1), [cut]);
      assertSameUpTo(full, truncated, cut, 'future removed');
      assert.equal(truncated.snapshots.get(cut), full.snapshots.get(cut), 'state after the cut (models, features, metrics)');

      const changed = runSeries(perturbAfter(bars, cut), [cut]);
      assertSameUpTo(full, changed, cut, 'future changed');
      assert.equal(changed.snapshots.get(cut), full.snapshots.get(cut));
      // ...and the change did reach what came after (the check has teeth)
      if (cut + 1 < N && full.steps[cut + 1]?.forecast !== null) {
        assert.ok(
          !sameForecast(full.steps[cut + 1]?.forecast ?? null, changed.steps[cut + 1]?.forecast ?? null),
          'perturbation changed nothing',
        );
      }

      const gap = runSeries([...bars.slice(0, cut + 1), ...bars.slice(cut + 2)]);
      assertSameUpTo(full, gap, cut, 'one future bar removed');
    });
  }

  it('the same harness catches a leak: a feature fed the next close differs when the future changes', () => {
    const cut = 700;
    // The caller leaks bar t+1's close into bar t's vwap (so into vwap_dev): exactly the seed's bug.
    const leak = (bs: readonly Bar[]) => bs.map((b, t) => ({ ...b, vwap: (bs[t + 1] ?? b).close }));
    const honest = runSeries(leak(bars));
    const changed = runSeries(leak(perturbAfter(bars, cut)));
    assert.throws(() => assertSameUpTo(honest, changed, cut, 'leaky'), /bar 700 differs/);
  });
});
