import { TickflowError } from './errors.js';

/** Invariant check: a failure is a bug in tickflow, not bad input. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new TickflowError('INTERNAL', `invariant violated: ${message}`);
}

/** Narrow away undefined/null without the non-null `!`. */
export function defined<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new TickflowError('INTERNAL', `invariant violated: ${what} is missing`);
  return value;
}
