// Coinbase Advanced Trade WebSocket, public `market_trades` channel:
// https://docs.cdp.coinbase.com/advanced-trade/docs/ws-channels#market-trades-channel
// (AsyncAPI page: https://docs.cdp.coinbase.com/api-reference/advanced-trade-api/websocket/market-trades,
// keep-alive advice: https://docs.cdp.coinbase.com/advanced-trade/docs/ws-best-practices)
//
// A frame: {"channel":"market_trades","timestamp":"…","sequence_num":9,"events":[{"type":"snapshot"|"update",
//   "trades":[{"product_id":"BTC-USD","trade_id":"1068572091","price":"65083.67","size":"0.01034361",
//   "time":"2026-08-09T21:05:48.167634Z","side":"SELL"}]}]}
// Other channels (`heartbeats`, `subscriptions`, `ticker`, …) are ignored; `{"type":"error","message":…}` is a venue error.
//
// Side: the channel docs do not say whose side `side` is (a third-party copy of the schema says "taker side";
// cryptofeed passes it through as if it were). The recorded feed says otherwise: in the cryptofeed capture
// (../shared/data/ws-captures/cryptofeed/COINBASE.v3.jsonl.gz), against the best bid/ask of the ticker frame
// before each update, 49 of 51 SELL trades printed at the ask and 26 of 28 BUY at the bid (1 SELL at the bid,
// 3 trades inside the spread): a SELL is a resting sell order lifted by a buyer. So `side` is the MAKER side,
// as the Exchange feed documents for its matches (./coinbase-exchange.ts), and the aggressor is the opposite:
// SELL → 1, BUY → -1. test/sources/venues/coinbase.test.ts re-checks this on the capture.
//
// Ids: `trade_id` is a string of digits, consecutive per product in the capture → 'sequential'.
// Order: the feed lists trades newest first, in snapshots and updates alike; they are pushed oldest first
// (ascending id) so the feed's order and gap checks see them as they happened.
// Time: RFC 3339 with µs (some frames ns); the fraction below the ms is kept.
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

const NAME = 'coinbase';
/** Products per subscribe frame: Coinbase documents no limit; this keeps frames small. */
const PRODUCTS_PER_FRAME = 100;
/** `BTC-USD`, `ETH-USDC`, and futures like `BIP-20DEC30-CDE`. */
const PRODUCT_RE = /^[A-Z0-9]+(?:-[A-Z0-9]+)+$/;

class CoinbaseMapper implements VenueMapper {
  private readonly tally = new FrameTally();
  private readonly instruments = new InstrumentCache((s) => instrumentId(NAME, s));

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (!isObject(v)) return malformed(`not a JSON object but ${describe(v)}`);
    if (v['type'] === 'error') return venueError(typeof v['message'] === 'string' ? v['message'] : JSON.stringify(v));
    if (v['channel'] !== 'market_trades') return IGNORED;
    const events = v['events'];
    if (!Array.isArray(events)) return malformed(`market_trades frame whose events is ${describe(events)}, not an array`);
    const tally = this.tally;
    tally.reset();
    for (let e = 0; e < events.length; e++) {
      const ev: unknown = events[e];
      const trades = isObject(ev) ? ev['trades'] : undefined;
      if (!Array.isArray(trades)) {
        tally.rejectAs('MALFORMED', `events[${e}]`, `trades is ${describe(trades)}, not an array`);
        continue;
      }
      const n = trades.length;
      const newestFirst = n > 1 && idOf(trades[0]) > idOf(trades[n - 1]);
      for (let k = 0; k < n; k++) {
        const i = newestFirst ? n - 1 - k : k;
        this.trade(trades[i], e, i, localTs, out);
      }
    }
    return tally.result();
  }

  private trade(t: unknown, e: number, i: number, localTs: number, out: TradeOut): void {
    const tally = this.tally;
    if (!isObject(t)) return tally.rejectAs('MALFORMED', `events[${e}].trades[${i}]`, `is ${describe(t)}, not a trade object`);
    const product = t['product_id'];
    if (typeof product !== 'string') {
      return tally.rejectAs('MALFORMED', `events[${e}].trades[${i}]`, `product_id is ${describe(product)}, not a string`);
    }
    const idRaw = t['trade_id'];
    if (idRaw === undefined) return tally.rejectAs('MALFORMED', `events[${e}].trades[${i}]`, 'trade_id is missing');
    const priceRaw = t['price'];
    const sizeRaw = t['size'];
    const timeRaw = t['time'];
    const price = decimalOf(priceRaw);
    const size = decimalOf(sizeRaw);
    const ts = typeof timeRaw === 'string' ? isoUtcMs(timeRaw) : NaN;
    const bad = tradeProblem(price, priceRaw, 'price', size, sizeRaw, 'size', ts, timeRaw, 'time', 'an RFC 3339 UTC time', localTs);
    if (bad) return tally.reject(bad, `events[${e}].trades[${i}]`);
    const inst = this.instruments.get(product);
    if (inst === undefined) return tally.reject(badInstrument('product_id', product), `events[${e}].trades[${i}]`);
    const side = t['side'];
    // maker side (see the top of the file): a SELL print is a buyer lifting the offer
    out.trade(inst, ts, price, size, tradeIdOf(idRaw), side === 'SELL' ? 1 : side === 'BUY' ? -1 : 0);
    tally.traded();
  }
}

function idOf(t: unknown): number {
  return isObject(t) ? tradeIdOf(t['trade_id']) : -1;
}

export const coinbase: VenueSpec = {
  name: NAME,
  title: 'Coinbase Advanced Trade (market_trades channel)',
  docs: 'https://docs.cdp.coinbase.com/advanced-trade/docs/ws-channels#market-trades-channel',
  wsUrl: 'wss://advanced-trade-ws.coinbase.com',
  ids: 'sequential',
  maxSymbolsPerConnection: 100,
  normalizeSymbol: (symbol) => venueSymbol(NAME, symbol, true, PRODUCT_RE, 'BTC-USD'),
  instrument: (symbol) => instrumentId(NAME, symbol),
  connectUrl: (base) => base,
  subscribe(symbols) {
    if (symbols.length === 0) return [];
    const frames = chunks(symbols, PRODUCTS_PER_FRAME).map((ids) =>
      JSON.stringify({ type: 'subscribe', product_ids: ids, channel: 'market_trades' }),
    );
    // a channel that sees no update is closed after 60-90 s; a heartbeats subscription keeps the connection's channels open
    // (sent with the product ids, as the recorded client did)
    frames.push(JSON.stringify({ type: 'subscribe', product_ids: symbols, channel: 'heartbeats' }));
    return frames;
  },
  createMapper: () => new CoinbaseMapper(),
};
