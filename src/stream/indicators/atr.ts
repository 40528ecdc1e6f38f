import Type, { type Static } from 'typebox';
import { assertPeriod } from './period.js';
import { checkState } from './state-check.js';
import { trueRange } from './true-range.js';

export const AtrStateSchema = Type.Object(
  {
    kind: Type.Literal('atr'),
    period: Type.Integer(),
    seen: Type.Integer({ minimum: 0 }),
    prevClose: Type.Number(),
    value: Type.Number(),
  },
  { additionalProperties: false },
);
export type AtrState = Static<typeof AtrStateSchema>;

/**
 * Average true range as TA_ATR: true range needs the previous close, so bar 0 has none; the first
 * ATR (index n) is the SMA of the true ranges of bars 1..n, then Wilder smoothing
 * atr = (atr * (n - 1) + tr) / n.
 */
export class Atr {
  readonly period: number;
  private seen = 0;
  private prevClose = 0;
  /** Running sum of true ranges during warm-up, the ATR after. */
  private value = 0;

  constructor(period = 14) {
    assertPeriod(period, 'ATR', 1);
    this.period = period;
  }

  update(high: number, low: number, close: number): number | null {
    const index = this.seen++;
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (index === 0) return null;
    const tr = trueRange(high, low, prevClose);
    const n = this.period;
    if (index < n) {
      this.value += tr;
      return null;
    }
    if (index === n) {
      this.value += tr;
      this.value /= n;
    } else {
      this.value *= n - 1;
      this.value += tr;
      this.value /= n;
    }
    return this.value;
  }

  toJSON(): AtrState {
    return { kind: 'atr', period: this.period, seen: this.seen, prevClose: this.prevClose, value: this.value };
  }

  static fromJSON(state: unknown): Atr {
    const s = checkState(AtrStateSchema, state, 'ATR');
    const atr = new Atr(s.period);
    atr.seen = s.seen;
    atr.prevClose = s.prevClose;
    atr.value = s.value;
    return atr;
  }
}
