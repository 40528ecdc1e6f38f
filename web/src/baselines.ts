/**
 * The naive forecasts every model is measured against (DESIGN.md, Models): "zero return" (the
 * price stays) and "drift" (the mean return so far), scored prequentially on closed bars.
 * Pure, so it is tested without a browser.
 */
import type { Bar } from './types.js';

export interface BaselineScores {
  /** Bars scored (returns predicted). */
  readonly n: number;
  /** Mean absolute error of the log return predicted as 0 (price stays). */
  readonly zeroMae: number;
  /** Mean absolute error of the log return predicted as the mean of the previous returns. */
  readonly driftMae: number;
  /** How often the drift's sign matched the next return's (returns of exactly 0 left out). */
  readonly driftHitRate: number | null;
}

/**
 * Prequential scores of the two baselines over final bars (oldest first): each bar's log return
 * is predicted from the returns before it only.
 */
export function baselineScores(bars: readonly Bar[]): BaselineScores | null {
  const closes = bars.filter((b) => b.final && b.close > 0).map((b) => b.close);
  let sum = 0;
  let count = 0;
  let zero = 0;
  let drift = 0;
  let hits = 0;
  let signed = 0;
  let n = 0;
  for (let i = 1; i < closes.length; i++) {
    const prev = closes[i - 1] ?? 0;
    const r = Math.log((closes[i] ?? prev) / prev);
    if (count > 0) {
      const mean = sum / count;
      zero += Math.abs(r);
      drift += Math.abs(r - mean);
      if (r !== 0 && mean !== 0) {
        signed++;
        if (Math.sign(r) === Math.sign(mean)) hits++;
      }
      n++;
    }
    sum += r;
    count++;
  }
  if (n === 0) return null;
  return { n, zeroMae: zero / n, driftMae: drift / n, driftHitRate: signed > 0 ? hits / signed : null };
}
