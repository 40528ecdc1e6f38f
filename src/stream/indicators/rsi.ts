import Type, { type Static } from 'typebox';
import { assertPeriod } from './period.js';
import { checkState } from './state-check.js';
import { TA_EPSILON } from './talib-epsilon.js';

export const RsiStateSchema = Type.Object(
  {
    kind: Type.Literal('rsi'),
    period: Type.Integer(),
    seen: Type.Integer({ minimum: 0 }),
    prev: Type.Number(),
    gain: Type.Number(),
    loss: Type.Number(),
  },
  { additionalProperties: false },
);
export type RsiState = Static<typeof RsiStateSchema>;

/**
 * Relative strength index, Wilder smoothing, as TA_RSI computes it with no unstable period: the
 * first value (at index n) comes from the plain averages of the first n changes, then
 * avg = (avg * (n - 1) + change) / n. A flat market (gain + loss ~ 0) reads 0, as in TA-Lib.
 */
export class Rsi {
  readonly period: number;
  private seen = 0;
  private prev = 0;
  /** Sums of the first n changes during warm-up, Wilder averages after. */
  private gain = 0;
  private loss = 0;

  constructor(period = 14) {
    assertPeriod(period, 'RSI');
    this.period = period;
  }

  update(x: number): number | null {
    const index = this.seen++;
    if (index === 0) {
      this.prev = x;
      return null;
    }
    const change = x - this.prev;
    this.prev = x;
    const n = this.period;
    if (index < n) {
      if (change < 0) this.loss -= change;
      else this.gain += change;
      return null;
    }
    if (index === n) {
      if (change < 0) this.loss -= change;
      else this.gain += change;
      this.loss /= n;
      this.gain /= n;
    } else {
      this.loss *= n - 1;
      this.gain *= n - 1;
      if (change < 0) this.loss -= change;
      else this.gain += change;
      this.loss /= n;
      this.gain /= n;
    }
    const total = this.gain + this.loss;
    return total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (this.gain / total);
  }

  toJSON(): RsiState {
    return { kind: 'rsi', period: this.period, seen: this.seen, prev: this.prev, gain: this.gain, loss: this.loss };
  }

  static fromJSON(state: unknown): Rsi {
    const s = checkState(RsiStateSchema, state, 'RSI');
    const rsi = new Rsi(s.period);
    rsi.seen = s.seen;
    rsi.prev = s.prev;
    rsi.gain = s.gain;
    rsi.loss = s.loss;
    return rsi;
  }
}
