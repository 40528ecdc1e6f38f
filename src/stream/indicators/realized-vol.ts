import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { assertPeriod } from './period.js';
import { RingBuffer, RingBufferStateSchema } from './ring-buffer.js';
import { checkState } from './state-check.js';

export const RealizedVolStateSchema = Type.Object(
  {
    kind: Type.Literal('realizedVol'),
    period: Type.Integer(),
    barsPerYear: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()]),
    window: RingBufferStateSchema,
  },
  { additionalProperties: false },
);
export type RealizedVolState = Static<typeof RealizedVolStateSchema>;

const YEAR_MS = 365 * 86_400_000;

/** Crypto trades around the clock, so a year is 365 days of bars with no weekends or holidays. */
export function barsPerYear(intervalMs: number): number {
  if (!(intervalMs > 0) || !Number.isFinite(intervalMs))
    throw new TickflowError('CONFIG_INVALID', `interval must be a positive number of ms, got ${intervalMs}`);
  return YEAR_MS / intervalMs;
}

/**
 * Realized volatility: the POPULATION standard deviation (divide by n, the same convention as
 * TA-Lib's STDDEV and our Bollinger bands) of the last n log returns, times sqrt(bars per year).
 * With barsPerYear null (tick, volume, dollar bars have no fixed duration) it is the plain,
 * non-annualized std. Two passes over the window instead of running sums: n is small, and
 * running sums of squares cancel badly when returns are tiny (stablecoins, 1s bars).
 */
export class RealizedVol {
  readonly period: number;
  readonly barsPerYear: number | null;
  private readonly scale: number;
  private window: RingBuffer;

  constructor(period = 20, barsPerYear: number | null = null) {
    assertPeriod(period, 'realized volatility');
    if (barsPerYear !== null && !(barsPerYear > 0 && Number.isFinite(barsPerYear))) {
      throw new TickflowError('CONFIG_INVALID', `barsPerYear must be a positive number or null, got ${barsPerYear}`);
    }
    this.period = period;
    this.barsPerYear = barsPerYear;
    this.scale = barsPerYear === null ? 1 : Math.sqrt(barsPerYear);
    this.window = new RingBuffer(period);
  }

  /** Takes the bar's log return (not its price). */
  update(logReturn: number): number | null {
    const w = this.window;
    w.push(logReturn);
    if (!w.full) return null;
    const n = this.period;
    const mean = w.sumInOrder() / n;
    const ss = w.sumSquaredDeviations(mean);
    return Math.sqrt(ss / n) * this.scale;
  }

  toJSON(): RealizedVolState {
    return { kind: 'realizedVol', period: this.period, barsPerYear: this.barsPerYear, window: this.window.toJSON() };
  }

  static fromJSON(state: unknown): RealizedVol {
    const s = checkState(RealizedVolStateSchema, state, 'realized volatility');
    const v = new RealizedVol(s.period, s.barsPerYear);
    const window = RingBuffer.fromJSON(s.window);
    if (window.capacity !== s.period)
      throw new TickflowError('MALFORMED', 'realized volatility state: window capacity differs from the period');
    v.window = window;
    return v;
  }
}
