import { TickflowError } from '../core/index.js';

/** Probabilities are clipped to [PROB_EPS, 1 - PROB_EPS] in the log loss, so a confident miss costs ~34.5, not Infinity. */
export const PROB_EPS = 1e-15;

/** -ln P(observed outcome); up is 1 when the return was > 0, else 0. */
export function logLoss(pUp: number, up: number): number {
  const p = pUp < PROB_EPS ? PROB_EPS : pUp > 1 - PROB_EPS ? 1 - PROB_EPS : pUp;
  return up === 1 ? -Math.log(p) : -Math.log(1 - p);
}

export function brier(pUp: number, up: number): number {
  const d = pUp - up;
  return d * d;
}

/**
 * Direction score of a return forecast: 1 if it has the sign of the realized return, 0 if the
 * opposite, 1/2 if the forecast is exactly 0 (no call: the random walk scores 1/2), NaN when the
 * realized return is 0 (no direction to call; left out of the accuracy).
 */
export function directionHit(forecast: number, realized: number): number {
  if (realized === 0) return NaN;
  if (forecast === 0) return 0.5;
  return forecast > 0 === realized > 0 ? 1 : 0;
}

/**
 * Exact area under the ROC curve by the rank statistic (Mann-Whitney U / (P N)), tied scores
 * taking their mid-rank, so a positive-negative pair with equal scores counts 1/2. Labels are 1 for
 * positive, anything else negative. NaN without both classes.
 */
export function aucExact(scores: ArrayLike<number>, labels: ArrayLike<number>, length = scores.length): number {
  if (labels.length < length || scores.length < length) throw new TickflowError('INTERNAL', 'aucExact: fewer scores or labels than length');
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  order.sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < length) {
    const s = scores[order[i] ?? 0] ?? 0;
    let j = i + 1;
    while (j < length && scores[order[j] ?? 0] === s) j++;
    // ranks i+1 .. j share the mid-rank
    const midRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (labels[order[k] ?? 0] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j;
  }
  const negatives = length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * AUC over an unbounded stream in bounded memory: counts of positives and negatives per bin of
 * the score's logit, uniform over [-range, range] (scores beyond go to the end bins). Pairs in the
 * same bin count 1/2, as exact ties do, so the result is the exact AUC when no two different scores
 * share a bin; otherwise the error is at most half the share of pairs that do (`sharedBinPairs`).
 * The default 1024 bins over [-4, 4] are 0.0078 wide in logit, 0.002 in probability near 1/2.
 */
export class BinnedAuc {
  readonly bins: number;
  readonly range: number;
  /**
   * Counts of the bins `lo` .. `lo + width - 1` only, as 32-bit integers (no series scores 4e9
   * bars): positives per bin, then negatives per bin. A model's scores fall in few bins (a
   * baseline's always in one, the learned models' near 1/2), and every forecasting series keeps
   * one of these per model: all 1,024 bins of each (8 KB) were 40 MB per 1,000 series and
   * interval once scored (120 MB for 1,000 instruments after a day, 200 MB once every interval
   * forecasts). Allocated at the first score and widened (at least doubling) when a score falls
   * outside.
   */
  private counts: Uint32Array | null = null;
  private lo = 0;
  private width = 0;

  constructor(bins = 1024, range = 4) {
    if (!Number.isInteger(bins) || bins < 2) throw new TickflowError('CONFIG_INVALID', `AUC bins must be an integer >= 2, got ${bins}`);
    if (!(range > 0)) throw new TickflowError('CONFIG_INVALID', `AUC logit range must be > 0, got ${range}`);
    this.bins = bins;
    this.range = range;
  }

  /** Bins held now (for tests and memory accounting). */
  get heldBins(): number {
    return this.width;
  }

  /** The counts with bin `b` covered. */
  private cover(b: number): Uint32Array {
    const c = this.counts;
    if (c !== null && b >= this.lo && b < this.lo + this.width) return c;
    let lo: number;
    let hi: number; // exclusive
    if (c === null) {
      lo = Math.max(0, b - 2);
      hi = Math.min(this.bins, b + 3);
    } else {
      const grow = Math.max(this.width, 4);
      lo = b < this.lo ? Math.max(0, Math.min(b, this.lo - grow)) : this.lo;
      hi = b >= this.lo + this.width ? Math.min(this.bins, Math.max(b + 1, this.lo + this.width + grow)) : this.lo + this.width;
    }
    const width = hi - lo;
    const next = new Uint32Array(2 * width);
    if (c !== null) {
      const at = this.lo - lo;
      next.set(c.subarray(0, this.width), at);
      next.set(c.subarray(this.width), width + at);
    }
    this.counts = next;
    this.lo = lo;
    this.width = width;
    return next;
  }

  add(score: number, up: number): void {
    const p = score < PROB_EPS ? PROB_EPS : score > 1 - PROB_EPS ? 1 - PROB_EPS : score;
    const logit = Math.log(p / (1 - p));
    let b = Math.floor(((logit + this.range) / (2 * this.range)) * this.bins);
    if (b < 0) b = 0;
    else if (b >= this.bins) b = this.bins - 1;
    const c = this.cover(b);
    const i = up === 1 ? b - this.lo : this.width + b - this.lo;
    c[i] = (c[i] ?? 0) + 1;
  }

  value(): number {
    const c = this.counts;
    const w = this.width;
    let negBelow = 0;
    let u = 0;
    let P = 0;
    for (let i = 0; c !== null && i < w; i++) {
      const p = c[i] ?? 0;
      const n = c[w + i] ?? 0;
      u += p * (negBelow + n / 2);
      negBelow += n;
      P += p;
    }
    const N = negBelow;
    return P > 0 && N > 0 ? u / (P * N) : NaN;
  }

  /** Sparse counts: [bin, positives, negatives] for every bin that has any. */
  toJSON(): { bins: number; range: number; counts: [number, number, number][] } {
    const counts: [number, number, number][] = [];
    const c = this.counts;
    const w = this.width;
    for (let i = 0; c !== null && i < w; i++) {
      const p = c[i] ?? 0;
      const n = c[w + i] ?? 0;
      if (p > 0 || n > 0) counts.push([this.lo + i, p, n]);
    }
    return { bins: this.bins, range: this.range, counts };
  }

  /** From `toJSON()` output, already schema-checked by the caller; MALFORMED on a bin out of range. */
  static fromJSON(s: { bins: number; range: number; counts: readonly (readonly number[])[] }): BinnedAuc {
    const a = new BinnedAuc(s.bins, s.range);
    for (const [b = -1, p = 0, n = 0] of s.counts) {
      if (!Number.isInteger(b) || b < 0 || b >= s.bins)
        throw new TickflowError('MALFORMED', `AUC state: bin ${b} outside 0..${s.bins - 1}`);
      const c = a.cover(b);
      c[b - a.lo] = p;
      c[a.width + b - a.lo] = n;
    }
    return a;
  }

  /** Share of positive-negative pairs that fell in one bin (scored 1/2, whether tied or not). */
  sharedBinPairs(): number {
    const c = this.counts;
    const w = this.width;
    let shared = 0;
    let P = 0;
    let N = 0;
    for (let i = 0; c !== null && i < w; i++) {
      const p = c[i] ?? 0;
      const n = c[w + i] ?? 0;
      shared += p * n;
      P += p;
      N += n;
    }
    return P > 0 && N > 0 ? shared / (P * N) : NaN;
  }
}
