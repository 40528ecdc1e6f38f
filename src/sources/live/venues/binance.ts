// Binance spot and USD-M futures trade feeds, `trade` and `aggTrade` streams, over combined streams
// (`/stream?streams=btcusdt@trade/ethusdt@trade`):
// https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#trade-streams
// https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#aggregate-trade-streams
// https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Aggregate-Trade-Streams
// Gaps are backfilled from REST: spot `GET /api/v3/historicalTrades` and `GET /api/v3/aggTrades`
// (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints),
// futures `GET /fapi/v1/historicalTrades` and `GET /fapi/v1/aggTrades`.
// `m` (buyer is maker) true means the seller was the aggressor: side -1.
import { instrumentId, TickflowError, type InstrumentId, type Side, type TradeBatch } from '../../../core/index.js';
import { BinanceTradeMapper, type TradePusher } from '../../messages/binance-trade.js';
import { checkPrice, checkSize, checkTime, msFromEpochMsOrUs, num, recordError, type RecordError } from '../../record-checks.js';
import { IGNORED, type FrameResult, type TradeOut, type VenueMapper } from '../mapper.js';
import type { Backfill, VenueSpec } from '../venue.js';
import { InstrumentCache, NOT_JSON, badInstrument, isObject, malformed, parseJson } from './mapping.js';

function binanceSymbol(symbol: string): string {
  const s = symbol.trim().toUpperCase();
  if (!/^[A-Z0-9]{2,30}$/.test(s)) {
    throw new TickflowError('BAD_INSTRUMENT', `'${symbol}' is not a Binance symbol (letters and digits, e.g. BTCUSDT)`);
  }
  return s;
}

/** A venue error (`{"error":{"code","msg"}}` answering a request, or `{"code","msg"}`), else undefined. */
function venueError(text: string): string | undefined {
  if (!text.includes('"msg"')) return undefined;
  const v = parseJson(text);
  if (!isObject(v)) return undefined;
  const e = isObject(v['error']) ? v['error'] : v;
  return typeof e['msg'] === 'string' ? `binance error ${String(e['code'] ?? '')}: ${e['msg']}` : undefined;
}

/** `trade` streams, through the fast scanner of `messages/binance-trade.ts`. */
class TradeStreamMapper implements VenueMapper {
  private readonly inner: BinanceTradeMapper;
  private out: TradeOut | undefined;
  private count = 0;
  private readonly pusher: TradePusher = {
    push: (inst: InstrumentId, ts: number, price: number, size: number, id: number, side: Side): TradeBatch | undefined => {
      this.count++;
      this.out?.trade(inst, ts, price, size, id, side);
      return undefined;
    },
  };

  constructor(prefix: string) {
    this.inner = new BinanceTradeMapper({ instrumentOf: (s) => instrumentId(prefix, s) });
  }

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    this.out = out;
    this.count = 0;
    const r = this.inner.map(text, this.pusher, localTs);
    this.out = undefined;
    if (r.kind === 'trade') return { trades: this.count, rejects: [] };
    if (r.kind === 'reject') return { trades: 0, rejects: [recordError(r.reason, r.message)] };
    const err = venueError(text);
    return err === undefined ? IGNORED : { trades: 0, rejects: [], venueError: err };
  }
}

/** `aggTrade` streams: `{"e":"aggTrade","E","s","a","p","q","f","l","T","m","M"}`, id `a`. */
class AggTradeStreamMapper implements VenueMapper {
  private readonly instruments: InstrumentCache;

  constructor(prefix: string) {
    this.instruments = new InstrumentCache((s) => instrumentId(prefix, s));
  }

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (!isObject(v)) return malformed('not a JSON object');
    let msg = v;
    const stream = v['stream'];
    if (typeof stream === 'string' && 'data' in v) {
      const data = v['data'];
      if (!isObject(data)) return malformed(`combined-stream message of '${stream}' whose data is not an object`);
      if (stream.endsWith('@aggTrade') && data['e'] !== 'aggTrade') {
        return malformed(`message of stream '${stream}' has e ${JSON.stringify(data['e']) ?? 'missing'}, not "aggTrade"`);
      }
      msg = data;
    }
    if (msg['e'] !== 'aggTrade') {
      const err = venueError(text);
      return err === undefined ? IGNORED : { trades: 0, rejects: [], venueError: err };
    }
    const bad = pushFields(this.instruments, msg['s'], msg['a'], msg['p'], msg['q'], msg['T'], msg['m'], localTs, out, 'a');
    return bad === undefined ? { trades: 1, rejects: [] } : { trades: 0, rejects: [bad] };
  }
}

/** One trade from its fields (aggTrade stream or REST, which name them alike); a RecordError when one is bad. */
function pushFields(
  instruments: InstrumentCache,
  s: unknown,
  idRaw: unknown,
  p: unknown,
  q: unknown,
  t: unknown,
  m: unknown,
  localTs: number,
  out: TradeOut,
  idKey: string,
): RecordError | undefined {
  if (typeof s !== 'string') return recordError('MALFORMED', `symbol ${JSON.stringify(s) ?? 'missing'} is not a string`);
  if (typeof t !== 'number') return recordError('NOT_NUMERIC', `trade time ${JSON.stringify(t) ?? 'missing'} is not a JSON number`);
  if (typeof m !== 'boolean') return recordError('MALFORMED', `buyer-is-maker ${JSON.stringify(m) ?? 'missing'} is neither true nor false`);
  const price = typeof p === 'string' ? num(p) : NaN;
  const size = typeof q === 'string' ? num(q) : NaN;
  const ts = msFromEpochMsOrUs(t);
  const bad = checkPrice(price, 'price') ?? checkSize(size, 'quantity') ?? checkTime(ts, localTs, 'trade time');
  if (bad) return bad;
  const inst = instruments.get(s);
  if (inst === undefined) return badInstrument('symbol', s);
  const id = typeof idRaw === 'number' && Number.isSafeInteger(idRaw) && idRaw >= 0 ? idRaw : -1;
  if (id < 0) return recordError('MALFORMED', `trade id (${idKey}) ${JSON.stringify(idRaw) ?? 'missing'} is not a non-negative integer`);
  out.trade(inst, ts, price, size, id, m ? -1 : 1);
  return undefined;
}

/** Maps a JSON array of REST trades with `fields` naming id, price, qty, time and buyer-maker. */
function restBackfill(path: string, fields: { id: string; p: string; q: string; t: string; m: string }, prefix: string): Backfill {
  const instruments = new InstrumentCache((s) => instrumentId(prefix, s));
  return {
    limit: 1000,
    url: (base, symbol, fromId, limit) =>
      `${base.replace(/\/$/, '')}${path}?symbol=${encodeURIComponent(symbol)}&fromId=${fromId}&limit=${limit}`,
    map(body, symbol, localTs, out) {
      const v = parseJson(body);
      if (v === NOT_JSON) return malformed(`${path}: response is not valid JSON`);
      if (!Array.isArray(v)) {
        const err = venueError(body);
        return err !== undefined ? { trades: 0, rejects: [], venueError: err } : malformed(`${path}: response is not an array`);
      }
      let trades = 0;
      const rejects: RecordError[] = [];
      for (const r of v) {
        if (!isObject(r)) {
          rejects.push(recordError('MALFORMED', `${path}: element is not an object`));
          continue;
        }
        const bad = pushFields(
          instruments,
          symbol,
          r[fields.id],
          r[fields.p],
          r[fields.q],
          r[fields.t],
          r[fields.m],
          localTs,
          out,
          fields.id,
        );
        if (bad) rejects.push(bad);
        else trades++;
      }
      return { trades, rejects };
    },
  };
}

interface BinanceVariant {
  readonly name: string;
  readonly prefix: string;
  readonly title: string;
  readonly wsUrl: string;
  readonly restUrl: string;
  readonly restRoot: string;
  readonly stream: 'trade' | 'aggTrade';
}

function binanceSpec(v: BinanceVariant): VenueSpec {
  const trade = v.stream === 'trade';
  return {
    name: v.name,
    title: v.title,
    docs: trade
      ? 'https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#trade-streams'
      : 'https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#aggregate-trade-streams',
    wsUrl: v.wsUrl,
    restUrl: v.restUrl,
    ids: 'sequential',
    // 1024 streams per connection; the URL stays well under common limits at 200
    maxSymbolsPerConnection: 200,
    normalizeSymbol: binanceSymbol,
    instrument: (symbol) => instrumentId(v.prefix, symbol),
    connectUrl: (base, symbols) =>
      `${base.replace(/\/$/, '')}/stream?streams=${symbols.map((s) => `${s.toLowerCase()}@${v.stream}`).join('/')}`,
    // the streams are in the URL
    subscribe: () => [],
    createMapper: () => (trade ? new TradeStreamMapper(v.prefix) : new AggTradeStreamMapper(v.prefix)),
    backfill: trade
      ? restBackfill(`${v.restRoot}/historicalTrades`, { id: 'id', p: 'price', q: 'qty', t: 'time', m: 'isBuyerMaker' }, v.prefix)
      : restBackfill(`${v.restRoot}/aggTrades`, { id: 'a', p: 'p', q: 'q', t: 'T', m: 'm' }, v.prefix),
  };
}

export const binance = binanceSpec({
  name: 'binance',
  prefix: 'binance',
  title: 'Binance spot, trade stream',
  wsUrl: 'wss://stream.binance.com:9443',
  restUrl: 'https://api.binance.com',
  restRoot: '/api/v3',
  stream: 'trade',
});

export const binanceAgg = binanceSpec({
  name: 'binance-aggtrade',
  prefix: 'binance',
  title: 'Binance spot, aggregate trade stream (ids are aggregate ids)',
  wsUrl: 'wss://stream.binance.com:9443',
  restUrl: 'https://api.binance.com',
  restRoot: '/api/v3',
  stream: 'aggTrade',
});

export const binanceFutures = binanceSpec({
  name: 'binance-futures',
  prefix: 'binance-futures',
  title: 'Binance USD-M futures, trade stream',
  wsUrl: 'wss://fstream.binance.com',
  restUrl: 'https://fapi.binance.com',
  restRoot: '/fapi/v1',
  stream: 'trade',
});

export const binanceFuturesAgg = binanceSpec({
  name: 'binance-futures-aggtrade',
  prefix: 'binance-futures',
  title: 'Binance USD-M futures, aggregate trade stream (ids are aggregate ids)',
  wsUrl: 'wss://fstream.binance.com',
  restUrl: 'https://fapi.binance.com',
  restRoot: '/fapi/v1',
  stream: 'aggTrade',
});
