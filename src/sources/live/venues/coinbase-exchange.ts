// Coinbase Exchange (formerly Coinbase Pro) WebSocket feed, `matches` channel:
// https://docs.cdp.coinbase.com/exchange/websocket-feed/channels#matches-channel
//
// A trade: {"type":"match","trade_id":10,"sequence":50,"maker_order_id":"…","taker_order_id":"…",
//   "time":"2014-11-07T08:19:27.028459Z","product_id":"BTC-USD","size":"5.23512","price":"400.23","side":"sell"}
// `last_match` has the same fields: the last trade before the subscription, sent once per product on
// subscribe; it is pushed like any trade (after a reconnect it may repeat one already seen; its id says so).
// `{"type":"error","message":…,"reason":…}` is a venue error; `subscriptions`, `heartbeat` and every
// other type are ignored.
//
// Side: documented as the MAKER order side ("sell" = the maker was a sell order, an up-tick), so the
// aggressor is the opposite: sell → 1, buy → -1.
// Ids: `trade_id` is an integer, consecutive per product → 'sequential'. Time: RFC 3339, µs kept.
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
} from './mapping.js';

const NAME = 'coinbase-exchange';
/** Products per subscribe frame: none is documented; this keeps frames small. */
const PRODUCTS_PER_FRAME = 100;
const PRODUCT_RE = /^[A-Z0-9]+(?:-[A-Z0-9]+)+$/;

class CoinbaseExchangeMapper implements VenueMapper {
  private readonly tally = new FrameTally();
  private readonly instruments = new InstrumentCache((s) => instrumentId(NAME, s));

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (!isObject(v)) return malformed(`not a JSON object but ${describe(v)}`);
    const type = v['type'];
    if (type === 'error') return venueError(errorText(v));
    if (type !== 'match' && type !== 'last_match') return IGNORED;

    const tally = this.tally;
    tally.reset();
    const product = v['product_id'];
    if (typeof product !== 'string') return malformed(`${type} whose product_id is ${describe(product)}, not a string`);
    const idRaw = v['trade_id'];
    if (idRaw === undefined) return malformed(`${type} without trade_id`);
    const priceRaw = v['price'];
    const sizeRaw = v['size'];
    const timeRaw = v['time'];
    const price = decimalOf(priceRaw);
    const size = decimalOf(sizeRaw);
    const ts = typeof timeRaw === 'string' ? isoUtcMs(timeRaw) : NaN;
    const bad = tradeProblem(price, priceRaw, 'price', size, sizeRaw, 'size', ts, timeRaw, 'time', 'an RFC 3339 UTC time', localTs);
    if (bad) {
      tally.reject(bad, type);
      return tally.result();
    }
    const inst = this.instruments.get(product);
    if (inst === undefined) {
      tally.reject(badInstrument('product_id', product), type);
      return tally.result();
    }
    const side = v['side'];
    // maker side: a "sell" match is a buyer taking a resting sell order
    out.trade(inst, ts, price, size, tradeIdOf(idRaw), side === 'sell' ? 1 : side === 'buy' ? -1 : 0);
    tally.traded();
    return tally.result();
  }
}

function errorText(v: Record<string, unknown>): string {
  const message = v['message'];
  const reason = v['reason'];
  if (typeof message !== 'string') return JSON.stringify(v);
  return typeof reason === 'string' && reason.length > 0 ? `${message}: ${reason}` : message;
}

export const coinbaseExchange: VenueSpec = {
  name: NAME,
  title: 'Coinbase Exchange, formerly Pro (matches channel)',
  docs: 'https://docs.cdp.coinbase.com/exchange/websocket-feed/channels#matches-channel',
  wsUrl: 'wss://ws-feed.exchange.coinbase.com',
  ids: 'sequential',
  maxSymbolsPerConnection: 100,
  normalizeSymbol: (symbol) => venueSymbol(NAME, symbol, true, PRODUCT_RE, 'BTC-USD'),
  instrument: (symbol) => instrumentId(NAME, symbol),
  connectUrl: (base) => base,
  subscribe: (symbols) =>
    // heartbeat: one message a second per product, so a quiet product still shows the connection is alive
    chunks(symbols, PRODUCTS_PER_FRAME).map((ids) =>
      JSON.stringify({ type: 'subscribe', product_ids: ids, channels: ['matches', 'heartbeat'] }),
    ),
  createMapper: () => new CoinbaseExchangeMapper(),
};
