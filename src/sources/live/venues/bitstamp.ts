// Bitstamp WebSocket API v2, `live_trades_<pair>` channels: https://www.bitstamp.net/websocket/v2/
//
// A frame: {"event":"trade","channel":"live_trades_ethusd","data":{"id":216000477,"timestamp":"1641343699",
//   "microtimestamp":"1641343699596000","amount":0.0792,"amount_str":"0.07920000","price":3805.44,
//   "price_str":"3805.44","type":0,"buy_order_id":…,"sell_order_id":…}}
// `bts:subscription_succeeded`, `bts:heartbeat` and other channels' events are ignored; `bts:error` is a venue
// error. `bts:request_reconnect` (maintenance: the server is about to drop us) is ignored too: the feed layer
// reconnects when the connection closes, so acting on the notice would only reconnect earlier.
//
// Side: `type` is the taker's side, 0 buy → 1, 1 sell → -1. Ids: `id` is an integer increasing across all
// pairs (so not consecutive within one) → 'increasing'. Time: `microtimestamp` (µs) when present, else
// `timestamp` (s). Price and amount: the `_str` decimals when present, else the JSON numbers.
// Symbols: Bitstamp spells pairs in lower case (`btcusd`); instrument ids upper-case them (`bitstamp:BTCUSD`).
import { instrumentId } from '../../../core/index.js';
import { IGNORED, type FrameResult, type TradeOut, type VenueMapper } from '../mapper.js';
import type { VenueSpec } from '../venue.js';
import {
  InstrumentCache,
  NOT_JSON,
  badInstrument,
  decimalOf,
  describe,
  isObject,
  malformed,
  parseJson,
  tradeIdOf,
  tradeProblem,
  venueError,
  venueSymbol,
  type Json,
} from './mapping.js';

const NAME = 'bitstamp';
const CHANNEL = 'live_trades_';
/** `btcusd`, `usdteur`, `1inchusd`; the user may write `BTC/USD`, `btc-usd` or `BTCUSD` (separators dropped). */
const PAIR_RE = /^[a-z0-9]{2,24}$/;

class BitstampMapper implements VenueMapper {
  private readonly instruments = new InstrumentCache((s) => instrumentId(NAME, s));

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (!isObject(v)) return malformed(`not a JSON object but ${describe(v)}`);
    const ev = v['event'];
    if (ev === 'bts:error') return venueError(errorText(v));
    if (ev !== 'trade') return IGNORED;
    const channel = v['channel'];
    if (typeof channel !== 'string' || !channel.startsWith(CHANNEL)) return IGNORED;
    const d = v['data'];
    if (!isObject(d)) return malformed(`trade event whose data is ${describe(d)}, not an object`);
    const idRaw = d['id'];
    if (idRaw === undefined) return malformed('trade without id');
    const priceRaw = typeof d['price_str'] === 'string' ? d['price_str'] : d['price'];
    const sizeRaw = typeof d['amount_str'] === 'string' ? d['amount_str'] : d['amount'];
    const micro = d['microtimestamp'];
    const timeRaw = micro ?? d['timestamp'];
    const timeField = micro === undefined ? 'timestamp' : 'microtimestamp';
    const price = decimalOf(priceRaw);
    const size = decimalOf(sizeRaw);
    const t = decimalOf(timeRaw);
    const ts = micro === undefined ? t * 1000 : t / 1000;
    const what = micro === undefined ? 'epoch seconds' : 'epoch µs';
    const bad = tradeProblem(price, priceRaw, 'price', size, sizeRaw, 'amount', ts, timeRaw, timeField, what, localTs);
    if (bad) return { trades: 0, rejects: [bad] };
    const pair = channel.slice(CHANNEL.length);
    const inst = this.instruments.get(pair);
    if (inst === undefined) return { trades: 0, rejects: [badInstrument('channel pair', pair)] };
    const type = d['type'];
    out.trade(inst, ts, price, size, tradeIdOf(idRaw), type === 0 ? 1 : type === 1 ? -1 : 0);
    return ONE_TRADE;
  }
}

const ONE_TRADE: FrameResult = Object.freeze({ trades: 1, rejects: Object.freeze([]) as readonly never[] });

function errorText(v: Json): string {
  const d = v['data'];
  const message = isObject(d) ? d['message'] : undefined;
  return typeof message === 'string' && message.length > 0 ? message : JSON.stringify(v);
}

export const bitstamp: VenueSpec = {
  name: NAME,
  title: 'Bitstamp WebSocket API v2 (live_trades channels)',
  docs: 'https://www.bitstamp.net/websocket/v2/',
  wsUrl: 'wss://ws.bitstamp.net',
  ids: 'increasing',
  maxSymbolsPerConnection: 100,
  normalizeSymbol: (symbol) => venueSymbol(NAME, symbol.replace(/[/_-]/g, ''), false, PAIR_RE, 'btcusd'),
  instrument: (symbol) => instrumentId(NAME, symbol),
  connectUrl: (base) => base,
  // one channel per subscribe message is all Bitstamp accepts
  subscribe: (symbols) => symbols.map((s) => JSON.stringify({ event: 'bts:subscribe', data: { channel: CHANNEL + s } })),
  createMapper: () => new BitstampMapper(),
};
