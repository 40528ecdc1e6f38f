import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { assertPeriod } from './period.js';
import { RingBuffer, RingBufferStateSchema } from './ring-buffer.js';
import { checkState } from './state-check.js';

export const EmaStateSchema = Type.Object(
  {
    kind: Type.Literal('ema'),
    period: Type.Integer(),
    firstIndex: Type.Integer(),
    seen: Type.Integer({ minimum: 0 }),
    value: Type.Union([Type.Number(), Type.Null()]),
    seed: Type.Union([RingBufferStateSchema, Type.Null()]),
  },
  { additionalProperties: false },
);
export type EmaState = Static<typeof EmaStateSchema>;

export interface EmaOptions {
  /**
   * Index (0-based, counting updates) of the first output; default period - 1. The seed is the
   * SMA of the `period` inputs ending there. TA_MACD starts its fast EMA late this way, at the
   * slow EMA's first index, so both legs begin together.
   */
  readonly firstIndex?: number;
}

/**
 * Exponential moving average with TA-Lib's default ("classic") seeding: k = 2 / (n + 1), the
 * first value is the SMA of the first n inputs, then prev + (x - prev) * k, written in TA-Lib's
 * operation order so results agree to the last bit.
 */
export class Ema {
  readonly period: number;
  readonly firstIndex: number;
  private readonly k: number;
  private seen = 0;
  // NaN until seeded rather than null: a field that only ever holds doubles is updated in place by
  // V8, while a number|null field boxes a new heap number on every bar.
  private value = NaN;
  /** Only held until the seed is taken. */
  private seed: RingBuffer | null;

  constructor(period = 12, options: EmaOptions = {}) {
    assertPeriod(period, 'EMA');
    const firstIndex = options.firstIndex ?? period - 1;
    if (!Number.isInteger(firstIndex) || firstIndex < period - 1) {
      throw new TickflowError('CONFIG_INVALID', `EMA firstIndex must be an integer >= period - 1 (${period - 1}), got ${firstIndex}`);
    }
    this.period = period;
    this.firstIndex = firstIndex;
    this.k = 2.0 / (period + 1);
    this.seed = new RingBuffer(period);
  }

  /** Latest output, null while warming up. */
  get current(): number | null {
    return this.seed === null ? this.value : null;
  }

  update(x: number): number | null {
    const index = this.seen++;
    if (this.seed === null) {
      this.value = (x - this.value) * this.k + this.value;
      return this.value;
    }
    const seed = this.seed;
    seed.push(x);
    if (index < this.firstIndex) return null;
    this.value = seed.sumInOrder() / this.period;
    this.seed = null;
    return this.value;
  }

  toJSON(): EmaState {
    return {
      kind: 'ema',
      period: this.period,
      firstIndex: this.firstIndex,
      seen: this.seen,
      value: this.value,
      seed: this.seed?.toJSON() ?? null,
    };
  }

  static fromJSON(state: unknown): Ema {
    const s = checkState(EmaStateSchema, state, 'EMA');
    const ema = new Ema(s.period, { firstIndex: s.firstIndex });
    if ((s.value === null) === (s.seed === null))
      throw new TickflowError('MALFORMED', 'EMA state must hold either a value or a seed window');
    ema.seen = s.seen;
    ema.value = s.value ?? NaN;
    ema.seed = s.seed === null ? null : RingBuffer.fromJSON(s.seed);
    if (ema.seed !== null && ema.seed.capacity !== s.period)
      throw new TickflowError('MALFORMED', 'EMA state: seed capacity differs from the period');
    return ema;
  }
}
