import Type, { type Static } from 'typebox';
import { EMPTY_F64, TickflowError, smallF64 } from '../core/index.js';
import { normalCdf } from './normal.js';
import { ModelBase, checkModelState, modelStateFields, toFloat64, type Forecast, type OnlineModel } from './online-model.js';

export interface RlsOptions {
  /** Feature length (the model adds its own intercept). */
  readonly dim: number;
  readonly name?: string;
  /**
   * Forgetting factor lambda in (0, 1]: a label t steps old weighs lambda^t, so the memory is about
   * 1 / (1 - lambda) labels. 1 is ordinary (growing-window) ridge. Default 0.999.
   */
  readonly lambda?: number;
  /** Ridge delta > 0: the prior P0 = I / delta, a penalty delta * |w|^2 that fades as lambda^t. Default 10. */
  readonly ridge?: number;
  /**
   * Cap on trace(P), default its initial value (dim + 1) / delta: the model is never less certain
   * than its prior. With lambda < 1, directions the features do not excite would otherwise grow as
   * lambda^-t ("covariance wind-up") until one unusual bar moves the weights wildly.
   */
  readonly maxTrace?: number;
}

interface Scratch {
  n: number;
  xa: Float64Array;
  pi: Float64Array;
  wn: Float64Array;
  pn: Float64Array;
}

// One scratch for every RLS model in the process (updates are synchronous, so never shared at once):
// an update is computed here and copied into the model only if finite. A model then holds just its w
// and P, so 600 series' models stay twice as dense in cache as with a private second copy each.
let shared: Scratch = { n: 0, xa: new Float64Array(0), pi: new Float64Array(0), wn: new Float64Array(0), pn: new Float64Array(0) };

/** Grows only, so models of different sizes in one process do not reallocate it in turn; indices stay below n. */
function scratch(n: number): Scratch {
  if (shared.n < n) {
    shared = { n, xa: new Float64Array(n), pi: new Float64Array(n), wn: new Float64Array(n), pn: new Float64Array(n * n) };
  }
  return shared;
}

const RlsStateSchema = Type.Object(
  {
    kind: Type.Literal('rls'),
    ...modelStateFields,
    dim: Type.Integer({ minimum: 1, maximum: 1000 }),
    lambda: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    ridge: Type.Number({ exclusiveMinimum: 0 }),
    maxTrace: Type.Number({ exclusiveMinimum: 0 }),
    w: Type.Array(Type.Number(), { description: 'feature weights, then the intercept' }),
    p: Type.Array(Type.Number(), { description: 'inverse-information matrix P, row-major, (dim + 1)^2' }),
    residualVar: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type RlsState = Static<typeof RlsStateSchema>;

/**
 * Ridge regression by exponentially weighted recursive least squares (Haykin, Adaptive Filter
 * Theory, ch. 10): w minimises sum_t lambda^(T-t) (y_t - w.x_t)^2 + lambda^T delta |w|^2, kept exact
 * by a rank-one update of P = (weighted X'X + ridge)^-1 per label, O(d^2) and allocation-free.
 *
 * Guards: P is updated on its upper triangle and mirrored, so it stays exactly symmetric; its trace
 * is capped (see `maxTrace`); an update whose gain denominator is not positive or whose new w or P
 * is not finite is discarded and quarantines the model (the state stays the last good one).
 */
export class RecursiveLeastSquares extends ModelBase implements OnlineModel {
  readonly kind = 'rls';
  readonly dim: number;
  readonly lambda: number;
  readonly ridge: number;
  readonly maxTrace: number;
  private readonly n: number;
  // Empty until the first update (see `allocate`): before it w is 0 and P its prior I / ridge.
  private w: Float64Array = EMPTY_F64;
  private p: Float64Array = EMPTY_F64;
  private residualVar = 0;

  constructor(options: RlsOptions) {
    const { dim, name = 'rls', lambda = 0.999, ridge = 10 } = options;
    super(name);
    if (!Number.isInteger(dim) || dim < 1 || dim > 1000)
      throw new TickflowError('CONFIG_INVALID', `RLS dim must be an integer in [1, 1000], got ${dim}`);
    if (!(lambda > 0 && lambda <= 1)) throw new TickflowError('CONFIG_INVALID', `RLS lambda must be in (0, 1], got ${lambda}`);
    if (!(ridge > 0 && Number.isFinite(ridge)))
      throw new TickflowError('CONFIG_INVALID', `RLS ridge must be a positive number, got ${ridge}`);
    const maxTrace = options.maxTrace ?? (dim + 1) / ridge;
    if (!(maxTrace > 0 && Number.isFinite(maxTrace)))
      throw new TickflowError('CONFIG_INVALID', `RLS maxTrace must be a positive number, got ${maxTrace}`);
    this.dim = dim;
    this.lambda = lambda;
    this.ridge = ridge;
    this.maxTrace = maxTrace;
    const n = dim + 1;
    this.n = n;
  }

  /**
   * w and P take (dim + 1)(dim + 2) numbers, 3 KB for the pipeline's features, and a forecasting
   * series' features warm up for ~84 bars (84 days for 1d bars) before the model sees a vector:
   * with 5,000 series that is 15 MB held for nothing. So they are made at the first update.
   */
  private allocate(): void {
    if (this.p.length > 0) return;
    const n = this.n;
    this.w = smallF64(n);
    this.p = smallF64(n * n);
    for (let i = 0; i < n; i++) this.p[i * n + i] = 1 / this.ridge;
  }

  /** Feature weights followed by the intercept (a copy). */
  weights(): Float64Array {
    return this.w.length > 0 ? this.w.slice() : new Float64Array(this.n);
  }

  predict(x: Float64Array): Forecast | null {
    if (this.quarantined || x.length !== this.dim) return null;
    const w = this.w;
    const d = this.dim;
    let yhat = w[d] ?? 0;
    for (let i = 0; i < d; i++) yhat += (w[i] ?? 0) * (x[i] ?? NaN);
    if (!Number.isFinite(yhat)) return null;
    const s = Math.sqrt(this.residualVar);
    return { return: yhat, pUp: s > 0 ? normalCdf(yhat / s) : 0.5 };
  }

  update(x: Float64Array, y: number): void {
    if (!this.acceptUpdate(x, y, this.dim)) return;
    this.allocate();
    const n = this.n;
    const d = this.dim;
    const { xa, pi, wn, pn } = scratch(n);
    const p = this.p;
    const w = this.w;
    for (let i = 0; i < d; i++) xa[i] = x[i] ?? NaN;
    xa[d] = 1;

    // pi = P xa; denominator lambda + xa' P xa; a-priori error e = y - w.xa
    let denom = this.lambda;
    let yhat = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += (p[row + j] ?? NaN) * (xa[j] ?? NaN);
      pi[i] = s;
      denom += (xa[i] ?? NaN) * s;
      yhat += (w[i] ?? NaN) * (xa[i] ?? NaN);
    }
    const e = y - yhat;
    if (!(denom > 0) || !Number.isFinite(denom) || !Number.isFinite(e)) {
      this.quarantine(
        `RLS gain denominator ${denom} / error ${e} at update ${this.updateCount + 1}: lost positive definiteness or overflowed`,
      );
      return;
    }

    const invDenom = 1 / denom;
    const invLambda = 1 / this.lambda;
    let check = 0;
    for (let i = 0; i < n; i++) {
      const pii = pi[i] ?? NaN;
      const v = (w[i] ?? NaN) + pii * invDenom * e;
      wn[i] = v;
      check += v;
    }
    // P' = (P - pi pi' / denom) / lambda on the upper triangle; mirrored when copied in below, so P
    // stays exactly symmetric.
    let trace = 0;
    let minDiag = Infinity;
    for (let i = 0; i < n; i++) {
      const ki = (pi[i] ?? NaN) * invDenom;
      const row = i * n;
      for (let j = i; j < n; j++) {
        const v = ((p[row + j] ?? NaN) - ki * (pi[j] ?? NaN)) * invLambda;
        pn[row + j] = v;
        check += v;
      }
      const dii = pn[row + i] ?? NaN;
      trace += dii;
      if (dii < minDiag) minDiag = dii;
    }
    if (!Number.isFinite(check) || !(minDiag > 0)) {
      this.quarantine(`RLS state would become non-finite or indefinite at update ${this.updateCount + 1}`);
      return;
    }
    const scale = trace > this.maxTrace ? this.maxTrace / trace : 1;
    for (let i = 0; i < n; i++) {
      w[i] = wn[i] ?? NaN;
      const row = i * n;
      for (let j = i; j < n; j++) {
        const v = (pn[row + j] ?? NaN) * scale;
        p[row + j] = v;
        p[j * n + i] = v;
      }
    }
    const count = ++this.updateCount;
    const omega = Math.max(1 / count, 1 - this.lambda);
    this.residualVar += omega * (e * e - this.residualVar);
  }

  reset(): void {
    this.w = EMPTY_F64;
    this.p = EMPTY_F64;
    this.residualVar = 0;
    this.updateCount = 0;
    this.liftQuarantine();
  }

  toJSON(): RlsState {
    return {
      kind: 'rls',
      version: 1,
      name: this.name,
      updates: this.updateCount,
      quarantineReason: this.quarantineReason,
      dim: this.dim,
      lambda: this.lambda,
      ridge: this.ridge,
      maxTrace: this.maxTrace,
      w: this.w.length > 0 ? Array.from(this.w) : new Array<number>(this.n).fill(0),
      p: this.p.length > 0 ? Array.from(this.p) : this.priorP(),
      residualVar: this.residualVar,
    };
  }

  /** P's prior I / ridge, row-major. */
  private priorP(): number[] {
    const n = this.n;
    const p = new Array<number>(n * n).fill(0);
    for (let i = 0; i < n; i++) p[i * n + i] = 1 / this.ridge;
    return p;
  }

  static fromJSON(state: unknown): RecursiveLeastSquares {
    const s = checkModelState(RlsStateSchema, state, 'RLS model');
    const m = new RecursiveLeastSquares({ dim: s.dim, name: s.name, lambda: s.lambda, ridge: s.ridge, maxTrace: s.maxTrace });
    const n = s.dim + 1;
    const w = toFloat64(s.w, n, 'RLS state w');
    const p = toFloat64(s.p, n * n, 'RLS state P');
    // a model saved before its first update stays unallocated
    if (w.some((v) => v !== 0) || p.some((v, i) => v !== (i % (n + 1) === 0 ? 1 / s.ridge : 0))) {
      m.allocate();
      m.w.set(w);
      m.p.set(p);
    }
    m.residualVar = s.residualVar;
    m.restoreBase(s);
    return m;
  }
}
