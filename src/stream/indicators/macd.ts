import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { Ema, EmaStateSchema } from './ema.js';
import { assertPeriod } from './period.js';
import { checkState } from './state-check.js';

export const MacdStateSchema = Type.Object(
  { kind: Type.Literal('macd'), fast: EmaStateSchema, slow: EmaStateSchema, signal: EmaStateSchema },
  { additionalProperties: false },
);
export type MacdState = Static<typeof MacdStateSchema>;

export interface MacdValue {
  readonly macd: number;
  readonly signal: number;
  readonly hist: number;
}

/**
 * MACD as TA_MACD (not as EMA(fast) - EMA(slow) computed separately): TA-Lib seeds the fast EMA
 * over the `fast` inputs ending at the slow EMA's first index (slow - 1), so both legs start
 * together there; the signal is an SMA-seeded EMA of the MACD line; every output, the MACD line
 * included, appears from index slow + signal - 2 (33 for 12/26/9).
 */
export class Macd {
  readonly fastPeriod: number;
  readonly slowPeriod: number;
  readonly signalPeriod: number;
  private fast: Ema;
  private slow: Ema;
  private signalEma: Ema;
  private line = NaN;
  private sig = NaN;

  constructor(fastPeriod = 12, slowPeriod = 26, signalPeriod = 9) {
    assertPeriod(fastPeriod, 'MACD fast');
    assertPeriod(slowPeriod, 'MACD slow');
    // TA-Lib's MACD accepts signal 1 but then misaligns its output (garbage at begIdx), so 1 is refused here.
    assertPeriod(signalPeriod, 'MACD signal');
    // TA-Lib silently swaps fast and slow when slow < fast; a config saying so is more likely a mistake.
    if (fastPeriod >= slowPeriod)
      throw new TickflowError('CONFIG_INVALID', `MACD fast period (${fastPeriod}) must be below the slow period (${slowPeriod})`);
    this.fastPeriod = fastPeriod;
    this.slowPeriod = slowPeriod;
    this.signalPeriod = signalPeriod;
    this.fast = new Ema(fastPeriod, { firstIndex: slowPeriod - 1 });
    this.slow = new Ema(slowPeriod);
    this.signalEma = new Ema(signalPeriod);
  }

  /** Outputs of this instance's last warmed-up step (NaN before it, and after a restore until the next step). */
  get macd(): number {
    return this.line;
  }
  get signal(): number {
    return this.sig;
  }
  get hist(): number {
    return this.line - this.sig;
  }

  /** Updates and returns whether all three outputs are warmed up. */
  step(x: number): boolean {
    const f = this.fast.update(x);
    const s = this.slow.update(x);
    if (f === null || s === null) return false;
    const line = f - s;
    const sig = this.signalEma.update(line);
    if (sig === null) return false;
    this.line = line;
    this.sig = sig;
    return true;
  }

  update(x: number): MacdValue | null {
    return this.step(x) ? { macd: this.line, signal: this.sig, hist: this.line - this.sig } : null;
  }

  toJSON(): MacdState {
    return { kind: 'macd', fast: this.fast.toJSON(), slow: this.slow.toJSON(), signal: this.signalEma.toJSON() };
  }

  static fromJSON(state: unknown): Macd {
    const s = checkState(MacdStateSchema, state, 'MACD');
    const m = new Macd(s.fast.period, s.slow.period, s.signal.period);
    if (s.fast.firstIndex !== s.slow.period - 1)
      throw new TickflowError('MALFORMED', 'MACD state: fast EMA does not start with the slow one');
    m.fast = Ema.fromJSON(s.fast);
    m.slow = Ema.fromJSON(s.slow);
    m.signalEma = Ema.fromJSON(s.signal);
    return m;
  }
}
