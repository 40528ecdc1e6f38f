import Type, { type Static } from 'typebox';
import { EMPTY_F64, TickflowError, smallF64 } from '../core/index.js';
import { ModelBase, checkModelState, logistic, modelStateFields, toFloat64, type Forecast, type OnlineModel } from './online-model.js';

export interface LogisticOptions {
  /** Feature length (the model adds its own intercept, which is not penalised). */
  readonly dim: number;
  readonly name?: string;
  /** AdaGrad base step eta. Default 0.05. */
  readonly learningRate?: number;
  /** L2 penalty on the feature weights, per label. Default 1e-4. */
  readonly l2?: number;
  /**
   * Weight of the newest |y| in the running mean magnitude that turns P(up) into a return
   * forecast; the first labels are averaged equally until 1/n falls below it. Default 0.001.
   */
  readonly magnitudeRate?: number;
}

const LogisticStateSchema = Type.Object(
  {
    kind: Type.Literal('logistic'),
    ...modelStateFields,
    dim: Type.Integer({ minimum: 1, maximum: 1000 }),
    learningRate: Type.Number({ exclusiveMinimum: 0 }),
    l2: Type.Number({ minimum: 0 }),
    magnitudeRate: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    w: Type.Array(Type.Number(), { description: 'feature weights, then the intercept' }),
    g2: Type.Array(Type.Number({ minimum: 0 }), { description: 'AdaGrad sums of squared gradients, same layout' }),
    meanAbs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type LogisticState = Static<typeof LogisticStateSchema>;

/** Keeps 1 / (sqrt(G) + eps) finite before the first non-zero gradient of a weight. */
const ADAGRAD_EPS = 1e-8;

/**
 * Online logistic regression for P(next return > 0): one AdaGrad step (Duchi, Hazan and Singer,
 * JMLR 2011) on the log loss plus (l2 / 2) |w|^2 per label, O(d), allocation-free. A label is "up"
 * when the return is > 0; a flat bar counts as not up. The return forecast is (2p - 1) * mean|y|.
 */
export class OnlineLogistic extends ModelBase implements OnlineModel {
  readonly kind = 'logistic';
  readonly dim: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly magnitudeRate: number;
  // Empty until the first update, like RLS's state (a series' features warm up for ~84 bars first):
  // before it the weights and squared gradients are 0.
  private w: Float64Array = EMPTY_F64;
  private g2: Float64Array = EMPTY_F64;
  private wNext: Float64Array = EMPTY_F64;
  private g2Next: Float64Array = EMPTY_F64;
  private meanAbs = 0;

  constructor(options: LogisticOptions) {
    const { dim, name = 'logistic', learningRate = 0.05, l2 = 1e-4, magnitudeRate = 0.001 } = options;
    super(name);
    if (!Number.isInteger(dim) || dim < 1 || dim > 1000)
      throw new TickflowError('CONFIG_INVALID', `logistic dim must be an integer in [1, 1000], got ${dim}`);
    if (!(learningRate > 0 && Number.isFinite(learningRate)))
      throw new TickflowError('CONFIG_INVALID', `logistic learningRate must be a positive number, got ${learningRate}`);
    if (!(l2 >= 0 && Number.isFinite(l2))) throw new TickflowError('CONFIG_INVALID', `logistic l2 must be >= 0, got ${l2}`);
    if (!(magnitudeRate > 0 && magnitudeRate <= 1))
      throw new TickflowError('CONFIG_INVALID', `logistic magnitudeRate must be in (0, 1], got ${magnitudeRate}`);
    this.dim = dim;
    this.learningRate = learningRate;
    this.l2 = l2;
    this.magnitudeRate = magnitudeRate;
  }

  private allocate(): void {
    if (this.w.length > 0) return;
    const n = this.dim + 1;
    this.w = smallF64(n);
    this.g2 = smallF64(n);
    this.wNext = smallF64(n);
    this.g2Next = smallF64(n);
  }

  /** Feature weights followed by the intercept (a copy). */
  weights(): Float64Array {
    return this.w.length > 0 ? this.w.slice() : new Float64Array(this.dim + 1);
  }

  private margin(x: Float64Array): number {
    const w = this.w;
    const d = this.dim;
    let z = w[d] ?? 0;
    for (let i = 0; i < d; i++) z += (w[i] ?? 0) * (x[i] ?? NaN);
    return z;
  }

  predict(x: Float64Array): Forecast | null {
    if (this.quarantined || x.length !== this.dim) return null;
    const z = this.margin(x);
    if (!Number.isFinite(z)) return null;
    const p = logistic(z);
    return { return: (2 * p - 1) * this.meanAbs, pUp: p };
  }

  update(x: Float64Array, y: number): void {
    if (!this.acceptUpdate(x, y, this.dim)) return;
    this.allocate();
    const d = this.dim;
    const w = this.w;
    const g2 = this.g2;
    const wn = this.wNext;
    const gn = this.g2Next;
    const residual = logistic(this.margin(x)) - (y > 0 ? 1 : 0);
    const eta = this.learningRate;
    const l2 = this.l2;
    let check = 0;
    for (let i = 0; i <= d; i++) {
      const wi = w[i] ?? NaN;
      const g = i < d ? residual * (x[i] ?? NaN) + l2 * wi : residual;
      const G = (g2[i] ?? NaN) + g * g;
      const v = wi - (eta * g) / (Math.sqrt(G) + ADAGRAD_EPS);
      gn[i] = G;
      wn[i] = v;
      check += v + G;
    }
    if (!Number.isFinite(check)) {
      this.quarantine(`logistic state would become non-finite at update ${this.updateCount + 1}`);
      return;
    }
    this.w = wn;
    this.wNext = w;
    this.g2 = gn;
    this.g2Next = g2;
    const count = ++this.updateCount;
    this.meanAbs += Math.max(1 / count, this.magnitudeRate) * (Math.abs(y) - this.meanAbs);
  }

  reset(): void {
    this.w = this.g2 = this.wNext = this.g2Next = EMPTY_F64;
    this.meanAbs = 0;
    this.updateCount = 0;
    this.liftQuarantine();
  }

  toJSON(): LogisticState {
    return {
      kind: 'logistic',
      version: 1,
      name: this.name,
      updates: this.updateCount,
      quarantineReason: this.quarantineReason,
      dim: this.dim,
      learningRate: this.learningRate,
      l2: this.l2,
      magnitudeRate: this.magnitudeRate,
      w: this.w.length > 0 ? Array.from(this.w) : new Array<number>(this.dim + 1).fill(0),
      g2: this.g2.length > 0 ? Array.from(this.g2) : new Array<number>(this.dim + 1).fill(0),
      meanAbs: this.meanAbs,
    };
  }

  static fromJSON(state: unknown): OnlineLogistic {
    const s = checkModelState(LogisticStateSchema, state, 'logistic model');
    const m = new OnlineLogistic({ dim: s.dim, name: s.name, learningRate: s.learningRate, l2: s.l2, magnitudeRate: s.magnitudeRate });
    const w = toFloat64(s.w, s.dim + 1, 'logistic state w');
    const g2 = toFloat64(s.g2, s.dim + 1, 'logistic state g2');
    // a model saved before its first update stays unallocated
    if (w.some((v) => v !== 0) || g2.some((v) => v !== 0)) {
      m.allocate();
      m.w.set(w);
      m.g2.set(g2);
    }
    m.meanAbs = s.meanAbs;
    m.restoreBase(s);
    return m;
  }
}
