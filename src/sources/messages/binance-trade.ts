// Binance `<symbol>@trade` WebSocket messages, raw (`/ws/<symbol>@trade`) or in the combined-stream
// envelope `{"stream":"btcusdt@trade","data":{…}}` (`/stream?streams=…`):
// https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#trade-streams
// Spot sends `{"e":"trade","E":…,"s":…,"t":…,"p":"…","q":"…","T":…,"m":…,"M":…}`; USD-M futures sends
// the same fields in another order plus `X` (order type). With `timeUnit=MICROSECOND` times are µs.
import { instrumentId, isTickflowError, type InstrumentId, type RejectReason, type Side, type TradeBatch } from '../../core/index.js';
import { plainTradeOk } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, msFromEpochMsOrUs, num, type RecordError } from '../record-checks.js';

/** Where trades go: a `TradeBatchBuilder`, or anything that takes trades one at a time. */
export interface TradePusher {
  push(instrument: InstrumentId, ts: number, price: number, size: number, id: number, side: Side, localTs: number): TradeBatch | undefined;
}

/** The message was a trade, now in the builder; `full` is the batch it completed, to hand on. */
export interface TradeMapped {
  readonly kind: 'trade';
  readonly full: TradeBatch | undefined;
}

/** Valid JSON but not a trade: a subscription ack, another event type, an error response. */
export interface MessageIgnored {
  readonly kind: 'ignored';
}

/** A bad message: not JSON, or a trade with a missing or invalid field. The caller keeps the raw text. */
export interface MessageRejected extends RecordError {
  readonly kind: 'reject';
}

export type MapResult = TradeMapped | MessageIgnored | MessageRejected;

export interface BinanceTradeMapperOptions {
  /** Instrument of a venue symbol (called once per symbol, then cached); default `binance:<SYMBOL>`. */
  readonly instrumentOf?: (symbol: string) => InstrumentId;
  /** false = always JSON.parse (the reference the fast path is tested against). */
  readonly fastPath?: boolean;
}

const MAPPED: TradeMapped = Object.freeze({ kind: 'trade', full: undefined });
const IGNORED: MessageIgnored = Object.freeze({ kind: 'ignored' });

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;

// one bit per key the fast path knows; any other key sends the message to the general path
const K_e = 1;
const K_E = 2;
const K_s = 4;
const K_t = 8;
const K_p = 16;
const K_q = 32;
const K_T = 64;
const K_m = 128;
const K_M = 256;
const K_X = 512;
const REQUIRED = K_e | K_s | K_t | K_p | K_q | K_T | K_m;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SAFE = 2 ** 53;
/** Beyond this many symbols the cache starts over (a live feed has a few hundred at most). */
const CACHE_MAX = 1 << 16;

/**
 * Maps Binance trade messages (the text of a WebSocket frame) into a `TradeBatchBuilder`.
 *
 * Fast path: one `charCodeAt` scan of the text, no `JSON.parse`, no object, no string per field.
 * It accepts only a flat object of the known one-letter keys (`e s t p q T m`, optionally
 * `E M X`, any order, each once), optionally inside `{"stream":"…","data":…}`, with no
 * whitespace, no escapes, integers as plain digits below 2^53, `e` = `"trade"`, and values that
 * pass the checks below. Decimals `p`, `q` with an integer mantissa below 2^53 and at most 22
 * decimals are mantissa / 10^k, a single correctly rounded division, so they equal `Number(p)`
 * bit for bit; other decimal text goes through `Number()` itself.
 *
 * Anything else takes the general path: `JSON.parse`, then field checks with the codes of
 * `record-checks.ts`. So the fast path either yields exactly what the general path would, or
 * declines; it never rejects and never guesses.
 *
 * `localTs` is the local receive time (epoch ms), also the clock that bounds how far ahead `T` may
 * be; it must be a finite time, or every message takes the general path.
 */
export class BinanceTradeMapper {
  private readonly instrumentOf: (symbol: string) => InstrumentId;
  private readonly fastPath: boolean;
  private fastCount = 0;
  private generalCount = 0;
  /** Scan position after the value `uint` or `decimal` read last (`decimal` leaves -1 when it declines). */
  private pos = 0;
  private hash = 0;
  // symbol cache: open addressing on a hash of the symbol's characters, so a hit needs no string
  private slots = emptySlots(64);
  private size = 0;

  constructor(options: BinanceTradeMapperOptions = {}) {
    this.instrumentOf = options.instrumentOf ?? ((s) => instrumentId('binance', s));
    this.fastPath = options.fastPath ?? true;
  }

  /** Messages that took the fast path and the general path so far. */
  get stats(): { readonly fast: number; readonly general: number } {
    return { fast: this.fastCount, general: this.generalCount };
  }

  map(text: string, builder: TradePusher, localTs: number): MapResult {
    if (this.fastPath) {
      const r = this.mapFast(text, builder, localTs);
      if (r !== undefined) {
        this.fastCount++;
        return r;
      }
    }
    this.generalCount++;
    return this.mapGeneral(text, builder, localTs);
  }

  private mapFast(text: string, builder: TradePusher, localTs: number): MapResult | undefined {
    const n = text.length;
    if (text.charCodeAt(0) !== LBRACE) return undefined;
    let i = 1;
    const wrapped = text.startsWith('"stream":', 1);
    if (wrapped) {
      i = this.skipString(text, 10);
      if (i < 0 || !text.startsWith(',"data":{', i)) return undefined;
      i += 9;
    }
    let seen = 0;
    let symStart = 0;
    let symEnd = 0;
    let symHash = 0;
    let id = 0;
    let ts = 0;
    let price = 0;
    let size = 0;
    let maker = false;
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE || text.charCodeAt(i + 2) !== QUOTE || text.charCodeAt(i + 3) !== COLON) return undefined;
      const key = text.charCodeAt(i + 1);
      i += 4;
      let bit: number;
      switch (key) {
        case 101: // e
          if (!text.startsWith('"trade"', i)) return undefined;
          i += 7;
          bit = K_e;
          break;
        case 69: // E
          if (this.uint(text, i) < 0) return undefined;
          i = this.pos;
          bit = K_E;
          break;
        case 115: // s
          symStart = i + 1;
          i = this.skipString(text, i);
          if (i < 0) return undefined;
          symEnd = i - 1;
          symHash = this.hash;
          bit = K_s;
          break;
        case 116: // t
          id = this.uint(text, i);
          if (id < 0) return undefined;
          i = this.pos;
          bit = K_t;
          break;
        case 112: // p
          price = this.decimal(text, i);
          i = this.pos;
          if (i < 0) return undefined;
          bit = K_p;
          break;
        case 113: // q
          size = this.decimal(text, i);
          i = this.pos;
          if (i < 0) return undefined;
          bit = K_q;
          break;
        case 84: // T
          ts = this.uint(text, i);
          if (ts < 0) return undefined;
          i = this.pos;
          bit = K_T;
          break;
        case 109: // m
          if (text.startsWith('true', i)) {
            maker = true;
            i += 4;
          } else if (text.startsWith('false', i)) {
            maker = false;
            i += 5;
          } else return undefined;
          bit = K_m;
          break;
        case 77: // M
          if (text.startsWith('true', i)) i += 4;
          else if (text.startsWith('false', i)) i += 5;
          else return undefined;
          bit = K_M;
          break;
        case 88: // X
          i = this.skipString(text, i);
          if (i < 0) return undefined;
          bit = K_X;
          break;
        default:
          return undefined;
      }
      // JSON.parse keeps the last of duplicate keys; rather than mimic that, decline
      if ((seen & bit) !== 0) return undefined;
      seen |= bit;
      const c = text.charCodeAt(i++);
      if (c === RBRACE) break;
      if (c !== COMMA) return undefined;
    }
    if (wrapped && text.charCodeAt(i++) !== RBRACE) return undefined;
    if (i !== n || (seen & REQUIRED) !== REQUIRED) return undefined;
    ts = msFromEpochMsOrUs(ts);
    if (!plainTradeOk(price, size, ts, localTs)) return undefined;
    const inst = this.instrumentOrUndefined(text, symStart, symEnd, symHash);
    if (inst === undefined) return undefined;
    const full = builder.push(inst, ts, price, size, id, maker ? -1 : 1, localTs);
    return full === undefined ? MAPPED : { kind: 'trade', full };
  }

  /**
   * A JSON string starting at `i` (its opening quote) without escapes or control characters:
   * returns the index after its closing quote (and leaves the hash of its content in `hash`), or -1.
   */
  private skipString(text: string, i: number): number {
    if (text.charCodeAt(i) !== QUOTE) return -1;
    let h = 0;
    for (let j = i + 1; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        this.hash = h;
        return j + 1;
      }
      if (c === BACKSLASH || c < 32) return -1;
      h = (Math.imul(h, 31) + c) | 0;
    }
    return -1;
  }

  /** An unsigned JSON integer below 2^53 at `i` (sets `pos` after it), else -1. */
  private uint(text: string, i: number): number {
    let v = 0;
    let j = i;
    let c = text.charCodeAt(j);
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      c = text.charCodeAt(++j);
    }
    const len = j - i;
    // a leading zero is not JSON; a fraction or exponent fails the separator check that follows
    if (len === 0 || len > 16 || v >= SAFE || (len > 1 && text.charCodeAt(i) === 48)) return -1;
    this.pos = j;
    return v;
  }

  /**
   * The decimal string at `i` (its opening quote) as `Number()` reads it (blank is NaN, as in
   * `num`); sets `pos` after the closing quote, or to -1 when the string has escapes, control
   * characters or no end.
   */
  private decimal(text: string, i: number): number {
    this.pos = -1;
    if (text.charCodeAt(i) !== QUOTE) return NaN;
    const n = text.length;
    let m = 0;
    let digits = 0;
    let frac = -1;
    let plain = true;
    let j = i + 1;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (frac >= 0) frac++;
      } else if (c === 46 && frac < 0) frac = 0;
      else if (c === QUOTE) break;
      else if (c === BACKSLASH || c < 32) return NaN;
      else plain = false;
    }
    if (j === n) return NaN;
    this.pos = j + 1;
    // while the true mantissa is below 2^53 every step above was exact; past it, the computed one is ≥ 2^53 too
    if (plain && digits > 0 && m < SAFE && frac <= 22) return frac > 0 ? m / (POW10[frac] ?? NaN) : m;
    return num(text.slice(i + 1, j));
  }

  /** Instrument of the symbol text[start, end), from the cache or `instrumentOf`; undefined when that throws. */
  private instrumentOrUndefined(text: string, start: number, end: number, h: number): InstrumentId | undefined {
    try {
      return this.instrumentAt(text, start, end, h);
    } catch {
      return undefined;
    }
  }

  /** Instrument of the symbol text[start, end) whose hash is `h`; throws what `instrumentOf` throws. */
  private instrumentAt(text: string, start: number, end: number, h: number): InstrumentId {
    const slots = this.slots;
    const mask = slots.length - 1;
    const len = end - start;
    for (let k = (h ^ (h >>> 15)) & mask; ; k = (k + 1) & mask) {
      const slot = slots[k];
      if (slot === undefined) break;
      if (slot.symbol.length === len && text.startsWith(slot.symbol, start)) return slot.inst;
    }
    const symbol = text.slice(start, end);
    const inst = this.instrumentOf(symbol);
    if (this.size >= CACHE_MAX) this.rehash(64, []);
    else if (this.size * 2 >= slots.length) this.rehash(slots.length * 2, slots);
    this.insert({ symbol, hash: h, inst });
    return inst;
  }

  private insert(entry: CacheEntry): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let k = (entry.hash ^ (entry.hash >>> 15)) & mask;
    while (slots[k] !== undefined) k = (k + 1) & mask;
    slots[k] = entry;
    this.size++;
  }

  private rehash(capacity: number, keep: readonly (CacheEntry | undefined)[]): void {
    this.slots = emptySlots(capacity);
    this.size = 0;
    for (const e of keep) if (e !== undefined) this.insert(e);
  }

  private mapGeneral(text: string, builder: TradePusher, localTs: number): MapResult {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return reject('MALFORMED', 'not valid JSON');
    }
    if (!isObject(v)) return reject('MALFORMED', 'not a JSON object');
    let msg = v;
    const stream = v['stream'];
    if (!('e' in v) && typeof stream === 'string' && 'data' in v) {
      const data = v['data'];
      if (!isObject(data)) return reject('MALFORMED', `combined-stream message of '${stream}' whose data is not an object`);
      // the stream name says what the data must be, so a trade stream's message without e = trade is broken, not foreign
      if (stream.endsWith('@trade') && data['e'] !== 'trade') {
        return reject('MALFORMED', `message of stream '${stream}' has e ${JSON.stringify(data['e']) ?? 'missing'}, not "trade"`);
      }
      msg = data;
    }
    if (msg['e'] !== 'trade') return IGNORED;

    const sRaw = msg['s'];
    const pRaw = msg['p'];
    const qRaw = msg['q'];
    const tsRaw = msg['T'];
    const idRaw = msg['t'];
    const mRaw = msg['m'];
    const absent = missing(sRaw, 's', 'symbol') ?? missing(pRaw, 'p', 'price') ?? missing(qRaw, 'q', 'quantity');
    if (absent) return absent;
    const absentToo = missing(tsRaw, 'T', 'trade time') ?? missing(idRaw, 't', 'trade id') ?? missing(mRaw, 'm', 'is_buyer_maker');
    if (absentToo) return absentToo;
    if (typeof sRaw !== 'string') return reject('MALFORMED', `symbol (s) ${JSON.stringify(sRaw)} is not a string`);
    if (typeof tsRaw !== 'number') return reject('NOT_NUMERIC', `trade time (T) ${JSON.stringify(tsRaw)} is not a JSON number`);
    if (typeof idRaw !== 'number') return reject('NOT_NUMERIC', `trade id (t) ${JSON.stringify(idRaw)} is not a JSON number`);
    if (typeof mRaw !== 'boolean') return reject('MALFORMED', `is_buyer_maker (m) ${JSON.stringify(mRaw)} is neither true nor false`);

    const price = decimalValue(pRaw);
    const size = decimalValue(qRaw);
    if (Number.isNaN(price)) return rejected(badNumber('price (p)', rawText(pRaw), 'BAD_PRICE'));
    if (Number.isNaN(size)) return rejected(badNumber('quantity (q)', rawText(qRaw), 'BAD_SIZE'));
    const ts = msFromEpochMsOrUs(tsRaw);
    const bad = checkPrice(price, 'price (p)') ?? checkSize(size, 'quantity (q)') ?? checkTime(ts, localTs, 'trade time (T)');
    if (bad) return rejected(bad);

    let inst: InstrumentId;
    try {
      inst = this.instrumentAt(sRaw, 0, sRaw.length, stringHash(sRaw));
    } catch (e) {
      if (isTickflowError(e)) return reject('BAD_INSTRUMENT', `symbol (s) '${sRaw}': ${e.message}`);
      throw e;
    }
    // a trade id JSON cannot carry exactly (or a negative one) would mislead dedupe: treat as none
    const id = Number.isSafeInteger(idRaw) && idRaw >= 0 ? idRaw : -1;
    const full = builder.push(inst, ts, price, size, id, mRaw ? -1 : 1, localTs);
    return full === undefined ? MAPPED : { kind: 'trade', full };
  }
}

interface CacheEntry {
  readonly symbol: string;
  readonly hash: number;
  readonly inst: InstrumentId;
}

function emptySlots(n: number): (CacheEntry | undefined)[] {
  return new Array<CacheEntry | undefined>(n).fill(undefined);
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringHash(s: string): number {
  let h = 0;
  for (let j = 0; j < s.length; j++) h = (Math.imul(h, 31) + s.charCodeAt(j)) | 0;
  return h;
}

/** `p` and `q` are decimal strings; a JSON number is taken as is, anything else is not a number. */
function decimalValue(v: unknown): number {
  if (typeof v === 'string') return num(v);
  if (typeof v === 'number') return v;
  return NaN;
}

function rawText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function reject(reason: RejectReason, message: string): MessageRejected {
  return { kind: 'reject', reason, message };
}

function rejected(e: RecordError): MessageRejected {
  return { kind: 'reject', reason: e.reason, message: e.message };
}

function missing(v: unknown, key: string, what: string): MessageRejected | undefined {
  return v === undefined ? reject('MALFORMED', `trade message has no '${key}' (${what})`) : undefined;
}
