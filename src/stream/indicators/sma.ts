import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { assertPeriod } from './period.js';
import { RingBuffer, RingBufferStateSchema } from './ring-buffer.js';
import { checkState } from './state-check.js';

export const SmaStateSchema = Type.Object(
  { kind: Type.Literal('sma'), period: Type.Integer(), sum: Type.Number(), window: RingBufferStateSchema },
  { additionalProperties: false },
);
export type SmaState = Static<typeof SmaStateSchema>;

/**
 * Simple moving average as TA-Lib's TA_SMA computes it: one running total that gains the new
 * value, is divided, then loses the oldest. Recomputing the sum each bar would be more exact
 * but would drift from TA-Lib in the last bits; matching it is the point.
 */
export class Sma {
  readonly period: number;
  private sum = 0;
  private window: RingBuffer;

  constructor(period = 20) {
    assertPeriod(period, 'SMA');
    this.period = period;
    this.window = new RingBuffer(period);
  }

  update(x: number): number | null {
    this.sum += x;
    this.window.push(x);
    if (!this.window.full) return null;
    const out = this.sum / this.period;
    this.sum -= this.window.oldest();
    return out;
  }

  toJSON(): SmaState {
    return { kind: 'sma', period: this.period, sum: this.sum, window: this.window.toJSON() };
  }

  static fromJSON(state: unknown): Sma {
    const s = checkState(SmaStateSchema, state, 'SMA');
    const sma = new Sma(s.period);
    const window = RingBuffer.fromJSON(s.window);
    if (window.capacity !== s.period) throw new TickflowError('MALFORMED', 'SMA state: window capacity differs from the period');
    sma.sum = s.sum;
    sma.window = window;
    return sma;
  }
}
