// What the venue mappers in this folder share: frame results, reading decimal / id / time fields
// the way venues send them, the field checks of record-checks.ts, a per-connection instrument cache,
// and the symbol and batching helpers of the specs. Nothing here knows a venue.
import { TickflowError, isTickflowError, type InstrumentId, type RejectReason } from '../../../core/index.js';
import { badNumber, checkPrice, checkSize, checkTime, num, recordError, type RecordError } from '../../record-checks.js';
import { IGNORED, type FrameResult } from '../mapper.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What `parseJson` returns for text that is not JSON (`null` is valid JSON, so undefined/null cannot say it). */
export const NOT_JSON: unique symbol = Symbol('not JSON');

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const NO_REJECTS: readonly RecordError[] = Object.freeze([]) as readonly RecordError[];

/** A frame that is wrong as a whole: one MALFORMED reject. */
export function malformed(message: string): FrameResult {
  return { trades: 0, rejects: [recordError('MALFORMED', message)] };
}

/** The venue said something went wrong (never fatal: the feed logs and counts it). */
export function venueError(message: string): FrameResult {
  return { trades: 0, rejects: NO_REJECTS, venueError: message };
}

/** What a value is, for reject messages: `an array`, `string "x"`, `null`, `missing`… */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v === undefined) return 'missing';
  if (typeof v === 'object') return 'an object';
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  // a reject keeps the raw frame anyway; the message only needs enough to recognize the value
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

/**
 * Counts what one frame yielded. A mapper keeps one and resets it per frame, so a frame costs at
 * most its result object (and a rejects array only when something was rejected).
 */
export class FrameTally {
  private trades = 0;
  private rejects: RecordError[] | undefined;

  reset(): void {
    this.trades = 0;
    this.rejects = undefined;
  }

  traded(): void {
    this.trades++;
  }

  /** Rejects one trade (or one part of the frame); `where` locates it in the frame, e.g. `data[3]`. */
  reject(e: RecordError, where: string): void {
    (this.rejects ??= []).push(recordError(e.reason, `${where}: ${e.message}`));
  }

  rejectAs(reason: RejectReason, where: string, message: string): void {
    (this.rejects ??= []).push(recordError(reason, `${where}: ${message}`));
  }

  result(): FrameResult {
    if (this.trades === 0 && this.rejects === undefined) return IGNORED;
    return { trades: this.trades, rejects: this.rejects ?? NO_REJECTS };
  }
}

/** A decimal field: a string as `num` reads it (blank is not 0), a JSON number as is, anything else NaN. */
export function decimalOf(v: unknown): number {
  if (typeof v === 'string') return num(v);
  if (typeof v === 'number') return v;
  return NaN;
}

function rawText(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'missing');
}

/**
 * The checks every trade gets, first problem wins: the three fields are there, price and size parse and are in range, and the
 * exchange time parsed (`ts` is NaN when it did not; `timeRaw` and `timeWhat` then say what was
 * expected) and is sane against the local clock.
 */
export function tradeProblem(
  price: number,
  priceRaw: unknown,
  priceField: string,
  size: number,
  sizeRaw: unknown,
  sizeField: string,
  ts: number,
  timeRaw: unknown,
  timeField: string,
  timeWhat: string,
  localTs: number,
): RecordError | undefined {
  if (priceRaw === undefined) return recordError('MALFORMED', `${priceField} is missing`);
  if (sizeRaw === undefined) return recordError('MALFORMED', `${sizeField} is missing`);
  if (timeRaw === undefined) return recordError('MALFORMED', `${timeField} is missing`);
  if (Number.isNaN(price)) return badNumber(priceField, rawText(priceRaw), 'BAD_PRICE');
  if (Number.isNaN(size)) return badNumber(sizeField, rawText(sizeRaw), 'BAD_SIZE');
  if (Number.isNaN(ts)) return recordError('BAD_TIMESTAMP', `${timeField} ${JSON.stringify(timeRaw) ?? 'missing'} is not ${timeWhat}`);
  return checkPrice(price, priceField) ?? checkSize(size, sizeField) ?? checkTime(ts, localTs, timeField);
}

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A trade id as tickflow keeps it: a non-negative safe integer, from a JSON number or a string of
 * digits; -1 for anything else (a UUID, a negative or fractional number, more digits than a double
 * holds exactly), since a wrong id would mislead dedupe and gap detection more than no id.
 */
export function tradeIdOf(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : -1;
  if (typeof v !== 'string' || v.length === 0 || v.length > 16) return -1;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n <= SAFE ? n : -1;
}

/** Reads `len` digits at `i` as an integer; -1 when one is not a digit. */
function digits(s: string, i: number, len: number): number {
  let n = 0;
  for (let j = i; j < i + len; j++) {
    const c = s.charCodeAt(j) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (RFC 3339 in UTC, as Coinbase and Kraken v2 send it) as epoch
 * ms, keeping the fraction below the ms (`…:42.514318Z` → `….514318` ms; a double holds about a
 * quarter µs at today's epoch, so nanosecond digits are rounded there). NaN when the text is not that.
 * No regex and no substring: this runs once per trade.
 */
export function isoUtcMs(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return NaN; // T, t or a space, as RFC 3339 allows
  const z = s.charCodeAt(n - 1);
  if (z !== 90 && z !== 122) return NaN; // Z or z: only UTC is accepted, an offset would need arithmetic no venue here needs
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hh = digits(s, 11, 2);
  const mm = digits(s, 14, 2);
  const ss = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (DAYS_IN_MONTH[month - 1] ?? 0) + (month === 2 && leap ? 1 : 0)) return NaN;
  let frac = 0;
  if (n > 20) {
    // a fraction: '.', 1 to 9 digits, then the Z
    const fracLen = n - 21;
    if (s.charCodeAt(19) !== 46 || fracLen < 1 || fracLen > 9) return NaN;
    const f = digits(s, 20, fracLen);
    if (f < 0) return NaN;
    frac = f / 10 ** (fracLen - 3);
  }
  return Date.UTC(year, month - 1, day, hh, mm, ss) + frac;
}

/**
 * Epoch seconds with decimals as text (`"1618678142.557535"`, Kraken v1) as epoch ms, the integer
 * and the fraction read apart so the result has one rounding, not the two of `Number(s) * 1000`.
 * NaN when the text is not plain digits with an optional fraction of at most 9 digits.
 */
export function secondsTextMs(s: string): number {
  const n = s.length;
  let i = 0;
  let sec = 0;
  while (i < n) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    sec = sec * 10 + c;
    i++;
  }
  if (i === 0 || i > 12) return NaN;
  if (i === n) return sec * 1000;
  const fracLen = n - i - 1;
  if (s.charCodeAt(i) !== 46 || fracLen < 1 || fracLen > 9) return NaN;
  const f = digits(s, i + 1, fracLen);
  return f < 0 ? NaN : sec * 1000 + f / 10 ** (fracLen - 3);
}

/** Beyond this many symbols a cache starts over (a connection carries a few hundred at most). */
const CACHE_MAX = 4096;

/** The instrument of each venue symbol a connection sees, built once (`instrumentId` normalizes and checks). */
export class InstrumentCache {
  private readonly map = new Map<string, InstrumentId>();

  constructor(private readonly of: (symbol: string) => InstrumentId) {}

  /** The instrument of `symbol`, or undefined when it cannot be one (rejected by the caller as BAD_INSTRUMENT). */
  get(symbol: string): InstrumentId | undefined {
    const hit = this.map.get(symbol);
    if (hit !== undefined) return hit;
    let inst: InstrumentId;
    try {
      inst = this.of(symbol);
    } catch (e) {
      if (isTickflowError(e)) return undefined;
      throw e;
    }
    if (this.map.size >= CACHE_MAX) this.map.clear();
    this.map.set(symbol, inst);
    return inst;
  }
}

/** A trade frame named a symbol that cannot form an instrument id. */
export function badInstrument(field: string, symbol: string): RecordError {
  return recordError('BAD_INSTRUMENT', `${field} ${JSON.stringify(symbol)} cannot form an instrument id`);
}

/**
 * The user's spelling of a symbol in the venue's: trimmed, case changed, then checked against the
 * venue's pattern; throws BAD_INSTRUMENT naming an example when it does not fit.
 */
export function venueSymbol(venue: string, symbol: string, upper: boolean, pattern: RegExp, example: string): string {
  const s = upper ? symbol.trim().toUpperCase() : symbol.trim().toLowerCase();
  if (s.length > 64 || !pattern.test(s)) {
    throw new TickflowError('BAD_INSTRUMENT', `'${symbol}' is not a ${venue} symbol (expected e.g. ${example})`, {
      details: { venue, symbol },
    });
  }
  return s;
}

/** `items` in consecutive groups of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
