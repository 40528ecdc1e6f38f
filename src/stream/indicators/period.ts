import { TickflowError } from '../../core/index.js';

/** TA-Lib's accepted range for a time period. */
export const MAX_PERIOD = 100_000;

/** Constructors check too, because indicators can be built directly, not only through a validated config. */
export function assertPeriod(period: number, what: string, min = 2): void {
  if (!Number.isInteger(period) || period < min || period > MAX_PERIOD) {
    throw new TickflowError('CONFIG_INVALID', `${what} period must be an integer in [${min}, ${MAX_PERIOD}], got ${period}`);
  }
}
