import { TickflowError } from '../../core/index.js';

export interface RegressionMetrics {
  readonly rows: number;
  /** Root mean squared error, in the target's unit (price). */
  readonly rmse: number;
  /** Mean absolute error, in the target's unit. */
  readonly mae: number;
  /** 1 − SS_res / SS_tot around the set's own mean; null when the actual values are all equal. */
  readonly r2: number | null;
}

export function regressionMetrics(actual: readonly number[], predicted: readonly number[]): RegressionMetrics {
  const n = actual.length;
  if (n === 0 || predicted.length !== n) {
    throw new TickflowError('INTERNAL', `regressionMetrics: ${n} actual and ${predicted.length} predicted values`);
  }
  let mean = 0;
  for (const a of actual) mean += a;
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const a = actual[i] ?? NaN;
    const e = a - (predicted[i] ?? NaN);
    sse += e * e;
    sae += Math.abs(e);
    sst += (a - mean) ** 2;
  }
  return { rows: n, rmse: Math.sqrt(sse / n), mae: sae / n, r2: sst > 0 ? 1 - sse / sst : null };
}
