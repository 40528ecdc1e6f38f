import { Prng } from '../../src/sources/prng.js';

/** Seeded linear data y = w.x + b + sigma * noise, x ~ N(0, I). */
export function linearData(n: number, w: readonly number[], b: number, sigma: number, seed: number): { xs: Float64Array[]; ys: number[] } {
  const rng = new Prng(seed);
  const xs: Float64Array[] = [];
  const ys: number[] = [];
  for (let t = 0; t < n; t++) {
    const x = new Float64Array(w.length);
    let y = b;
    for (let i = 0; i < w.length; i++) {
      x[i] = rng.normal();
      y += (w[i] ?? 0) * (x[i] ?? 0);
    }
    xs.push(x);
    ys.push(y + sigma * rng.normal());
  }
  return { xs, ys };
}

/** Solves A z = r by Gaussian elimination with partial pivoting (A is n x n, row-major; both copied). */
export function solve(a: readonly number[], r: readonly number[]): number[] {
  const n = r.length;
  const m = a.slice();
  const z = r.slice();
  const at = (i: number, j: number) => m[i * n + j] ?? NaN;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(at(i, c)) > Math.abs(at(p, c))) p = i;
    for (let j = 0; j < n; j++) {
      const tmp = at(c, j);
      m[c * n + j] = at(p, j);
      m[p * n + j] = tmp;
    }
    [z[c], z[p]] = [z[p] ?? NaN, z[c] ?? NaN];
    for (let i = c + 1; i < n; i++) {
      const f = at(i, c) / at(c, c);
      for (let j = c; j < n; j++) m[i * n + j] = at(i, j) - f * at(c, j);
      z[i] = (z[i] ?? NaN) - f * (z[c] ?? NaN);
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] ?? NaN;
    for (let j = i + 1; j < n; j++) s -= at(i, j) * (z[j] ?? NaN);
    z[i] = s / at(i, i);
  }
  return z;
}

/**
 * The batch solution RLS must equal: argmin sum_t lambda^(T-1-t) (y_t - w.[x_t, 1])^2 + lambda^T delta |w|^2.
 */
export function weightedRidge(xs: readonly Float64Array[], ys: readonly number[], lambda: number, delta: number): number[] {
  const d = (xs[0]?.length ?? 0) + 1;
  const T = xs.length;
  const a = new Array<number>(d * d).fill(0);
  const r = new Array<number>(d).fill(0);
  for (let t = 0; t < T; t++) {
    const x = [...(xs[t] ?? []), 1];
    const wt = lambda ** (T - 1 - t);
    for (let i = 0; i < d; i++) {
      r[i] = (r[i] ?? 0) + wt * (x[i] ?? 0) * (ys[t] ?? 0);
      for (let j = 0; j < d; j++) a[i * d + j] = (a[i * d + j] ?? 0) + wt * (x[i] ?? 0) * (x[j] ?? 0);
    }
  }
  for (let i = 0; i < d; i++) a[i * d + i] = (a[i * d + i] ?? 0) + lambda ** T * delta;
  return solve(a, r);
}
