import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { assertPeriod } from './period.js';
import { RingBuffer, RingBufferStateSchema } from './ring-buffer.js';
import { checkState } from './state-check.js';
import { TA_EPSILON } from './talib-epsilon.js';

export const BollingerStateSchema = Type.Object(
  {
    kind: Type.Literal('bollinger'),
    period: Type.Integer(),
    stdDevs: Type.Number(),
    sum: Type.Number(),
    sumSq: Type.Number(),
    window: RingBufferStateSchema,
  },
  { additionalProperties: false },
);
export type BollingerState = Static<typeof BollingerStateSchema>;

export interface BollingerBands {
  readonly upper: number;
  readonly middle: number;
  readonly lower: number;
}

/**
 * Bollinger bands as TA_BBANDS with an SMA middle: middle = SMA(n), sigma the population standard
 * deviation from running sums (E[x^2] - mean^2, TA-Lib's stddev_using_precalc_ma, including its
 * "below epsilon is zero" rule), bands = middle +/- k * sigma.
 */
export class Bollinger {
  readonly period: number;
  readonly stdDevs: number;
  private sum = 0;
  private sumSq = 0;
  private window: RingBuffer;
  // Last bands kept in fields so the engine can read them without allocating an object per bar.
  private up = NaN;
  private mid = NaN;
  private low = NaN;

  constructor(period = 20, stdDevs = 2) {
    assertPeriod(period, 'Bollinger');
    if (!Number.isFinite(stdDevs) || stdDevs <= 0)
      throw new TickflowError('CONFIG_INVALID', `Bollinger stdDevs must be a positive number, got ${stdDevs}`);
    this.period = period;
    this.stdDevs = stdDevs;
    this.window = new RingBuffer(period);
  }

  /** Updates and returns whether the bands are warmed up; the values are in upper/middle/lower. */
  step(x: number): boolean {
    this.sum += x;
    this.sumSq += x * x;
    this.window.push(x);
    if (!this.window.full) return false;
    const n = this.period;
    const middle = this.sum / n;
    const oldest = this.window.oldest();
    this.sum -= oldest;
    let variance = this.sumSq / n;
    this.sumSq -= oldest * oldest;
    variance -= middle * middle;
    const sigma = variance < TA_EPSILON ? 0 : Math.sqrt(variance);
    const width = sigma * this.stdDevs;
    this.mid = middle;
    this.up = middle + width;
    this.low = middle - width;
    return true;
  }

  /** Bands of this instance's last warmed-up step (NaN before it, and after a restore until the next step). */
  get upper(): number {
    return this.up;
  }
  get middle(): number {
    return this.mid;
  }
  get lower(): number {
    return this.low;
  }

  update(x: number): BollingerBands | null {
    return this.step(x) ? { upper: this.upper, middle: this.middle, lower: this.lower } : null;
  }

  toJSON(): BollingerState {
    return {
      kind: 'bollinger',
      period: this.period,
      stdDevs: this.stdDevs,
      sum: this.sum,
      sumSq: this.sumSq,
      window: this.window.toJSON(),
    };
  }

  static fromJSON(state: unknown): Bollinger {
    const s = checkState(BollingerStateSchema, state, 'Bollinger');
    const b = new Bollinger(s.period, s.stdDevs);
    const window = RingBuffer.fromJSON(s.window);
    if (window.capacity !== s.period) throw new TickflowError('MALFORMED', 'Bollinger state: window capacity differs from the period');
    b.sum = s.sum;
    b.sumSq = s.sumSq;
    b.window = window;
    return b;
  }
}
