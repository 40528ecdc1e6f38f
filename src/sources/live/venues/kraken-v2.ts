// Kraken Spot WebSocket API v2, `trade` channel: https://docs.kraken.com/api/docs/websocket-v2/trade
// (acks and errors: https://docs.kraken.com/api/docs/websocket-v2/subscribe, status: …/status, heartbeat: …/heartbeat)
//
// A frame: {"channel":"trade","type":"snapshot"|"update","data":[{"symbol":"BTC/USD","side":"buy","price":26500.1,
//   "qty":0.05,"ord_type":"market","trade_id":4665846,"timestamp":"2023-09-25T07:48:36.925533Z"}]}
// (price and qty are JSON numbers in v2; decimal strings are accepted too). `heartbeat`, `status` "online" and
// successful method responses (`subscribe` acks, `pong`) are ignored; a response with `"success":false` and a
// `status` whose system is not "online" are venue errors.
//
// Side: `side` is the taker's side → buy 1, sell -1. Ids: `trade_id` is an integer, consecutive per book →
// 'sequential'. Time: RFC 3339, µs kept.
// Registry name `kraken-v2`, but instrument ids share v1's prefix: `kraken:BTC/USD`, named by the v2 symbol
// (v1 says `XBT/USD`, so the same market has a different id per API version).
// No capture of v2 was available; the tests use frames written from the documentation.
import { instrumentId } from '../../../core/index.js';
import { IGNORED, type FrameResult, type TradeOut, type VenueMapper } from '../mapper.js';
import type { VenueSpec } from '../venue.js';
import {
  FrameTally,
  InstrumentCache,
  NOT_JSON,
  badInstrument,
  chunks,
  decimalOf,
  describe,
  isObject,
  isoUtcMs,
  malformed,
  parseJson,
  tradeIdOf,
  tradeProblem,
  venueError,
  venueSymbol,
  type Json,
} from './mapping.js';

const PREFIX = 'kraken';
/** Symbols per subscribe frame: none is documented; this keeps frames small. */
const SYMBOLS_PER_FRAME = 50;
const SYMBOL_RE = /^[A-Z0-9][A-Z0-9.]*\/[A-Z0-9][A-Z0-9.]*$/;

class KrakenV2Mapper implements VenueMapper {
  private readonly tally = new FrameTally();
  private readonly instruments = new InstrumentCache((s) => instrumentId(PREFIX, s));

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (!isObject(v)) return malformed(`not a JSON object but ${describe(v)}`);
    const channel = v['channel'];
    if (channel === undefined) return response(v);
    if (channel === 'status') return status(v);
    if (channel !== 'trade') return IGNORED;
    const data = v['data'];
    if (!Array.isArray(data)) return malformed(`trade frame whose data is ${describe(data)}, not an array`);
    const tally = this.tally;
    tally.reset();
    const n = data.length;
    // pushed oldest first whatever order a snapshot lists them in
    const newestFirst = n > 1 && idOf(data[0]) > idOf(data[n - 1]);
    for (let k = 0; k < n; k++) {
      const i = newestFirst ? n - 1 - k : k;
      this.trade(data[i], i, localTs, out);
    }
    return tally.result();
  }

  private trade(t: unknown, i: number, localTs: number, out: TradeOut): void {
    const tally = this.tally;
    if (!isObject(t)) return tally.rejectAs('MALFORMED', `data[${i}]`, `is ${describe(t)}, not a trade object`);
    const symbol = t['symbol'];
    if (typeof symbol !== 'string') return tally.rejectAs('MALFORMED', `data[${i}]`, `symbol is ${describe(symbol)}, not a string`);
    const idRaw = t['trade_id'];
    if (idRaw === undefined) return tally.rejectAs('MALFORMED', `data[${i}]`, 'trade_id is missing');
    const priceRaw = t['price'];
    const sizeRaw = t['qty'];
    const timeRaw = t['timestamp'];
    const price = decimalOf(priceRaw);
    const size = decimalOf(sizeRaw);
    const ts = typeof timeRaw === 'string' ? isoUtcMs(timeRaw) : NaN;
    const bad = tradeProblem(price, priceRaw, 'price', size, sizeRaw, 'qty', ts, timeRaw, 'timestamp', 'an RFC 3339 UTC time', localTs);
    if (bad) return tally.reject(bad, `data[${i}]`);
    const inst = this.instruments.get(symbol);
    if (inst === undefined) return tally.reject(badInstrument('symbol', symbol), `data[${i}]`);
    const side = t['side'];
    out.trade(inst, ts, price, size, tradeIdOf(idRaw), side === 'buy' ? 1 : side === 'sell' ? -1 : 0);
    tally.traded();
  }
}

function idOf(t: unknown): number {
  return isObject(t) ? tradeIdOf(t['trade_id']) : -1;
}

/** A method response (`subscribe`, `unsubscribe`, `pong`): only a failure matters. */
function response(v: Json): FrameResult {
  if (v['success'] !== false) return IGNORED;
  const error = v['error'];
  const message = typeof error === 'string' && error.length > 0 ? error : `${String(v['method'] ?? 'request')} failed`;
  const symbol = v['symbol'];
  return venueError(typeof symbol === 'string' ? `${message} (${symbol})` : message);
}

function status(v: Json): FrameResult {
  const data = v['data'];
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  const system = isObject(first) ? first['system'] : undefined;
  return system === undefined || system === 'online' ? IGNORED : venueError(`system status ${JSON.stringify(system)}`);
}

export const krakenV2: VenueSpec = {
  name: 'kraken-v2',
  title: 'Kraken spot, WebSocket API v2 (trade channel)',
  docs: 'https://docs.kraken.com/api/docs/websocket-v2/trade',
  wsUrl: 'wss://ws.kraken.com/v2',
  ids: 'sequential',
  maxSymbolsPerConnection: 100,
  normalizeSymbol: (symbol) => venueSymbol('kraken-v2', symbol, true, SYMBOL_RE, 'BTC/USD'),
  instrument: (symbol) => instrumentId(PREFIX, symbol),
  connectUrl: (base) => base,
  subscribe: (symbols) =>
    // no snapshot: it would replay up to 50 old trades on every (re)connect
    chunks(symbols, SYMBOLS_PER_FRAME).map((symbol) =>
      JSON.stringify({ method: 'subscribe', params: { channel: 'trade', symbol, snapshot: false } }),
    ),
  createMapper: () => new KrakenV2Mapper(),
};
