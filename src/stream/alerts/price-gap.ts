import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { checkState } from '../indicators/index.js';

export const PriceGapStateSchema = Type.Object(
  {
    kind: Type.Literal('priceGap'),
    minHistory: Type.Integer({ minimum: 1 }),
    seen: Type.Integer({ minimum: 0 }),
    prevClose: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type PriceGapState = Static<typeof PriceGapStateSchema>;

/**
 * |open - previous close| / previous close. A continuous 24/7 market has no gaps between its
 * bars, so one usually means missing data, a feed outage or a halt, which is why it is an alert.
 */
export class PriceGap {
  readonly minHistory: number;
  private seen = 0;
  private prevClose: number | null = null;
  private signed = NaN;
  private prevOfLast = NaN;

  constructor(minHistory = 20) {
    if (!Number.isInteger(minHistory) || minHistory < 1)
      throw new TickflowError('CONFIG_INVALID', `minHistory must be a positive integer, got ${minHistory}`);
    this.minHistory = minHistory;
  }

  /** Signed gap of the last scored bar, as a fraction of the previous close (NaN if none). */
  get lastSignedGap(): number {
    return this.signed;
  }

  /** Previous close the last gap was measured from (NaN if none). */
  get lastPrevClose(): number {
    return this.prevOfLast;
  }

  /** Gap size (>= 0); null until minHistory bars came before this one. */
  update(open: number, close: number): number | null {
    const prev = this.prevClose;
    const enough = this.seen >= this.minHistory;
    this.seen++;
    this.prevClose = close;
    if (prev === null || !enough) {
      this.signed = NaN;
      this.prevOfLast = NaN;
      return null;
    }
    this.signed = (open - prev) / prev;
    this.prevOfLast = prev;
    return Math.abs(this.signed);
  }

  toJSON(): PriceGapState {
    return { kind: 'priceGap', minHistory: this.minHistory, seen: this.seen, prevClose: this.prevClose };
  }

  static fromJSON(state: unknown): PriceGap {
    const s = checkState(PriceGapStateSchema, state, 'price gap');
    const d = new PriceGap(s.minHistory);
    d.seen = s.seen;
    d.prevClose = s.prevClose;
    return d;
  }
}
