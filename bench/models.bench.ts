// Online models (src/models): cost per bar, and an honest test-then-train result on real bars.
// Run: node --import tsx bench/models.bench.ts [steps=1000] [rounds=5]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
//
// 1. Speed: 100 instruments x 6 intervals = 600 series, each with its own RLS and logistic model,
//    interleaved bar by bar as the pipeline would run them; one update (label arrival) + one predict
//    per series per bar, on real 18-long feature vectors. Then the whole SeriesForecaster.onBar
//    (features, five models, scoring, champion tests) for the same 600 series.
// 2. Prequential: every model of the default set over each month of real 1m klines in
//    ../shared/data/binance-klines-1m, against the random walk. Reported as it comes out.
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Bar, IndicatorSet } from '../src/core/index.js';
import {
  FEATURE_COUNT,
  FeatureBuilder,
  OnlineLogistic,
  RecursiveLeastSquares,
  SeriesForecaster,
  defaultModels,
  dieboldMariano,
  type OnlineModel,
} from '../src/models/index.js';
import { IndicatorEngine } from '../src/stream/indicators/index.js';
import { report, type Row } from './report.js';
import { SHARED_DATA } from '../test/helpers.js';
import { loadKlineBars } from '../test/models/kline-bars.js';

// A gc() to call before reading memory, without needing node --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const LOAD_AT_START = `load average ${(loadavg()[0] ?? NaN).toFixed(1)} on ${cpus().length} cores when the run began (a shared host: other work inflates the µs)`;
const STEPS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 5);
const SERIES = 600;

const shared = SHARED_DATA;
const SYMBOLS = ['LTCUSDT', 'DOTUSDT', 'LINKUSDT'];

/** A month of 1m bars straight from the kline file (the no-lookahead test reads them the same way). */
function klineBars(symbol: string): Bar[] | undefined {
  return loadKlineBars(`binance-klines-1m/${symbol}-1m-2026-02.csv`, `binance:${symbol}`);
}

const months = SYMBOLS.map((s) => ({ symbol: s, bars: klineBars(s) })).filter(
  (m): m is { symbol: string; bars: Bar[] } => m.bars !== undefined,
);
if (months.length === 0) {
  process.stderr.write(`no kline files under ${shared}/binance-klines-1m: nothing to measure\n`);
  process.exit(1);
}
const sets = new Map(months.map((m) => [m.symbol, indicators(m.bars, `binance:${m.symbol}`)]));

function indicators(bars: readonly Bar[], instrument: string): IndicatorSet[] {
  const engine = new IndicatorEngine({ instrument, interval: '1m' });
  return bars.map((b) => engine.onBar(b));
}

// ---- 1. speed -------------------------------------------------------------------------------

// Real feature vectors and next-bar returns from the first month.
const first = months[0] as { symbol: string; bars: Bar[] };
const xs: Float64Array[] = [];
const ys: number[] = [];
{
  const fb = new FeatureBuilder();
  const inds = sets.get(first.symbol) ?? [];
  first.bars.forEach((b, t) => {
    const x = fb.onBar(b, inds[t] as IndicatorSet);
    const next = first.bars[t + 1];
    if (x !== null && next !== undefined) {
      xs.push(x.slice());
      ys.push(Math.log(next.close / b.close));
    }
  });
}
const M = xs.length;

/** ns per (update + predict), median of ROUNDS, all SERIES models interleaved per step. */
function timeModels(make: () => OnlineModel): { median: number; min: number; max: number } {
  const results: number[] = [];
  let sink = 0;
  for (let r = 0; r <= ROUNDS; r++) {
    const models = Array.from({ length: SERIES }, make);
    const offsets = Array.from({ length: SERIES }, (_, s) => (s * 997) % (M - STEPS - 1));
    const t0 = process.hrtime.bigint();
    for (let step = 0; step < STEPS; step++) {
      for (let s = 0; s < SERIES; s++) {
        const i = (offsets[s] ?? 0) + step;
        const m = models[s] as OnlineModel;
        m.update(xs[i] as Float64Array, ys[i] as number);
        sink += m.predict(xs[i + 1] as Float64Array)?.return ?? 0;
      }
    }
    const ns = Number(process.hrtime.bigint() - t0) / (STEPS * SERIES);
    if (r > 0) results.push(ns); // round 0 warms the JIT
  }
  if (Number.isNaN(sink)) process.stdout.write('(sink NaN)\n');
  results.sort((a, b) => a - b);
  return { median: results[Math.floor(results.length / 2)] ?? NaN, min: results[0] ?? NaN, max: results.at(-1) ?? NaN };
}

/** The whole per-bar path for SERIES forecasters, each on its own stretch of real bars. */
function timeForecasters(): { median: number; min: number; max: number; heapMiB: number } {
  const bars = first.bars;
  const inds = sets.get(first.symbol) ?? [];
  const warm = 200;
  const timed = Math.min(STEPS, 500);
  const results: number[] = [];
  let heapMiB = NaN;
  let sink = 0;
  for (let r = 0; r <= Math.min(ROUNDS, 3); r++) {
    gc();
    // typed arrays live outside the JS heap: count both
    const mem = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const heap0 = mem();
    const fs = Array.from({ length: SERIES }, () => new SeriesForecaster({ instrument: 'bench', interval: '1m' }));
    const offsets = Array.from({ length: SERIES }, (_, s) => (s * 53) % (bars.length - warm - timed));
    const feed = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        for (let s = 0; s < SERIES; s++) {
          const k = (offsets[s] ?? 0) + i;
          const f = (fs[s] as SeriesForecaster).onBar(bars[k] as Bar, inds[k] as IndicatorSet);
          sink += f?.forecasts.length ?? 0;
        }
      }
    };
    feed(0, warm);
    gc();
    // Round 0 only: a previous round's typed arrays are freed by a background sweeper, maybe during this one.
    if (r === 0) heapMiB = (mem() - heap0) / 2 ** 20; // while `fs` is still in use below
    const t0 = process.hrtime.bigint();
    feed(warm, warm + timed);
    const ns = Number(process.hrtime.bigint() - t0) / (timed * SERIES);
    if (r > 0) results.push(ns);
  }
  if (sink < 0) process.stdout.write('(sink)\n');
  results.sort((a, b) => a - b);
  return { median: results[Math.floor(results.length / 2)] ?? NaN, min: results[0] ?? NaN, max: results.at(-1) ?? NaN, heapMiB };
}

const rls = timeModels(() => new RecursiveLeastSquares({ dim: FEATURE_COUNT }));
const logistic = timeModels(() => new OnlineLogistic({ dim: FEATURE_COUNT }));
const whole = timeForecasters();
const us = (ns: number) => Math.round(ns) / 1000;
report(
  'Online models: update + predict per bar, 600 series interleaved',
  [
    {
      what: 'RLS (ridge, lambda 0.999): update + predict',
      features: FEATURE_COUNT,
      'median µs/bar': us(rls.median),
      'min µs/bar': us(rls.min),
      'max µs/bar': us(rls.max),
      series: SERIES,
      'bars per series': STEPS,
    },
    {
      what: 'logistic (AdaGrad + L2): update + predict',
      features: FEATURE_COUNT,
      'median µs/bar': us(logistic.median),
      'min µs/bar': us(logistic.min),
      'max µs/bar': us(logistic.max),
      series: SERIES,
      'bars per series': STEPS,
    },
    {
      what: `SeriesForecaster.onBar: features + 5 models + scoring + champion (memory ≈ ${whole.heapMiB.toFixed(0)} MiB for ${SERIES} series)`,
      features: FEATURE_COUNT,
      'median µs/bar': us(whole.median),
      'min µs/bar': us(whole.min),
      'max µs/bar': us(whole.max),
      series: SERIES,
      'bars per series': Math.min(STEPS, 500),
    },
  ],
  [
    `100 instruments × 6 intervals = ${SERIES} series, each with its own model; per bar every series gets one label (update) and one forecast (predict), series interleaved, on real feature vectors from ${first.symbol} 1m (${M} vectors, each series at its own offset)`,
    'target: ≤ 50 µs per bar for the linear models (issue #6)',
    `median of ${ROUNDS} rounds after a JIT warm-up round; SeriesForecaster rows: ${Math.min(ROUNDS, 3)} rounds, 200 warm-up bars per series untimed; memory = JS heap + typed arrays after the warm-up bars, after gc; most of it is each series' prequential history (2000 steps × 5 models) and AUC bins`,
    LOAD_AT_START,
    'command: `node --import tsx bench/models.bench.ts` (or `npm run bench -- models`)',
  ],
);

// ---- 2. prequential on real bars -----------------------------------------------------------

const fmt = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const rows: Row[] = [];
const variantRows: Row[] = [];
const champions: string[] = [];

function runMonth(symbol: string, bars: readonly Bar[], inds: readonly IndicatorSet[], models: OnlineModel[]) {
  const sf = new SeriesForecaster({
    instrument: `binance:${symbol}`,
    interval: '1m',
    models,
    // keep every step so the DM test below covers the whole month; the champion still looks at the default 2000
    prequential: { history: bars.length, window: 1440 },
    champion: { lookback: 2000 },
  });
  bars.forEach((b, t) => sf.onBar(b, inds[t] as IndicatorSet));
  return sf;
}

for (const { symbol, bars } of months) {
  const inds = sets.get(symbol) ?? [];
  const t0 = process.hrtime.bigint();
  const sf = runMonth(symbol, bars, inds, defaultModels());
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  const pq = sf.prequential;
  const zeroSq = pq.losses('zero', 'squared');
  const driftLl = pq.losses('drift', 'logLoss');
  const rw = pq.report().find((r) => r.model === 'zero');
  for (const r of pq.report()) {
    const c = r.cumulative;
    const dm = r.model === 'zero' ? null : dieboldMariano(zeroSq, pq.losses(r.model, 'squared'), { alternative: 'greater' });
    const dmLl =
      r.model === 'zero' || r.model === 'drift' ? null : dieboldMariano(driftLl, pq.losses(r.model, 'logLoss'), { alternative: 'greater' });
    rows.push({
      month: `${symbol} 1m 2026-02`,
      model: r.model,
      scored: c.n,
      'RMSE bp': fmt(c.rmse * 1e4, 4),
      'RMSE / RW': fmt(c.rmse / (rw?.cumulative.rmse ?? NaN), 5),
      'MAE bp': fmt(c.mae * 1e4, 4),
      'dir. acc.': fmt(c.directionalAccuracy, 4),
      'log loss': fmt(c.logLoss, 5),
      Brier: fmt(c.brier, 5),
      AUC: fmt(c.auc, 4),
      'DM sq. loss': dm === null ? '' : fmt(dm.statistic, 2),
      'p sq. loss': dm === null ? '' : fmt(dm.pValue, 4),
      'DM log loss vs drift': dmLl === null ? '' : fmt(dmLl.statistic, 2),
      'p log loss': dmLl === null ? '' : fmt(dmLl.pValue, 4),
      'rolling 1440 RMSE / RW': fmt(r.rolling.rmse / (rw?.rolling.rmse ?? NaN), 5),
    });
  }
  const changes = sf.champion.changes;
  champions.push(
    `${symbol}: champion at the end of the month ${sf.champion.name}; ${changes.length} change(s)${changes.length ? ': ' + changes.map((c) => `step ${c.step} ${c.from} → ${c.to} (p ${c.pValue?.toFixed(3) ?? 'n/a'})`).join(', ') : ''}; ${sec.toFixed(2)} s for ${bars.length} bars incl. everything`,
  );

  // Sensitivity, not tuning: the defaults above were fixed before any of these runs.
  const variants: OnlineModel[] = [
    ...defaultModels().slice(0, 1),
    new RecursiveLeastSquares({ dim: FEATURE_COUNT, name: 'rls λ=0.99', lambda: 0.99, ridge: 10 }),
    new RecursiveLeastSquares({ dim: FEATURE_COUNT, name: 'rls λ=0.999 (default)', lambda: 0.999, ridge: 10 }),
    new RecursiveLeastSquares({ dim: FEATURE_COUNT, name: 'rls λ=0.9999', lambda: 0.9999, ridge: 10 }),
    new RecursiveLeastSquares({ dim: FEATURE_COUNT, name: 'rls λ=1', lambda: 1, ridge: 10 }),
    new RecursiveLeastSquares({ dim: FEATURE_COUNT, name: 'rls λ=1 δ=1000', lambda: 1, ridge: 1000 }),
    new OnlineLogistic({ dim: FEATURE_COUNT, name: 'logistic η=0.01', learningRate: 0.01 }),
    new OnlineLogistic({ dim: FEATURE_COUNT, name: 'logistic η=0.05 (default)' }),
    new OnlineLogistic({ dim: FEATURE_COUNT, name: 'logistic η=0.2', learningRate: 0.2 }),
  ];
  const v = runMonth(symbol, bars, inds, variants).prequential;
  const vzero = v.losses('zero', 'squared');
  const vrw = v.report()[0]?.cumulative.rmse ?? NaN;
  for (const r of v.report().slice(1)) {
    const dm = dieboldMariano(vzero, v.losses(r.model, 'squared'), { alternative: 'greater' });
    variantRows.push({
      month: `${symbol} 1m 2026-02`,
      model: r.model,
      'RMSE / RW': fmt(r.cumulative.rmse / vrw, 5),
      'dir. acc.': fmt(r.cumulative.directionalAccuracy, 4),
      'log loss': fmt(r.cumulative.logLoss, 5),
      AUC: fmt(r.cumulative.auc, 4),
      'DM sq. loss': fmt(dm.statistic, 2),
      'p sq. loss': fmt(dm.pValue, 4),
    });
  }
}

report('Online models: prequential (test-then-train) on real 1m klines, vs the random walk', rows, [
  'every model forecasts the next 1m log return and P(up) at each bar close from features of that bar and earlier ones, is scored when the next bar closes, then learns from it; all models scored on the same steps (from the first feature vector, bar 83)',
  'RW = zero-return baseline (random walk). RMSE / RW < 1 means better than the random walk. DM sq. loss: Diebold–Mariano statistic of the model against the RW on squared error over the whole month (Newey–West, h = 1), positive when the model has the lower loss; p one-sided (H1: the model is better)',
  'DM log loss vs drift: the same on log loss against the drift baseline, whose P(up) is the running share of up bars. The RW says P(up) = 1/2 (log loss ln 2 = 0.69315), which flat bars make beatable by the base rate alone, so the base rate, not the RW, is the bar for P(up)',
  'direction accuracy counts a zero forecast as 1/2 and leaves out flat bars (on a 0.01 tick many 1m bars close flat; "up" means return > 0, so P(up) < 1/2 is the climatological answer)',
  'AUC: cumulative, binned (src/models/metrics.ts BinnedAuc)',
  ...champions,
  'models: zero, drift, sign-persistence (3-state), rls (λ 0.999, δ 10), logistic (AdaGrad η 0.05, L2 1e-4) on 18 standardized features (src/models/features.ts)',
]);
report('Online models: sensitivity of RLS and logistic to their settings (same months, not used to pick defaults)', variantRows, [
  'each variant is scored alongside the random walk in its own prequential run; same features and bars as the table above',
]);
