import { MAX_FUTURE_SKEW_MS, MIN_TRADE_TIME, type RejectReason } from '../core/index.js';

/** Why a record was refused; the reader turns it into a `Reject` with the raw excerpt and position. */
export interface RecordError {
  readonly reason: RejectReason;
  readonly message: string;
}

export function recordError(reason: RejectReason, message: string): RecordError {
  return { reason, message };
}

/** `Number()` without its surprises: empty or blank text is not 0. */
export function num(s: string | undefined): number {
  if (s === undefined || s.length === 0) return NaN;
  const v = Number(s);
  // only a zero can come from blanks; checking first would cost a trim on every field
  return v === 0 && s.trim().length === 0 ? NaN : v;
}

const NON_FINITE_RE = /^\s*[+-]?(nan|inf|infinity)\s*$/i;

/**
 * Error for a field that did not parse. A spelled-out NaN/Infinity is a number, just a bad
 * one, so it gets the field's own reason (BAD_PRICE, BAD_SIZE); anything else is NOT_NUMERIC.
 */
export function badNumber(field: string, raw: string | undefined, reason: RejectReason = 'NOT_NUMERIC'): RecordError {
  if (raw !== undefined && NON_FINITE_RE.test(raw)) return { reason, message: `${field} is ${raw.trim()}` };
  return { reason: 'NOT_NUMERIC', message: `${field} '${raw ?? ''}' is not a number` };
}

/** A row with the wrong number of fields; one with no separator at all is not a CSV row but garbage. */
export function wrongColumns(got: number, want: number | string): RecordError {
  if (got === 1) return { reason: 'MALFORMED', message: `not a CSV row (expected ${want} comma-separated fields)` };
  return { reason: 'WRONG_COLUMN_COUNT', message: `expected ${want} columns, got ${got}` };
}

export function checkPrice(price: number, field = 'price'): RecordError | undefined {
  if (price > 0 && price < Infinity) return undefined;
  return { reason: 'BAD_PRICE', message: `${field} ${price} is not a positive finite number` };
}

export function checkSize(size: number, field = 'size'): RecordError | undefined {
  if (size >= 0 && size < Infinity) return undefined;
  return { reason: 'BAD_SIZE', message: `${field} ${size} is not a non-negative finite number` };
}

/** Exchange time sanity: not before crypto existed, not further ahead of the local clock than the allowed skew. */
/** Date's range: beyond it `toISOString()` throws, so such times are named by their number. */
const MAX_DATE_MS = 8.64e15;

export function checkTime(ts: number, now: number, field = 'timestamp'): RecordError | undefined {
  if (!Number.isFinite(ts)) return { reason: 'BAD_TIMESTAMP', message: `${field} ${ts} is not a finite time` };
  if (ts > MAX_DATE_MS) return { reason: 'TIMESTAMP_IN_FUTURE', message: `${field} ${ts} is beyond any date` };
  if (ts < -MAX_DATE_MS) return { reason: 'TIMESTAMP_TOO_OLD', message: `${field} ${ts} is before any date` };
  if (ts < MIN_TRADE_TIME) return { reason: 'TIMESTAMP_TOO_OLD', message: `${field} ${new Date(ts).toISOString()} is before 2009` };
  if (ts > now + MAX_FUTURE_SKEW_MS) {
    return { reason: 'TIMESTAMP_IN_FUTURE', message: `${field} ${new Date(ts).toISOString()} is more than 24 h ahead of the local clock` };
  }
  return undefined;
}

/** Epoch time in ms from a number that may be seconds, milliseconds or microseconds (Binance moved archives to µs in 2025). */
export function msFromEpochMsOrUs(t: number): number {
  return t > 1e14 ? t / 1000 : t;
}

/** `YYYY-MM-DD` (optionally followed by a time `HH:MM:SS[.ffffff]`) as UTC epoch ms; NaN when not one. */
export function parseUtcDateTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?Z?$/.exec(s.trim());
  if (!m) return NaN;
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const hh = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const ss = Number(m[6] ?? 0);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60) return NaN;
  const t = Date.UTC(Number(m[1]), mo - 1, d, hh, mi, ss);
  // Date.UTC rolls 2021-02-30 over to March; a date that does not round-trip is not a date
  if (new Date(t).getUTCDate() !== d) return NaN;
  const frac = m[7];
  return frac === undefined ? t : t + Math.round(Number(frac) * 1e6) / 1e3;
}
