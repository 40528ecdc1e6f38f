import type { ChampionChange } from '../champion.js';
import { dieboldMariano } from '../diebold-mariano.js';
import { logLoss } from '../metrics.js';
import type { ModelReport } from '../prequential.js';
import { fmtInt, fmtLevel, fmtP, fmtPct } from './format.js';
import type { ScoredSteps } from './step-recorder.js';

/** The random walk: every other model's RMSE and Diebold-Mariano test are against it. */
export const RANDOM_WALK = 'zero';
/**
 * The base rate: drift's P(up) is the share of up bars so far. Against it, not the random walk's
 * 1/2, P(up) forecasts are tested: where many bars close flat, 1/2 is an easy mark to beat.
 */
export const BASE_RATE = 'drift';

/** What a series' forecaster holds at the end of the run. */
export interface SeriesFinal {
  /** The Prequential's report: cumulative test-then-train scores, as the pipeline serves them. */
  readonly reports: readonly ModelReport[];
  /** The model served at the end. */
  readonly champion: string;
  /** Champion changes, oldest first (the Champion keeps its last 100). */
  readonly changes: readonly ChampionChange[];
}

/** A one-sided Diebold-Mariano test of a model against a baseline (`BaselineTest` on squared error). */
export interface BaselineTest {
  /** Steps where both the model and the random walk forecast. */
  readonly n: number;
  /** Mean of (model's squared error - random walk's): negative when the model did better. */
  readonly meanDiff: number | null;
  /** DM statistic (negative: the model's squared error is lower). */
  readonly statistic: number | null;
  /** One-sided p-value of "the model's expected squared error is lower than the random walk's". */
  readonly pValue: number | null;
}

export interface ModelResult {
  readonly model: string;
  readonly kind: string;
  readonly quarantined: boolean;
  readonly quarantineReason: string | null;
  /** Steps scored (the model had a forecast). */
  readonly steps: number;
  readonly rmse: number | null;
  readonly mae: number | null;
  readonly directionalAccuracy: number | null;
  readonly logLoss: number | null;
  readonly brier: number | null;
  /** Cumulative AUC of pUp (binned, as the Prequential computes it). */
  readonly auc: number | null;
  /** 100 * (RMSE / RMSE of the random walk - 1): negative is better. */
  readonly rmseVsRandomWalkPct: number | null;
  /** Null for the random walk itself. */
  readonly dm: BaselineTest | null;
  /** The same test on the log loss of P(up), against drift's base rate; null for drift itself. */
  readonly dmLogLossVsBaseRate: BaselineTest | null;
  /** Its squared error is lower than the random walk's at the run's level (one-sided DM over the whole run). */
  readonly beatsRandomWalk: boolean;
  /** Steps at which it was the champion (its forecast was the one served). */
  readonly championSteps: number;
}

export interface ChampionChangeResult {
  /** Start of the bar whose label triggered the change. */
  readonly time: string | null;
  readonly step: number;
  readonly from: string;
  readonly to: string;
  readonly reason: ChampionChange['reason'];
  readonly statistic: number | null;
  readonly pValue: number | null;
  readonly n: number;
}

export interface SeriesResult {
  readonly instrument: string;
  readonly interval: string;
  readonly bars: number;
  readonly firstBar: string | null;
  readonly lastBar: string | null;
  /** Steps scored: bars whose return had forecasts made at the bar before. */
  readonly steps: number;
  readonly firstStep: string | null;
  readonly lastStep: string | null;
  /** Realized log returns over the scored steps. */
  readonly returns: { readonly mean: number | null; readonly sd: number | null; readonly flatShare: number | null };
  readonly models: readonly ModelResult[];
  readonly champion: string;
  readonly championChanges: readonly ChampionChangeResult[];
  /** Models whose squared error beats the random walk's at `alpha` (one-sided DM, whole run). */
  readonly beatRandomWalk: readonly string[];
  /** Of those, the ones that still do at alpha / (number of models tested): a Bonferroni correction. */
  readonly beatRandomWalkBonferroni: readonly string[];
  /** One sentence in plain words. */
  readonly verdict: string;
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);
const iso = (t: number | undefined): string | null => (t !== undefined && Number.isFinite(t) ? new Date(t).toISOString() : null);

/** Per-step squared error of a model's return forecast; NaN where it had none. */
export function squaredErrors(steps: ScoredSteps, model: number): Float64Array {
  const ret = steps.ret[model] ?? [];
  const out = new Float64Array(steps.y.length);
  for (let i = 0; i < out.length; i++) {
    const e = (steps.y[i] ?? NaN) - (ret[i] ?? NaN);
    out[i] = e * e;
  }
  return out;
}

/** Per-step log loss of a model's P(up); NaN where it had no forecast. */
export function logLosses(steps: ScoredSteps, model: number): Float64Array {
  const p = steps.pUp[model] ?? [];
  const out = new Float64Array(steps.y.length);
  for (let i = 0; i < out.length; i++) {
    const pi = p[i] ?? NaN;
    out[i] = Number.isNaN(pi) ? NaN : logLoss(pi, (steps.y[i] ?? 0) > 0 ? 1 : 0);
  }
  return out;
}

function dmAgainst(loss: Float64Array, base: Float64Array): BaselineTest {
  const d = dieboldMariano(loss, base, { h: 1, alternative: 'less' });
  return { n: d.n, meanDiff: num(d.meanDiff), statistic: num(d.statistic), pValue: num(d.pValue) };
}

/**
 * The result of one series: the pipeline's own cumulative scores per model, and a one-sided
 * Diebold-Mariano test of each model against the random walk on squared error over every step of
 * the run (h = 1, no autocorrelation lags: the test the champion selection runs, on all steps
 * instead of the last `history`).
 */
export function seriesResult(steps: ScoredSteps, final: SeriesFinal, alpha: number): SeriesResult {
  const rwIndex = steps.models.indexOf(RANDOM_WALK);
  const rwLoss = rwIndex >= 0 ? squaredErrors(steps, rwIndex) : null;
  const baseIndex = steps.models.indexOf(BASE_RATE);
  const baseLogLoss = baseIndex >= 0 ? logLosses(steps, baseIndex) : null;
  const rwReport = final.reports.find((r) => r.model === RANDOM_WALK);
  const rwRmse = rwReport?.cumulative.rmse ?? NaN;
  const tested = steps.models.filter((m) => m !== RANDOM_WALK).length;
  const championSteps = new Map<number, number>();
  for (const c of steps.champion) championSteps.set(c, (championSteps.get(c) ?? 0) + 1);

  const models: ModelResult[] = steps.models.map((name, m) => {
    const r = final.reports.find((x) => x.model === name);
    const c = r?.cumulative;
    const dm = name !== RANDOM_WALK && rwLoss !== null ? dmAgainst(squaredErrors(steps, m), rwLoss) : null;
    const dmLogLoss = name !== BASE_RATE && baseLogLoss !== null ? dmAgainst(logLosses(steps, m), baseLogLoss) : null;
    const rmse = c?.rmse ?? NaN;
    return {
      model: name,
      kind: r?.kind ?? name,
      quarantined: r?.quarantined ?? false,
      quarantineReason: r?.quarantineReason ?? null,
      steps: c?.n ?? 0,
      rmse: num(rmse),
      mae: num(c?.mae),
      directionalAccuracy: num(c?.directionalAccuracy),
      logLoss: num(c?.logLoss),
      brier: num(c?.brier),
      auc: num(c?.auc),
      rmseVsRandomWalkPct: name === RANDOM_WALK ? null : num(100 * (rmse / rwRmse - 1)),
      dm,
      dmLogLossVsBaseRate: dmLogLoss,
      beatsRandomWalk: dm !== null && dm.pValue !== null && dm.pValue < alpha && (dm.meanDiff ?? 0) < 0,
      championSteps: championSteps.get(m) ?? 0,
    };
  });

  const n = steps.y.length;
  let sum = 0;
  let flat = 0;
  for (const y of steps.y) {
    sum += y;
    if (y === 0) flat++;
  }
  const mean = n > 0 ? sum / n : NaN;
  let ss = 0;
  for (const y of steps.y) ss += (y - mean) * (y - mean);
  const beat = models.filter((m) => m.beatsRandomWalk);
  const bonferroni = beat.filter((m) => (m.dm?.pValue ?? 1) < alpha / Math.max(1, tested));
  const result: Omit<SeriesResult, 'verdict'> = {
    instrument: steps.instrument,
    interval: steps.interval,
    bars: steps.bars,
    firstBar: iso(steps.firstBar),
    lastBar: iso(steps.lastBar),
    steps: n,
    firstStep: iso(steps.time[0]),
    lastStep: iso(steps.time[n - 1]),
    returns: { mean: num(mean), sd: num(n > 1 ? Math.sqrt(ss / (n - 1)) : NaN), flatShare: num(n > 0 ? flat / n : NaN) },
    models,
    champion: final.champion,
    championChanges: final.changes.map((c) => ({
      time: iso(steps.time[c.step - 1]),
      step: c.step,
      from: c.from,
      to: c.to,
      reason: c.reason,
      statistic: c.statistic,
      pValue: c.pValue,
      n: c.n,
    })),
    beatRandomWalk: beat.map((m) => m.model),
    beatRandomWalkBonferroni: bonferroni.map((m) => m.model),
  };
  return { ...result, verdict: verdictOf(result, alpha, tested) };
}

function verdictOf(r: Omit<SeriesResult, 'verdict'>, alpha: number, tested: number): string {
  if (r.steps === 0) {
    return `not scored: ${r.bars} ${r.interval} bar${r.bars === 1 ? '' : 's'}, too few: with the default features the first forecast is made at bar 84 and scored at bar 85`;
  }
  const level = `the ${fmtLevel(alpha)} level`;
  const how = `one-sided Diebold-Mariano test on squared error over ${fmtInt(r.steps)} steps`;
  const beat = r.models.filter((m) => m.beatsRandomWalk);
  if (beat.length === 0) {
    const closest = r.models
      .filter((m) => m.model !== RANDOM_WALK && m.dm?.statistic !== null && m.dm !== null)
      .sort((a, b) => (a.dm?.statistic ?? 0) - (b.dm?.statistic ?? 0))[0];
    const hint =
      closest === undefined
        ? ''
        : `; the closest is ${closest.model} (RMSE ${fmtPct(closest.rmseVsRandomWalkPct)} vs the random walk, p ${fmtP(closest.dm?.pValue ?? null)})`;
    return `no model beats the random walk at ${level} (${how})${hint}`;
  }
  const names = beat.map(
    (m) =>
      `${m.model} (RMSE ${fmtPct(m.rmseVsRandomWalkPct)}, DM ${m.dm?.statistic?.toFixed(2) ?? 'n/a'}, p ${fmtP(m.dm?.pValue ?? null)})`,
  );
  const survive = new Set(r.beatRandomWalkBonferroni);
  const bonf =
    tested <= 1
      ? ''
      : beat.every((m) => survive.has(m.model))
        ? `; ${beat.length === 1 ? 'it holds' : 'they hold'} at ${fmtLevel(alpha)}/${tested} (Bonferroni over the ${tested} models tested)`
        : survive.size === 0
          ? `; at ${fmtLevel(alpha)}/${tested} (Bonferroni over the ${tested} models tested) none does`
          : `; at ${fmtLevel(alpha)}/${tested} (Bonferroni over the ${tested} models tested) only ${[...survive].join(', ')}`;
  return `${names.join(', ')} ${beat.length === 1 ? 'beats' : 'beat'} the random walk at ${level} (${how})${bonf}`;
}

/** One input file of the run. */
export interface BacktestInput {
  /** As given on the command line. */
  readonly file: string;
  readonly format: string;
  readonly instruments: readonly string[];
  readonly trades: number;
  readonly rejected: number;
  readonly rejectsByReason: Readonly<Record<string, number>>;
  /** Bars whose trade count was too small to reproduce open, high, low and close (see the OHLC synthesizer). */
  readonly synthesisWarnings: number;
}

/** How the models were scored and the champion chosen (the pipeline's settings). */
export interface EvaluationSettings {
  readonly prequential: { readonly window: number; readonly history: number; readonly aucBins: number };
  readonly champion: {
    readonly loss: string;
    readonly alpha: number;
    readonly bonferroni: boolean;
    readonly minObs: number;
    readonly lookback: number;
    readonly checkEvery: number;
    readonly requireCumulative: boolean;
    readonly initial: string;
  };
}

/** `backtest.json`. Same input and settings, same document, but for `generatedAt`. */
export interface BacktestReport {
  readonly tool: 'tickflow backtest';
  readonly version: string;
  readonly generatedAt: string;
  readonly interval: string;
  readonly models: readonly string[];
  /** Level of the one-sided DM tests against the random walk (the champion test's alpha). */
  readonly alpha: number;
  readonly evaluation: EvaluationSettings | null;
  readonly inputs: readonly BacktestInput[];
  readonly series: readonly SeriesResult[];
}
