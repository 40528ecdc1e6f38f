// The retrained forest (src/models/forest): does a refit delay bar output? Real 1m kline bars go
// through SeriesForecaster.onBar at a fixed rate, as the stream would call it at each bar close,
// and each bar's latency is measured with the forest refitting on its worker thread all the time,
// with no refit running, with no forest at all, and with the fit inline (sync mode) for contrast.
// Run: node --import tsx bench/retrain.bench.ts [bars=30000] [rate=1000]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Bar, IndicatorSet } from '../src/core/index.js';
import { FEATURE_COUNT, ForestModel, SeriesForecaster, WorkerRetrainer, defaultModels, type ForestEvent } from '../src/models/index.js';
import { report, type Row } from './report.js';
import { indicatorSets, loadKlineBars } from '../test/models/kline-bars.js';

const BARS = Number(process.argv[2] ?? 30_000);
const RATE = Number(process.argv[3] ?? 1000);
const SYMBOL = 'LTCUSDT';
const LOAD_AT_START = `load average ${(loadavg()[0] ?? NaN).toFixed(1)} on ${cpus().length} cores when the run began (a shared host: other work inflates the times)`;

const loaded = loadKlineBars(`binance-klines-1m/${SYMBOL}-1m-2026-02.csv`, `binance:${SYMBOL}`);
if (loaded === undefined) {
  process.stderr.write('no kline file under the shared data: nothing to measure\n');
  process.exit(1);
}
const bars: readonly Bar[] = loaded;
const sets = indicatorSets(bars, `binance:${SYMBOL}`);
const WARM = 2300; // features warm up (~80 bars), then the forest's 2000-row window fills
if (bars.length < WARM + BARS) {
  process.stderr.write(`need ${WARM + BARS} bars, the month has ${bars.length}\n`);
  process.exit(1);
}

interface Scenario {
  readonly what: string;
  readonly forest: ForestModel | null;
  /** Wait for this version before the paced phase (so a forest forecasts throughout). */
  readonly readyAt: number;
}

interface Result {
  readonly procUs: Float64Array;
  readonly emitUs: Float64Array;
  readonly fitMs: number[];
  readonly versions: number;
  readonly failures: number;
}

const pct = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

async function run(s: Scenario, fitMs: number[]): Promise<Result> {
  const models = defaultModels();
  if (s.forest !== null) models.push(s.forest);
  const sf = new SeriesForecaster({ instrument: `binance:${SYMBOL}`, interval: '1m', models });
  let i = 0;
  for (; i < WARM; i++) sf.onBar(bars[i] as Bar, sets[i] as IndicatorSet);
  const f = s.forest;
  if (f !== null) {
    const deadline = Date.now() + 600_000;
    while (f.version < s.readyAt) {
      if (Date.now() > deadline) throw new Error(`${s.what}: no version ${s.readyAt} within 10 minutes`);
      await new Promise((r) => setTimeout(r, 20));
      f.predict(new Float64Array(FEATURE_COUNT)); // installs an arrived fit
    }
  }
  fitMs.length = 0;
  const v0 = f?.version ?? 0;
  const failures0 = f?.failedFits ?? 0;
  const procUs = new Float64Array(BARS);
  const emitUs = new Float64Array(BARS);
  const period = 1000 / RATE;
  const t0 = performance.now();
  let sink = 0;
  for (let k = 0; k < BARS; k++, i++) {
    const due = t0 + k * period;
    // Yield until the bar is due: worker messages are delivered here, as between real bars.
    while (performance.now() < due) await yieldToLoop();
    const start = performance.now();
    const out = sf.onBar(bars[i] as Bar, sets[i] as IndicatorSet);
    const end = performance.now();
    sink += out?.forecasts.length ?? 0;
    procUs[k] = (end - start) * 1000;
    emitUs[k] = (end - due) * 1000;
  }
  if (sink < 0) process.stdout.write('(sink)\n');
  // its queued and running fits would otherwise compete with the next scenario for the CPU
  if (f !== null) retrainer.cancel(f);
  return {
    procUs: procUs.sort(),
    emitUs: emitUs.sort(),
    fitMs: [...fitMs],
    versions: (f?.version ?? 0) - v0,
    failures: (f?.failedFits ?? 0) - failures0,
  };
}

const retrainer = new WorkerRetrainer();
const fitMs: number[] = [];
const onEvent = (e: ForestEvent) => {
  if (e.type === 'fitted') fitMs.push(e.fitMs);
};
const forest = (extra: { retrainEvery: number; mode?: 'sync'; trial?: number; window?: number; minRows?: number }) =>
  new ForestModel({ dim: FEATURE_COUNT, ...(extra.mode === 'sync' ? { mode: 'sync' } : { retrainer }), onEvent, ...extra });

// Continuous: a fit is asked for every 50 labels, so the worker always has the next one queued.
const scenarios: Scenario[] = [
  { what: 'default models, no forest', forest: null, readyAt: 0 },
  { what: 'forest serving, no refit running (worker idle)', forest: forest({ retrainEvery: 1_000_000 }), readyAt: 1 },
  { what: 'forest refitting continuously on the worker', forest: forest({ retrainEvery: 50, trial: 0 }), readyAt: 1 },
  {
    what: 'forest refitting continuously on the worker, window 500 (fits finish within the run)',
    forest: forest({ retrainEvery: 50, trial: 0, window: 500 }),
    readyAt: 1,
  },
  { what: 'forest refitting inline (sync mode) once during the run', forest: forest({ retrainEvery: 20_000, mode: 'sync' }), readyAt: 1 },
];

const rows: Row[] = [];
const notes: string[] = [];
for (const s of scenarios) {
  process.stderr.write(`${s.what}...\n`);
  const r = await run(s, fitMs);
  const fits = [...r.fitMs].sort((a, b) => a - b);
  rows.push({
    scenario: s.what,
    bars: BARS,
    'p50 µs': Math.round(pct(r.procUs, 0.5)),
    'p99 µs': Math.round(pct(r.procUs, 0.99)),
    'max µs': Math.round(pct(r.procUs, 1)),
    'emit p50 µs': Math.round(pct(r.emitUs, 0.5)),
    'emit p99 µs': Math.round(pct(r.emitUs, 0.99)),
    'emit max µs': Math.round(pct(r.emitUs, 1)),
    'versions installed': r.versions,
    'fits done': fits.length,
    'fit ms p50': fits.length > 0 ? Math.round(fits[Math.floor(fits.length / 2)] ?? NaN) : '',
    'fit ms max': fits.length > 0 ? Math.round(fits.at(-1) ?? NaN) : '',
  });
  if (r.failures > 0) notes.push(`${s.what}: ${r.failures} fit(s) failed`);
}

// Checkpoint size at the default settings, with a full window and a version serving.
const probe = new ForestModel({ dim: FEATURE_COUNT, mode: 'sync', retrainEvery: 1_000_000 });
{
  const sf = new SeriesForecaster({ instrument: `binance:${SYMBOL}`, interval: '1m', models: [...defaultModels(), probe] });
  for (let i = 0; i < WARM; i++) sf.onBar(bars[i] as Bar, sets[i] as IndicatorSet);
}
const stateBytes = JSON.stringify(probe.toJSON()).length;
const forestBytes = JSON.stringify(probe.toJSON().serving?.forest ?? null).length;
await retrainer.close();

report('Retrained forest: bar latency while a refit runs (SeriesForecaster.onBar, real 1m bars)', rows, [
  `${BARS} real ${SYMBOL} 1m bars (2026-02) fed at ${RATE} bars/s through SeriesForecaster.onBar (features, the 5 default models, scoring, champion tests) after ${WARM} warm-up bars; the forest is a 6th model (dim ${FEATURE_COUNT}, window 2000, ${probe.params.trees} trees, depth ${probe.params.maxDepth}, ${probe.params.features} features per tree, minSplit ${probe.params.minSplit})`,
  'p50/p99/max: time inside onBar for the bar. emit: from the time the bar was due to the end of its onBar, so it also counts the loop being late (a worker message being received, GC, a previous bar running over)',
  'continuously: a fit is asked for every 50 labels, and fits take longer than 50 bars, so the worker is busy for the whole run and each arriving version is installed in some bar of it. Installing a version (validating and unpacking it) is part of that bar',
  'sync mode runs the fit inside the bar at the retrain point: its max is the fit time, the stall worker mode exists to avoid',
  `fit ms: wall time of one fit in ml-random-forest (the worker's own clock; 2000 rows × ${FEATURE_COUNT} features at the default window). Checkpoint (toJSON) of a forest model at the default settings with a full window: ${(stateBytes / 1024).toFixed(0)} KiB, of which the fitted forest ${(forestBytes / 1024).toFixed(0)} KiB`,
  LOAD_AT_START,
  'command: `node --import tsx bench/retrain.bench.ts` (or `npm run bench -- retrain`)',
]);
