// Binance REST market-data endpoints served from trades the test supplies (typically the ones
// a capture's WebSocket frames carried), so a connector's gap backfill can be checked against
// what the live stream would have delivered.
// Spot: https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints
// USD-M: https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api
import { binanceError, type RestHandler, type RestResponse } from './rest.js';

/** A trade as Binance's `<symbol>@trade` stream reports it, with field names of the REST API. */
export interface BinanceTrade {
  readonly symbol: string;
  readonly id: number;
  readonly price: string;
  readonly qty: string;
  /** trade time, epoch ms */
  readonly time: number;
  readonly isBuyerMaker: boolean;
  /** spot only (`M` of the stream); REST answers `true` when absent */
  readonly isBestMatch?: boolean;
}

/** An aggregate trade as the `<symbol>@aggTrade` stream and `GET /api/v3/aggTrades` spell it. */
export interface BinanceAggTrade {
  readonly symbol: string;
  readonly a: number;
  readonly p: string;
  readonly q: string;
  readonly f: number;
  readonly l: number;
  readonly T: number;
  readonly m: boolean;
  /** spot only */
  readonly M?: boolean;
}

export interface BinanceRestOptions {
  /** USD-M futures shape (`/fapi/v1/...`): no `isBestMatch` / `M`. Default false (spot). */
  readonly futures?: boolean;
}

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 1000;

/**
 * Trades of the `trade` events among `frames` (combined-stream envelopes
 * `{"stream":"btcusdt@trade","data":{...}}` or bare events), sorted by symbol then id, one per id.
 * Frames that are not JSON or not trade events are ignored.
 */
export function binanceTradesFromFrames(frames: readonly { readonly data: string }[]): BinanceTrade[] {
  const seen = new Set<string>();
  const out: BinanceTrade[] = [];
  for (const f of frames) {
    const e = eventOf(f.data, 'trade');
    if (!e) continue;
    const { s, t, p, q, T, m, M } = e;
    if (typeof s !== 'string' || typeof t !== 'number' || typeof p !== 'string' || typeof q !== 'string') continue;
    if (typeof T !== 'number' || typeof m !== 'boolean') continue;
    const key = `${s}:${t}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const trade = { symbol: s, id: t, price: p, qty: q, time: T, isBuyerMaker: m };
    out.push(typeof M === 'boolean' ? { ...trade, isBestMatch: M } : trade);
  }
  return out.sort((x, y) => (x.symbol === y.symbol ? x.id - y.id : x.symbol < y.symbol ? -1 : 1));
}

/** Aggregate trades of the `aggTrade` events among `frames`, sorted by symbol then id, one per id. */
export function binanceAggTradesFromFrames(frames: readonly { readonly data: string }[]): BinanceAggTrade[] {
  const seen = new Set<string>();
  const out: BinanceAggTrade[] = [];
  for (const fr of frames) {
    const e = eventOf(fr.data, 'aggTrade');
    if (!e) continue;
    const { s, a, p, q, f, l, T, m, M } = e;
    if (typeof s !== 'string' || typeof a !== 'number' || typeof p !== 'string' || typeof q !== 'string') continue;
    if (typeof f !== 'number' || typeof l !== 'number' || typeof T !== 'number' || typeof m !== 'boolean') continue;
    const key = `${s}:${a}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const agg = { symbol: s, a, p, q, f, l, T, m };
    out.push(typeof M === 'boolean' ? { ...agg, M } : agg);
  }
  return out.sort((x, y) => (x.symbol === y.symbol ? x.a - y.a : x.symbol < y.symbol ? -1 : 1));
}

/**
 * `GET /api/v3/historicalTrades` (or `/fapi/v1/historicalTrades` with `futures: true`):
 * `symbol` (required, upper case), `fromId` (inclusive; absent → the newest `limit` trades),
 * `limit` (default 500, values above 1000 are clamped to 1000). Answers in id order. The fake
 * only knows the trades it was given: asking from an id older than the first one returns from
 * the first one, past the last one returns `[]`.
 */
export function binanceTradesRest(trades: readonly BinanceTrade[], opts: BinanceRestOptions = {}): RestHandler {
  const bySymbol = groupSorted(trades, (t) => t.id);
  return (query) => {
    const p = commonParams(query, bySymbol);
    if ('error' in p) return p.error;
    const list = p.list;
    const from = p.fromId === undefined ? Math.max(0, list.length - p.limit) : lowerBound(list, p.fromId, (t) => t.id);
    const body = list.slice(from, from + p.limit).map((t) => {
      const row = {
        id: t.id,
        price: t.price,
        qty: t.qty,
        quoteQty: decimalProduct(t.price, t.qty),
        time: t.time,
        isBuyerMaker: t.isBuyerMaker,
      };
      return opts.futures ? row : { ...row, isBestMatch: t.isBestMatch ?? true };
    });
    return { status: 200, body };
  };
}

/**
 * `GET /api/v3/aggTrades` (or `/fapi/v1/aggTrades` with `futures: true`): `symbol`, `fromId`,
 * `startTime`, `endTime` (inclusive, combined with AND), `limit` (default 500, clamped to 1000).
 * With none of `fromId`/`startTime`/`endTime`, the newest `limit` aggregate trades.
 */
export function binanceAggTradesRest(aggTrades: readonly BinanceAggTrade[], opts: BinanceRestOptions = {}): RestHandler {
  const bySymbol = groupSorted(aggTrades, (t) => t.a);
  return (query) => {
    const p = commonParams(query, bySymbol);
    if ('error' in p) return p.error;
    const startTime = intParam(query, 'startTime');
    const endTime = intParam(query, 'endTime');
    if (typeof startTime === 'object') return startTime;
    if (typeof endTime === 'object') return endTime;
    let rows = p.list;
    if (p.fromId === undefined && startTime === undefined && endTime === undefined) {
      rows = rows.slice(Math.max(0, rows.length - p.limit));
    } else {
      if (p.fromId !== undefined) rows = rows.slice(lowerBound(rows, p.fromId, (t) => t.a));
      rows = rows
        .filter((t) => (startTime === undefined || t.T >= startTime) && (endTime === undefined || t.T <= endTime))
        .slice(0, p.limit);
    }
    const body = rows.map((t) => {
      const row = { a: t.a, p: t.p, q: t.q, f: t.f, l: t.l, T: t.T, m: t.m };
      return opts.futures ? row : { ...row, M: t.M ?? true };
    });
    return { status: 200, body };
  };
}

/**
 * `GET /api/v3/ticker/price` (same shape as `/fapi/v1/ticker/price` without its `time`):
 * `?symbol=BTCUSDT` → `{"symbol","price"}`; `?symbols=["BTCUSDT","ETHUSDT"]` → an array in the
 * asked order; neither → every symbol. Prices given as numbers are written with 8 decimals
 * like Binance's. `prices` is read on every request: mutate it, or pass a function, to move
 * the market between polls.
 */
export function binanceTickerPriceRest(
  prices: Readonly<Record<string, string | number>> | (() => Readonly<Record<string, string | number>>),
): RestHandler {
  return (query) => {
    const table = typeof prices === 'function' ? prices() : prices;
    const row = (symbol: string): { symbol: string; price: string } | undefined => {
      const v = table[symbol];
      return v === undefined ? undefined : { symbol, price: typeof v === 'number' ? v.toFixed(8) : v };
    };
    const symbol = query.get('symbol');
    const symbols = query.get('symbols');
    if (symbol !== null && symbols !== null) return binanceError(-1128, 'Combination of optional parameters invalid.');
    if (symbol !== null) {
      if (!SYMBOL_RE.test(symbol)) return illegal('symbol', SYMBOL_RE_TEXT);
      const r = row(symbol);
      return r ? { status: 200, body: r } : binanceError(-1121, 'Invalid symbol.');
    }
    if (symbols !== null) {
      let list: unknown;
      try {
        list = JSON.parse(symbols);
      } catch {
        list = undefined;
      }
      if (!Array.isArray(list) || list.length === 0 || !list.every((s): s is string => typeof s === 'string' && SYMBOL_RE.test(s))) {
        return illegal('symbols', '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$');
      }
      const rows = list.map(row);
      if (rows.some((r) => r === undefined)) return binanceError(-1121, 'Invalid symbol.');
      return { status: 200, body: rows };
    }
    return { status: 200, body: Object.keys(table).map(row) };
  };
}

/** Exact `a × b` of two non-negative decimal strings, truncated to `dp` decimals. */
export function decimalProduct(a: string, b: string, dp = 8): string {
  const [ai, as] = scaled(a);
  const [bi, bs] = scaled(b);
  const scale = as + bs;
  const prod = scale >= dp ? (ai * bi) / 10n ** BigInt(scale - dp) : ai * bi * 10n ** BigInt(dp - scale);
  const s = prod.toString().padStart(dp + 1, '0');
  return dp === 0 ? s : `${s.slice(0, -dp)}.${s.slice(-dp)}`;
}

function scaled(x: string): [bigint, number] {
  if (!/^\d+(\.\d*)?$/.test(x)) throw new RangeError(`not a non-negative decimal: ${x}`);
  const [int = '0', frac = ''] = x.split('.');
  return [BigInt(int + frac), frac.length];
}

const SYMBOL_RE = /^[A-Z0-9-_.]{1,20}$/;
const SYMBOL_RE_TEXT = '^[A-Z0-9-_.]{1,20}$';
const INT_RE = /^-?\d{1,20}$/;

function illegal(param: string, range: string): RestResponse {
  return binanceError(-1100, `Illegal characters found in parameter '${param}'; legal range is '${range}'.`);
}

function intParam(query: URLSearchParams, name: string): number | undefined | RestResponse {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!INT_RE.test(v)) return illegal(name, '^-?[0-9]{1,20}$');
  return Number(v);
}

function commonParams<T>(
  query: URLSearchParams,
  bySymbol: ReadonlyMap<string, readonly T[]>,
): { error: RestResponse } | { list: readonly T[]; fromId: number | undefined; limit: number } {
  const symbol = query.get('symbol');
  if (symbol === null || symbol === '') {
    return { error: binanceError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.") };
  }
  if (!SYMBOL_RE.test(symbol)) return { error: illegal('symbol', SYMBOL_RE_TEXT) };
  const list = bySymbol.get(symbol);
  if (!list) return { error: binanceError(-1121, 'Invalid symbol.') };
  const fromId = intParam(query, 'fromId');
  if (typeof fromId === 'object') return { error: fromId };
  const limit = intParam(query, 'limit');
  if (typeof limit === 'object') return { error: limit };
  if (limit !== undefined && limit < 1) return { error: illegal('limit', '^[0-9]{1,20}$') };
  return { list, fromId, limit: Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT) };
}

function groupSorted<T extends { readonly symbol: string }>(rows: readonly T[], id: (t: T) => number): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const list = m.get(r.symbol) ?? [];
    list.push(r);
    m.set(r.symbol, list);
  }
  for (const list of m.values()) list.sort((x, y) => id(x) - id(y));
  return m;
}

/** First index whose id is >= `target`. */
function lowerBound<T>(list: readonly T[], target: number, id: (t: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = list[mid];
    if (v !== undefined && id(v) < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The event object of a Binance frame (envelope or bare) when its `e` is `type`. */
function eventOf(text: string, type: string): Record<string, unknown> | undefined {
  if (!text.includes(`"e":"${type}"`)) return undefined;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(o)) return undefined;
  const e = isRecord(o['data']) ? o['data'] : o;
  return e['e'] === type ? e : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
