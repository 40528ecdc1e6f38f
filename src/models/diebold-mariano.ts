import { TickflowError } from '../core/index.js';
import { normalCdf } from './normal.js';

export type DmAlternative = 'two-sided' | 'less' | 'greater';

export interface DmOptions {
  /** Forecast horizon in steps. Default 1. */
  readonly h?: number;
  /** Newey-West bandwidth (autocovariance lags, Bartlett weights). Default h - 1, the lags an h-step forecast's errors are correlated over. */
  readonly lags?: number;
  /**
   * 'less': A's expected loss is below B's (A is better); 'greater': above; 'two-sided': they
   * differ. Default 'two-sided'.
   */
  readonly alternative?: DmAlternative;
  /**
   * Harvey, Leybourne and Newbold (1997) small-sample factor sqrt((T + 1 - 2h + h(h - 1) / T) / T)
   * on the statistic (still referred to the normal here). Default false.
   */
  readonly smallSample?: boolean;
}

export interface DmResult {
  /** Pairs used: those where both losses are finite. */
  readonly n: number;
  /** Mean loss differential, mean(A - B): negative when A did better. */
  readonly meanDiff: number;
  /** Newey-West long-run variance of the differential (the variance of its mean is this / n). */
  readonly longRunVariance: number;
  readonly statistic: number;
  readonly pValue: number;
  readonly lags: number;
}

/**
 * Diebold-Mariano test of equal predictive accuracy (Diebold and Mariano, JBES 13, 1995) on two
 * aligned loss series: d_t = lossA_t - lossB_t, DM = mean(d) / sqrt(LRV / n), with LRV the
 * Newey-West (Econometrica 55, 1987) estimate gamma_0 + 2 sum_{k=1..L} (1 - k / (L + 1)) gamma_k,
 * gamma_k = (1/n) sum_t (d_t - mean)(d_{t-k} - mean). Asymptotically N(0, 1) under the null.
 *
 * Pairs where either loss is NaN (a model that had no forecast that step) are dropped. With
 * LRV = 0 (identical differentials) the statistic is 0 if they are all 0, else +-Infinity.
 * Fewer than 2 pairs: statistic and p-value NaN.
 */
export function dieboldMariano(lossA: ArrayLike<number>, lossB: ArrayLike<number>, options: DmOptions = {}): DmResult {
  const h = options.h ?? 1;
  if (!Number.isInteger(h) || h < 1) throw new TickflowError('CONFIG_INVALID', `DM horizon h must be a positive integer, got ${h}`);
  const lags = options.lags ?? h - 1;
  if (!Number.isInteger(lags) || lags < 0) throw new TickflowError('CONFIG_INVALID', `DM lags must be a non-negative integer, got ${lags}`);
  if (lossA.length !== lossB.length)
    throw new TickflowError('INTERNAL', `DM: loss series of different lengths (${lossA.length}, ${lossB.length})`);
  const alternative = options.alternative ?? 'two-sided';

  const d = new Float64Array(lossA.length);
  let n = 0;
  let sum = 0;
  for (let i = 0; i < lossA.length; i++) {
    const v = (lossA[i] ?? NaN) - (lossB[i] ?? NaN);
    if (Number.isFinite(v)) {
      d[n++] = v;
      sum += v;
    }
  }
  if (n < 2) return { n, meanDiff: n === 1 ? sum : NaN, longRunVariance: NaN, statistic: NaN, pValue: NaN, lags };
  const mean = sum / n;
  for (let i = 0; i < n; i++) d[i] = (d[i] ?? 0) - mean;
  const maxLag = Math.min(lags, n - 1);
  let lrv = 0;
  for (let k = 0; k <= maxLag; k++) {
    let g = 0;
    for (let t = k; t < n; t++) g += (d[t] ?? 0) * (d[t - k] ?? 0);
    g /= n;
    lrv += k === 0 ? g : 2 * (1 - k / (maxLag + 1)) * g;
  }
  let statistic: number;
  if (lrv > 0) statistic = mean / Math.sqrt(lrv / n);
  else statistic = mean === 0 ? 0 : mean > 0 ? Infinity : -Infinity;
  if (options.smallSample === true) statistic *= Math.sqrt((n + 1 - 2 * h + (h * (h - 1)) / n) / n);
  const pValue =
    alternative === 'less'
      ? normalCdf(statistic)
      : alternative === 'greater'
        ? normalCdf(-statistic)
        : Math.min(1, 2 * normalCdf(-Math.abs(statistic)));
  return { n, meanDiff: mean, longRunVariance: lrv, statistic, pValue, lags: maxLag };
}
