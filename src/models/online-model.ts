import Type, { type TSchema, type Static } from 'typebox';
import Value from 'typebox/value';
import { TickflowError } from '../core/index.js';

/** A forecast of the next bar: its log return ln(close[t+1] / close[t]) and P(that return > 0). */
export interface Forecast {
  readonly return: number;
  readonly pUp: number;
}

/**
 * A model that learns one label at a time. `update(x, y)` gets the features known at a bar's close
 * and the log return of the bar that followed; `predict(x)` forecasts the bar after the one `x` was
 * built at.
 *
 * Every model gives both outputs. A regressor's pUp is Phi(return / s), s the RMS of its own recent
 * one-step-ahead errors: P(y > 0) if y ~ N(return, s^2) (0.5 until it has an error to go by). A
 * classifier's return is (2 pUp - 1) times the running mean |y|: the expected return if up and down
 * moves have the same size.
 *
 * Nothing non-finite ever enters a model's state: an update with a non-finite input, or one whose
 * result would be non-finite, leaves the state as it was and quarantines the model. A quarantined
 * model predicts null (its forecasts are not served) and ignores updates until `reset()`; it never
 * throws, so one bad series cannot stop the stream.
 */
export interface OnlineModel {
  /** Unique among the models of one series; names the model in metrics and in the registry. */
  readonly name: string;
  readonly kind: ModelKind;
  /** Feature length expected; 0 for the baselines, which learn from the labels alone. */
  readonly dim: number;
  readonly quarantined: boolean;
  readonly quarantineReason: string | null;
  /** Labels learned from. */
  readonly updates: number;
  /** null when quarantined, or when x or the result is not finite. */
  predict(x: Float64Array): Forecast | null;
  update(x: Float64Array, y: number): void;
  /** Back to the untrained state, quarantine lifted. */
  reset(): void;
  /** The whole state, JSON-safe (every number finite): `modelFromJSON` restores it bit for bit. */
  toJSON(): ModelStateBase & Record<string, unknown>;
}

export type ModelKind = 'zero' | 'drift' | 'sign-persistence' | 'rls' | 'logistic' | 'forest';

export interface ModelStateBase {
  readonly kind: ModelKind;
  readonly version: 1;
  readonly name: string;
  readonly updates: number;
  readonly quarantineReason: string | null;
}

/** Quarantine bookkeeping shared by every model. */
export abstract class ModelBase {
  readonly name: string;
  protected updateCount = 0;
  private reason: string | null = null;

  protected constructor(name: string) {
    if (typeof name !== 'string' || name === '') throw new TickflowError('CONFIG_INVALID', 'a model needs a non-empty name');
    this.name = name;
  }

  get quarantined(): boolean {
    return this.reason !== null;
  }

  get quarantineReason(): string | null {
    return this.reason;
  }

  get updates(): number {
    return this.updateCount;
  }

  protected quarantine(reason: string): void {
    if (this.reason === null) this.reason = reason;
  }

  protected liftQuarantine(): void {
    this.reason = null;
  }

  protected restoreBase(s: { updates: number; quarantineReason: string | null }): void {
    this.updateCount = s.updates;
    this.reason = s.quarantineReason;
  }

  /**
   * The checks every update starts with: false (and the model quarantined when the input is bad)
   * when the update must not touch the state.
   */
  protected acceptUpdate(x: Float64Array, y: number, dim: number): boolean {
    if (this.reason !== null) return false;
    if (!Number.isFinite(y)) {
      this.quarantine(`non-finite label ${y} at update ${this.updateCount + 1}`);
      return false;
    }
    if (dim > 0) {
      if (x.length !== dim) {
        this.quarantine(`feature vector of length ${x.length}, expected ${dim}`);
        return false;
      }
      if (!allFinite(x)) {
        this.quarantine(`non-finite feature at update ${this.updateCount + 1}`);
        return false;
      }
    }
    return true;
  }
}

export function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) {
    // x - x is 0 for finite x and NaN for NaN and +-Infinity: one test instead of two.
    const v = a[i] ?? NaN;
    if (v - v !== 0) return false;
  }
  return true;
}

export function logistic(z: number): number {
  // exp of a large positive argument overflows; the two branches keep both tails exact.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** The fields every model's state schema starts with. */
export const modelStateFields = {
  version: Type.Literal(1),
  name: Type.String({ minLength: 1 }),
  updates: Type.Integer({ minimum: 0 }),
  quarantineReason: Type.Union([Type.String(), Type.Null()]),
};

/**
 * Model state comes back from disk or another process, so it is validated before a model trusts
 * it: a corrupt checkpoint fails at restore (MALFORMED), not later as wrong numbers.
 */
export function checkModelState<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const errors = Value.Errors(schema, value);
  const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
  const where = first === undefined ? '' : ` at '${first.instancePath || '/'}': ${first.message}`;
  throw new TickflowError('MALFORMED', `${what} state is not valid${where}`, { details: first });
}

/** Copies numbers from a JSON array into a typed array of the expected length, or throws MALFORMED. */
export function toFloat64(values: readonly number[], length: number, what: string): Float64Array {
  if (values.length !== length) throw new TickflowError('MALFORMED', `${what}: ${values.length} values, expected ${length}`);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = values[i] ?? NaN;
    if (!Number.isFinite(v)) throw new TickflowError('MALFORMED', `${what}: value ${i} is not finite`);
    out[i] = v;
  }
  return out;
}
