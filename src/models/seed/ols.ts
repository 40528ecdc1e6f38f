import { TickflowError } from '../../core/index.js';

export interface LinearFit {
  readonly intercept: number;
  /** One per feature column, in the units of the inputs. */
  readonly coefficients: readonly number[];
}

/**
 * Ordinary least squares `y ≈ intercept + x·b` by the normal equations, solved with a Cholesky
 * factorization (the p×p system is symmetric positive definite unless columns are collinear).
 *
 * Columns are centred and scaled to unit variance before the normal equations are formed. The seed's
 * features mix prices (~1e4) with USD volumes (~1e11): raw X'X would span 1e22 to 1e8 and lose the
 * price columns to rounding; standardized, X'X / n is the correlation matrix. Centring also takes
 * the intercept out of the system. Coefficients are mapped back to the input units at the end.
 *
 * Throws DATASET_INVALID when a column is constant or the columns are (numerically) collinear:
 * then no unique fit exists, and the message names the column.
 */
export function fitOls(x: readonly (readonly number[])[], y: readonly number[], names: readonly string[] = []): LinearFit {
  const n = y.length;
  const p = x[0]?.length ?? 0;
  if (x.length !== n) throw new TickflowError('INTERNAL', `fitOls: ${x.length} feature rows for ${n} targets`);
  if (p === 0) throw new TickflowError('INTERNAL', 'fitOls: no feature columns');
  if (n <= p + 1)
    throw new TickflowError('DATASET_INVALID', `${n} rows cannot fit ${p} coefficients and an intercept; need at least ${p + 2}`);
  const name = (j: number): string => names[j] ?? `column ${j}`;

  const mean = new Float64Array(p);
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    const row = x[i] ?? [];
    if (row.length !== p) throw new TickflowError('INTERNAL', `fitOls: row ${i} has ${row.length} features, expected ${p}`);
    for (let j = 0; j < p; j++) mean[j] = (mean[j] ?? NaN) + (row[j] ?? NaN);
    meanY += y[i] ?? NaN;
  }
  for (let j = 0; j < p; j++) mean[j] = (mean[j] ?? NaN) / n;
  meanY /= n;

  const scale = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = x[i] ?? [];
    for (let j = 0; j < p; j++) {
      const d = (row[j] ?? NaN) - (mean[j] ?? NaN);
      scale[j] = (scale[j] ?? NaN) + d * d;
    }
  }
  for (let j = 0; j < p; j++) {
    const sd = Math.sqrt((scale[j] ?? NaN) / n);
    if (!Number.isFinite(sd)) throw new TickflowError('DATASET_INVALID', `${name(j)} has non-finite values`);
    // a spread at rounding level of the mean is a constant column
    if (sd <= 1e-12 * Math.abs(mean[j] ?? 0)) {
      throw new TickflowError(
        'DATASET_INVALID',
        `${name(j)} is constant over the ${n} training rows: its effect cannot be told from the intercept`,
      );
    }
    scale[j] = sd;
  }

  // A = Z'Z / n (the correlation matrix), c = Z'(y - mean y) / n
  const a = new Float64Array(p * p);
  const c = new Float64Array(p);
  const z = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const row = x[i] ?? [];
    for (let j = 0; j < p; j++) z[j] = ((row[j] ?? NaN) - (mean[j] ?? NaN)) / (scale[j] ?? NaN);
    const yc = (y[i] ?? NaN) - meanY;
    for (let j = 0; j < p; j++) {
      const zj = z[j] ?? NaN;
      c[j] = (c[j] ?? NaN) + zj * yc;
      for (let k = 0; k <= j; k++) a[j * p + k] = (a[j * p + k] ?? NaN) + zj * (z[k] ?? NaN);
    }
  }
  for (let j = 0; j < p; j++) {
    c[j] = (c[j] ?? NaN) / n;
    for (let k = 0; k <= j; k++) a[j * p + k] = (a[j * p + k] ?? NaN) / n;
  }

  const b = solveCholesky(a, c, p, name);
  const coefficients: number[] = [];
  let intercept = meanY;
  for (let j = 0; j < p; j++) {
    const beta = (b[j] ?? NaN) / (scale[j] ?? NaN);
    coefficients.push(beta);
    intercept -= beta * (mean[j] ?? NaN);
  }
  if (!Number.isFinite(intercept) || !coefficients.every(Number.isFinite)) {
    throw new TickflowError('DATASET_INVALID', 'the least-squares fit is not finite; the training rows hold values too large to square');
  }
  return { intercept, coefficients };
}

/**
 * Solves A b = c for symmetric positive definite A (lower triangle read, row-major p×p) by
 * A = L L'. A diagonal pivot below 1e-10 (A has unit diagonal here) means a column is a linear
 * combination of the others up to rounding: no unique solution.
 */
function solveCholesky(a: Float64Array, c: Float64Array, p: number, name: (j: number) => string): Float64Array {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j] ?? NaN;
    for (let k = 0; k < j; k++) d -= (l[j * p + k] ?? NaN) ** 2;
    if (!(d > 1e-10)) {
      throw new TickflowError(
        'DATASET_INVALID',
        `${name(j)} is (almost) a linear combination of the features before it in the training rows: the least-squares fit is not unique`,
      );
    }
    const djj = Math.sqrt(d);
    l[j * p + j] = djj;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j] ?? NaN;
      for (let k = 0; k < j; k++) s -= (l[i * p + k] ?? NaN) * (l[j * p + k] ?? NaN);
      l[i * p + j] = s / djj;
    }
  }
  // forward: L w = c, then back: L' b = w
  const w = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = c[i] ?? NaN;
    for (let k = 0; k < i; k++) s -= (l[i * p + k] ?? NaN) * (w[k] ?? NaN);
    w[i] = s / (l[i * p + i] ?? NaN);
  }
  const b = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = w[i] ?? NaN;
    for (let k = i + 1; k < p; k++) s -= (l[k * p + i] ?? NaN) * (b[k] ?? NaN);
    b[i] = s / (l[i * p + i] ?? NaN);
  }
  return b;
}
