import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseBarSpec, TickflowError, type BarSpec } from '../../core/index.js';
import { forestModel, MODEL_FACTORIES, type ForecastSeries } from '../../models/index.js';
import {
  StepRecorder,
  chartFileName,
  fileSafe,
  fmtP,
  fmtPct,
  renderChart,
  renderMarkdown,
  renderStepsCsv,
  seriesResult,
  type BacktestInput,
  type BacktestReport,
  type EvaluationSettings,
  type ScoredSteps,
} from '../../models/backtest/index.js';
import { isReplayFormat, openReplay, type ReplayFormat, type ReplaySource } from '../../sources/index.js';
import { Processor, ProcessorOutputs } from '../../stream/index.js';
import type { Config } from '../config.js';
import { analyticsFactory } from '../pipeline/analytics.js';
import { fmtInt, fmtRate, Progress } from '../pipeline/progress.js';
import { VERSION } from '../version.js';

export interface BacktestOptions {
  /** The bar interval the models forecast (a bar spec: 1m, 1d, tick:500, …). */
  readonly interval: string;
  readonly signal?: AbortSignal;
  /** Show progress on stderr (a bar on a terminal, else a line every few seconds). Default false. */
  readonly progress?: boolean;
  /** The report's generation time; default now. */
  readonly now?: () => Date;
}

export interface BacktestRun {
  readonly report: BacktestReport;
  /** Every scored step per series, in the report's series order. */
  readonly steps: readonly ScoredSteps[];
  readonly trades: number;
  readonly elapsedMs: number;
}

/** `--interval`: a usage error (exit 2) when it is not a bar spec. */
export function parseInterval(raw: string): BarSpec {
  try {
    return parseBarSpec(raw);
  } catch (e) {
    throw new TickflowError('USAGE', `--interval '${raw}': ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Without a terminal, progress is a line every few seconds (a CI log, `2> file`), never a redrawn bar. */
class LineProgress {
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly render: () => { fraction: number | undefined; text: string },
    private readonly everyMs = 5000,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      const { fraction, text } = this.render();
      const elapsed = (Date.now() - this.started) / 1000;
      const f = fraction === undefined ? undefined : Math.min(1, Math.max(0, fraction));
      const head = f === undefined ? '' : `${(f * 100).toFixed(1)}% `;
      const eta = f !== undefined && f > 0.01 ? `  ETA ${Math.max(0, (elapsed * (1 - f)) / f).toFixed(0)}s` : '';
      process.stderr.write(`backtest: ${head}${text}${eta}\n`);
    }, this.everyMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * `tickflow backtest`: replays files through the processor in memory (no log, no store) with
 * forecasting on one interval, exactly as the pipeline forecasts: at each final bar every model is
 * scored on it, learns it and forecasts the next one. Collects every scored step from the bars and
 * prediction records and reports each model against the random walk. Deterministic: the same files
 * and settings give the same report but for its `generatedAt`.
 */
export async function backtest(files: readonly string[], cfg: Config, opts: BacktestOptions): Promise<BacktestRun> {
  if (files.length === 0) throw new TickflowError('USAGE', 'backtest needs at least one file');
  const spec = parseInterval(opts.interval);
  const paths = files.map((f) => resolve(f));
  for (const p of paths) {
    if (!existsSync(p)) throw new TickflowError('IO', `input file not found: ${p}`);
    if (!statSync(p).isFile()) throw new TickflowError('IO', `not a file: ${p}`);
  }
  let format: ReplayFormat | undefined;
  if (cfg.format !== 'auto') {
    if (!isReplayFormat(cfg.format))
      throw new TickflowError('CONFIG_INVALID', `--format ${cfg.format}: unknown format; run \`tickflow formats\` for the list`);
    format = cfg.format;
  }
  const signal = opts.signal;
  // Opened up front: a file whose format or instrument cannot be told fails before anything runs.
  const sources: ReplaySource[] = paths.map((p) => openReplay(p, { ...(format ? { format } : {}), ...(signal ? { signal } : {}) }));

  const started = Date.now();
  const series: ForecastSeries[] = [];
  const processor = new Processor({
    intervals: [spec],
    allowedLatenessMs: cfg.lateness,
    idleTimeoutMs: Infinity,
    latePolicy: 'side-output',
    reviseKeep: 64,
    dedupeWindow: 1_000_000,
    windows: [],
    analytics: analyticsFactory([], {
      intervals: [spec.name],
      models: cfg.models,
      alpha: cfg.championAlpha,
      // Metrics and version records are read-outs that change nothing the models do; the report is
      // built from the predictions and the final scores, so they are not made (at every 1d bar a
      // metrics record took most of the run's time).
      metricsEvery: 2 ** 31,
      versionEvery: 2 ** 31,
      onSeries: (s) => series.push(s),
      // a retrained model fits inline here, at fixed labels: a backtest must be reproducible
      factories: { ...MODEL_FACTORIES, forest: (dim) => forestModel(dim, 'sync') },
    }),
  });
  const out = new ProcessorOutputs();
  const recorder = new StepRecorder(spec.name, cfg.models);
  const drain = (): void => {
    const d = out.drain();
    recorder.add(d.bars, d.predictions);
  };

  const sizes = paths.map((p) => statSync(p).size);
  const totalBytes = Math.max(
    1,
    sizes.reduce((a, b) => a + b, 0),
  );
  let doneBytes = 0;
  let current: ReplaySource | undefined;
  let tradesRead = 0;
  const render = (): { fraction: number; text: string } => ({
    fraction: (doneBytes + (current?.progress()?.done ?? 0)) / totalBytes,
    text: `${fmtInt(tradesRead)} trades  ${fmtRate((tradesRead * 1000) / Math.max(1, Date.now() - started))}/s  ${fmtInt(recorder.bars)} ${spec.name} bars  ${fmtInt(recorder.steps)} steps scored`,
  });
  const progress = opts.progress ? (process.stderr.isTTY ? new Progress(render) : new LineProgress(render)).start() : undefined;

  const inputs: BacktestInput[] = [];
  try {
    for (const [k, src] of sources.entries()) {
      current = src;
      const instruments = new Set<string>();
      const rejectsByReason: Record<string, number> = {};
      let trades = 0;
      let rejected = 0;
      for await (const chunk of src) {
        if (signal?.aborted) break;
        processor.process(chunk.trades, out);
        drain();
        tradesRead += chunk.trades.length;
        trades += chunk.trades.length;
        for (const i of chunk.trades.instruments) instruments.add(i);
        for (const r of chunk.rejects) {
          rejected++;
          rejectsByReason[r.reason] = (rejectsByReason[r.reason] ?? 0) + 1;
        }
      }
      if (signal?.aborted) break;
      doneBytes += sizes[k] ?? 0;
      current = undefined;
      inputs.push({
        file: files[k] ?? src.path,
        format: src.format,
        instruments: [...instruments].sort(),
        trades,
        rejected,
        rejectsByReason,
        synthesisWarnings: src.synthesisWarnings(),
      });
    }
  } finally {
    progress?.stop();
  }
  if (signal?.aborted) throw new TickflowError('UNAVAILABLE', 'backtest interrupted before the end of its input; no report written');
  // End of input: the last open bar of each instrument is final, as at the end of a replay.
  processor.finish(out);
  drain();

  const steps = recorder.all();
  const first = series[0];
  const report: BacktestReport = {
    tool: 'tickflow backtest',
    version: VERSION,
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    interval: spec.name,
    models: [...cfg.models],
    alpha: cfg.championAlpha,
    evaluation: first === undefined ? null : evaluationOf(first),
    inputs,
    series: steps.map((s) => {
      const fs = series.find((x) => x.instrument === s.instrument && x.interval === s.interval);
      if (fs === undefined) throw new TickflowError('INTERNAL', `no forecasting series for ${s.instrument} ${s.interval}`);
      const final = { reports: fs.forecaster.report(), champion: fs.champion, changes: fs.forecaster.champion.changes };
      return seriesResult(s, final, cfg.championAlpha);
    }),
  };
  return { report, steps, trades: tradesRead, elapsedMs: Date.now() - started };
}

function evaluationOf(fs: ForecastSeries): EvaluationSettings {
  const p = fs.forecaster.prequential;
  const c = fs.forecaster.champion;
  return {
    prequential: { window: p.window, history: p.history, aucBins: p.aucBins },
    champion: {
      loss: c.loss,
      alpha: c.alpha,
      bonferroni: c.bonferroni,
      minObs: c.minObs,
      lookback: c.lookback,
      checkEvery: c.checkEvery,
      requireCumulative: c.requireCumulative,
      initial: c.initial,
    },
  };
}

/**
 * Writes `backtest.md`, `backtest.json` and a chart per scored series (`<instrument>.svg`, the
 * colon made `_`) into `dir`, and with `steps` every scored step as `<instrument>.steps.csv`.
 * Returns the paths written.
 */
export function writeBacktest(run: BacktestRun, dir: string, opts: { steps?: boolean } = {}): string[] {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new TickflowError('IO', `cannot create the report directory ${dir}: ${(e as Error).message}`);
  }
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    const p = join(dir, name);
    writeFileSync(p, text);
    written.push(p);
  };
  write('backtest.md', renderMarkdown(run.report));
  write('backtest.json', `${JSON.stringify(run.report, null, 2)}\n`);
  run.report.series.forEach((s, k) => {
    const st = run.steps[k];
    if (st === undefined || s.steps === 0) return;
    const notes: Record<string, string> = {};
    for (const m of s.models) if (m.dm !== null) notes[m.model] = `RMSE ${fmtPct(m.rmseVsRandomWalkPct)} vs RW, p ${fmtP(m.dm.pValue)}`;
    write(chartFileName(s.instrument), renderChart(st, { notes, changes: s.championChanges.map((c) => ({ step: c.step, to: c.to })) }));
    if (opts.steps) write(`${fileSafe(s.instrument)}.steps.csv`, renderStepsCsv(st));
  });
  return written;
}
