import { TickflowError } from './errors.js';

/** Milliseconds since the Unix epoch, UTC. Inside the pipeline every time is one of these. */
export type EpochMs = number & { readonly __unit: 'EpochMs' };

export const epochMs = (n: number): EpochMs => n as EpochMs;

/** Trades stamped before this are absurd for crypto markets (the first Bitcoin block is 2009-01-03). */
export const MIN_TRADE_TIME = epochMs(Date.UTC(2009, 0, 1));
/** How far ahead of the local clock an exchange timestamp may be before it is rejected. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Parses a time given at the API or CLI edge: epoch milliseconds (digits), or any ISO-8601
 * date/time (a bare date is midnight UTC).
 */
export function parseTime(input: string | number, what = 'time'): EpochMs {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new TickflowError('BAD_REQUEST', `${what}: not a finite number`);
    return epochMs(input);
  }
  const s = input.trim();
  if (/^-?\d+$/.test(s)) return epochMs(Number(s));
  const isoLike = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!isoLike.test(s)) {
    throw new TickflowError(
      'BAD_REQUEST',
      `${what}: '${input}' is neither epoch milliseconds nor an ISO-8601 time (e.g. 2026-02-01T00:00:00Z)`,
    );
  }
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(s) && s.length > 10;
  const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : hasZone ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`);
  if (Number.isNaN(t)) throw new TickflowError('BAD_REQUEST', `${what}: '${input}' is not a valid date`);
  return epochMs(t);
}

/** UTC calendar date `YYYY-MM-DD` of a time (the lake's date partition). */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
