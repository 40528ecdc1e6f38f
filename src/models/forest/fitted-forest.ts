import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { checkModelState } from '../online-model.js';
import { forestArraysProblem } from './forest-arrays.js';

/** The runtime schema of ForestArrays (see there), checked when a version is installed or restored. */
export const FittedForestSchema = Type.Object(
  {
    dim: Type.Integer({ minimum: 1, maximum: 1000 }),
    roots: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, description: 'node index of each tree root' }),
    feature: Type.Array(Type.Integer({ minimum: -1 }), { description: 'feature tested at a split; -1 at a leaf' }),
    threshold: Type.Array(Type.Number(), { description: 'x[feature] < threshold goes left (ml-cart rule)' }),
    left: Type.Array(Type.Integer({ minimum: 0 })),
    right: Type.Array(Type.Integer({ minimum: 0 })),
    value: Type.Array(Type.Number(), { description: 'leaf forecast log return; 0 at a split' }),
    pUp: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'leaf P(y > 0); 0 at a split' }),
  },
  { additionalProperties: false },
);
export type FittedForestState = Static<typeof FittedForestSchema>;

export interface ForestForecast {
  /** Mean of the trees' leaf values. */
  readonly return: number;
  /** Mean of the trees' leaf P(y > 0). */
  readonly pUp: number;
}

/** A fitted tree ensemble, immutable; `predict` is allocation-free. */
export class FittedForest {
  readonly dim: number;
  readonly trees: number;
  readonly nodes: number;
  private readonly roots: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly value: Float64Array;
  private readonly up: Float64Array;

  private constructor(s: FittedForestState) {
    this.dim = s.dim;
    this.trees = s.roots.length;
    this.nodes = s.feature.length;
    this.roots = Int32Array.from(s.roots);
    this.feature = Int32Array.from(s.feature);
    this.threshold = Float64Array.from(s.threshold);
    this.left = Int32Array.from(s.left);
    this.right = Int32Array.from(s.right);
    this.value = Float64Array.from(s.value);
    this.up = Float64Array.from(s.pUp);
  }

  /** Validates the arrays (schema, lengths, index ranges, finiteness): MALFORMED when anything is off. */
  static fromState(state: unknown): FittedForest {
    const s = checkModelState(FittedForestSchema, state, 'fitted forest');
    // (this call also has the compiler check that the schema's type fits the worker's ForestArrays)
    const problem = forestArraysProblem(s);
    if (problem !== null) throw new TickflowError('MALFORMED', `fitted forest: ${problem}`);
    return new FittedForest(s);
  }

  /** null when x has the wrong length or the result is not finite. */
  predict(x: Float64Array): ForestForecast | null {
    if (x.length !== this.dim) return null;
    const { roots, feature, threshold, left, right, value, up } = this;
    let sum = 0;
    let sumUp = 0;
    for (let t = 0; t < roots.length; t++) {
      let i = roots[t] ?? 0;
      let f = feature[i] ?? -1;
      while (f >= 0) {
        i = (x[f] ?? NaN) < (threshold[i] ?? NaN) ? (left[i] ?? 0) : (right[i] ?? 0);
        f = feature[i] ?? -1;
      }
      sum += value[i] ?? NaN;
      sumUp += up[i] ?? NaN;
    }
    const r = sum / roots.length;
    const p = sumUp / roots.length;
    return Number.isFinite(r) && p >= 0 && p <= 1 ? { return: r, pUp: p } : null;
  }

  toJSON(): FittedForestState {
    return {
      dim: this.dim,
      roots: Array.from(this.roots),
      feature: Array.from(this.feature),
      threshold: Array.from(this.threshold),
      left: Array.from(this.left),
      right: Array.from(this.right),
      value: Array.from(this.value),
      pUp: Array.from(this.up),
    };
  }
}
