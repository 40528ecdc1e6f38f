/**
 * What the predictions panel reads off the models' scores and forecasts: which models are
 * baselines, how each compares with the random walk, whether any learned model beats the
 * baselines, and how a live forecast extends the series. Pure, so it is tested without a browser.
 */
import type { ModelSummary, Prediction, PredictionWithOutcome } from './types.js';

/**
 * The baselines every series runs (src/models/forecast-series.ts BASELINE_MODELS; the web bundle
 * takes types only from the server, so the names are repeated here and a test keeps them equal).
 */
export const BASELINES: readonly string[] = ['zero', 'drift', 'sign-persistence'];

/** The baseline the others are measured against: "zero" predicts no change, a random walk. */
export const RANDOM_WALK = 'zero';

/** `--forecast-intervals` by default (src/cli/config.ts). */
export const DEFAULT_FORECAST_INTERVALS: readonly string[] = ['1m', '5m', '15m', '1h', '1d'];

/** Closed bars a series needs before its first forecast: the indicators' and features' warm-up. */
export const WARMUP_BARS = 84;

/**
 * Scored forecasts between two score records of a series: about an hour of bar time, every bar
 * to every 60 bars (src/cli/pipeline/analytics.ts metricsEveryFor). A series has forecasts but no
 * scores (and so no entry in /api/models) until the first record.
 */
export function scoresEvery(intervalMs: number | null): number {
  if (intervalMs === null) return 10;
  return Math.max(1, Math.min(60, Math.round(3_600_000 / intervalMs)));
}

export type ScoreWindow = 'rolling' | 'cumulative';

export function isBaseline(model: string): boolean {
  return BASELINES.includes(model);
}

/** Learned models by name, then the baselines in their fixed order. */
export function displayOrder(models: readonly ModelSummary[]): { learned: ModelSummary[]; baselines: ModelSummary[] } {
  const learned = models.filter((m) => !isBaseline(m.model)).sort((a, b) => a.model.localeCompare(b.model));
  const baselines = BASELINES.flatMap((name) => models.filter((m) => m.model === name));
  return { learned, baselines };
}

/** RMSE relative to the random walk's, as a fraction (−0.01: 1 % lower, better); null when unknown. */
export function vsRandomWalk(models: readonly ModelSummary[], m: ModelSummary, window: ScoreWindow): number | null {
  const rw = models.find((x) => x.model === RANDOM_WALK)?.[window].rmse ?? null;
  const rmse = m[window].rmse;
  if (rw === null || rmse === null || !(rw > 0)) return null;
  return rmse / rw - 1;
}

export interface Verdict {
  /** beats: the best learned model has a lower RMSE than every baseline; behind: it does not. */
  readonly kind: 'beats' | 'behind' | 'baselines-only' | 'unscored';
  /** The learned model with the lowest RMSE (quarantined ones left out). */
  readonly best: ModelSummary | null;
  /** The baseline with the lowest RMSE. */
  readonly bestBaseline: ModelSummary | null;
  /** The best learned model's RMSE relative to the random walk. */
  readonly vsRandomWalk: number | null;
}

const byRmse = (window: ScoreWindow) => (a: ModelSummary, b: ModelSummary) => (a[window].rmse ?? Infinity) - (b[window].rmse ?? Infinity);

/** Whether any learned model beats the baselines, by RMSE over the given window. */
export function verdict(models: readonly ModelSummary[], window: ScoreWindow = 'rolling'): Verdict {
  const scored = models.filter((m) => m[window].rmse !== null);
  const bestBaseline = scored.filter((m) => isBaseline(m.model)).sort(byRmse(window))[0] ?? null;
  const best = scored.filter((m) => !isBaseline(m.model) && m.status !== 'quarantined').sort(byRmse(window))[0] ?? null;
  const learned = models.some((m) => !isBaseline(m.model));
  if (best === null || bestBaseline === null) {
    return { kind: learned || bestBaseline === null ? 'unscored' : 'baselines-only', best, bestBaseline, vsRandomWalk: null };
  }
  const beats = (best[window].rmse ?? Infinity) < (bestBaseline[window].rmse ?? Infinity);
  return { kind: beats ? 'beats' : 'behind', best, bestBaseline, vsRandomWalk: vsRandomWalk(models, best, window) };
}

/**
 * The model drawn beside the champion: the learned model with the lowest rolling RMSE that is
 * not the champion; failing that, the random walk when the champion is a learned model.
 */
export function defaultCompared(models: readonly ModelSummary[]): string | null {
  const candidates = models.filter((m) => m.status !== 'champion' && m.status !== 'quarantined');
  const learned = candidates.filter((m) => !isBaseline(m.model)).sort(byRmse('rolling'))[0];
  if (learned) return learned.model;
  const champion = models.find((m) => m.status === 'champion');
  return champion && !isBaseline(champion.model) && candidates.some((m) => m.model === RANDOM_WALK) ? RANDOM_WALK : null;
}

/**
 * A forecast's direction hit as the scores count it (src/models/metrics.ts directionHit): 1 when
 * the forecast return has the sign of the actual one, 0 when not, ½ for a forecast of no change;
 * null for no move, which is not counted.
 */
export function directionHit(forecast: number, actual: number): 1 | 0.5 | 0 | null {
  if (actual === 0) return null;
  if (forecast === 0) return 0.5;
  return forecast > 0 === actual > 0 ? 1 : 0;
}

/**
 * A series of forecasts (oldest first, one per bar) with a live one added. The live forecast was
 * made at the close of the series' next bar, so it also gives the previous forecast its outcome,
 * as the API would once the bar is stored. Keeps the newest `limit`.
 */
export function withLive(rows: readonly PredictionWithOutcome[], p: Prediction, limit: number): PredictionWithOutcome[] {
  const next = rows.filter((r) => r.start !== p.start);
  let at = next.length;
  while (at > 0 && (next[at - 1]?.start ?? 0) > p.start) at--;
  const prev = next[at - 1];
  if (prev && prev.outcome === null && prev.close > 0 && p.close > 0) {
    const ret = Math.log(p.close / prev.close);
    next[at - 1] = { ...prev, outcome: { start: p.start, close: p.close, return: ret, error: ret - prev.return } };
  }
  const later = next[at];
  const outcome =
    later && p.close > 0 && later.close > 0
      ? {
          start: later.start,
          close: later.close,
          return: Math.log(later.close / p.close),
          error: Math.log(later.close / p.close) - p.return,
        }
      : null;
  next.splice(at, 0, { ...p, outcome });
  return next.slice(-limit);
}
