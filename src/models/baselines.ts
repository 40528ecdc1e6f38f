import Type, { type Static } from 'typebox';
import { smallF64 } from '../core/index.js';
import { ModelBase, checkModelState, modelStateFields, type Forecast, type OnlineModel } from './online-model.js';

// The naive forecasts every model must beat before it is served. They learn from the labels alone
// (dim 0: the feature vector is ignored), so they forecast from the first bar on.

const ZeroStateSchema = Type.Object({ kind: Type.Literal('zero'), ...modelStateFields }, { additionalProperties: false });
export type ZeroState = Static<typeof ZeroStateSchema>;

const NEUTRAL: Forecast = Object.freeze({ return: 0, pUp: 0.5 });

/** Random walk: the next log return is 0 (tomorrow's price is today's), P(up) = 1/2. */
export class ZeroReturn extends ModelBase implements OnlineModel {
  readonly kind = 'zero';
  readonly dim = 0;

  constructor(name = 'zero') {
    super(name);
  }

  predict(_x: Float64Array): Forecast | null {
    return this.quarantined ? null : NEUTRAL;
  }

  update(x: Float64Array, y: number): void {
    if (this.acceptUpdate(x, y, 0)) this.updateCount++;
  }

  reset(): void {
    this.updateCount = 0;
    this.liftQuarantine();
  }

  toJSON(): ZeroState {
    return { kind: 'zero', version: 1, name: this.name, updates: this.updateCount, quarantineReason: this.quarantineReason };
  }

  static fromJSON(state: unknown): ZeroReturn {
    const s = checkModelState(ZeroStateSchema, state, 'zero-return model');
    const m = new ZeroReturn(s.name);
    m.restoreBase(s);
    return m;
  }
}

const DriftStateSchema = Type.Object(
  { kind: Type.Literal('drift'), ...modelStateFields, mean: Type.Number(), ups: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
export type DriftState = Static<typeof DriftStateSchema>;

/**
 * Drift: the next log return is the mean of all returns so far; P(up) is the share of up moves so
 * far, Laplace-smoothed ((ups + 1) / (n + 2)). On a tick grid many bars close flat, so P(up) sits
 * below 1/2 even with a positive drift: it is the climatological forecast of "an up move".
 */
export class Drift extends ModelBase implements OnlineModel {
  readonly kind = 'drift';
  readonly dim = 0;
  private mean = 0;
  private ups = 0;

  constructor(name = 'drift') {
    super(name);
  }

  predict(_x: Float64Array): Forecast | null {
    if (this.quarantined) return null;
    return { return: this.mean, pUp: (this.ups + 1) / (this.updateCount + 2) };
  }

  update(x: Float64Array, y: number): void {
    if (!this.acceptUpdate(x, y, 0)) return;
    const n = ++this.updateCount;
    this.mean += (y - this.mean) / n;
    if (y > 0) this.ups++;
  }

  reset(): void {
    this.updateCount = 0;
    this.mean = 0;
    this.ups = 0;
    this.liftQuarantine();
  }

  toJSON(): DriftState {
    return {
      kind: 'drift',
      version: 1,
      name: this.name,
      updates: this.updateCount,
      quarantineReason: this.quarantineReason,
      mean: this.mean,
      ups: this.ups,
    };
  }

  static fromJSON(state: unknown): Drift {
    const s = checkModelState(DriftStateSchema, state, 'drift model');
    const m = new Drift(s.name);
    m.restoreBase(s);
    m.mean = s.mean;
    m.ups = s.ups;
    return m;
  }
}

const Triple = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });
const SignStateSchema = Type.Object(
  {
    kind: Type.Literal('sign-persistence'),
    ...modelStateFields,
    last: Type.Union([Type.Literal(-1), Type.Literal(0), Type.Literal(1)]),
    count: Triple,
    ups: Triple,
    mean: Triple,
  },
  { additionalProperties: false },
);
export type SignPersistenceState = Static<typeof SignStateSchema>;

/**
 * Sign persistence, learned: the sign of the last return (down, flat, up) is a three-state Markov
 * chain. P(up) is the Laplace-smoothed share of up moves that followed the current state, and the
 * return forecast is the mean return that followed it. If moves persist, an up bar predicts up;
 * if they revert (bid-ask bounce), down; with no such effect it is the drift.
 */
export class SignPersistence extends ModelBase implements OnlineModel {
  readonly kind = 'sign-persistence';
  readonly dim = 0;
  /** State index 0 = last return down, 1 = flat (or none yet), 2 = up. */
  private last = 1;
  private readonly count = smallF64(3);
  private readonly ups = smallF64(3);
  private readonly mean = smallF64(3);

  constructor(name = 'sign-persistence') {
    super(name);
  }

  predict(_x: Float64Array): Forecast | null {
    if (this.quarantined) return null;
    const s = this.last;
    const n = this.count[s] ?? 0;
    return { return: this.mean[s] ?? 0, pUp: ((this.ups[s] ?? 0) + 1) / (n + 2) };
  }

  update(x: Float64Array, y: number): void {
    if (!this.acceptUpdate(x, y, 0)) return;
    this.updateCount++;
    const s = this.last;
    const n = (this.count[s] ?? 0) + 1;
    this.count[s] = n;
    if (y > 0) this.ups[s] = (this.ups[s] ?? 0) + 1;
    const m = this.mean[s] ?? 0;
    this.mean[s] = m + (y - m) / n;
    this.last = y > 0 ? 2 : y < 0 ? 0 : 1;
  }

  reset(): void {
    this.updateCount = 0;
    this.last = 1;
    this.count.fill(0);
    this.ups.fill(0);
    this.mean.fill(0);
    this.liftQuarantine();
  }

  toJSON(): SignPersistenceState {
    return {
      kind: 'sign-persistence',
      version: 1,
      name: this.name,
      updates: this.updateCount,
      quarantineReason: this.quarantineReason,
      last: this.last === 2 ? 1 : this.last === 0 ? -1 : 0,
      count: Array.from(this.count),
      ups: Array.from(this.ups),
      mean: Array.from(this.mean),
    };
  }

  static fromJSON(state: unknown): SignPersistence {
    const s = checkModelState(SignStateSchema, state, 'sign-persistence model');
    const m = new SignPersistence(s.name);
    m.restoreBase(s);
    m.last = s.last + 1;
    m.count.set(s.count);
    m.ups.set(s.ups);
    m.mean.set(s.mean);
    return m;
  }
}
