// Kraken Spot WebSocket API v1, `trade` channel: https://docs.kraken.com/api/docs/websocket-v1/trade
// (events: https://docs.kraken.com/api/docs/websocket-v1/subscriptionstatus, …/heartbeat, …/systemstatus)
//
// Data frames are arrays: [channelID, [[price, volume, time, side, orderType, misc], …], "trade", "XBT/USD"],
// e.g. [993,[["354.11000000","0.89594024","1618678142.557535","s","l",""]],"trade","XMR/USD"]; other channels
// (book, ticker, spread, ohlc) are arrays too and are ignored by their channel name, the second-to-last element.
// Events are objects: `heartbeat`, `pong`, `systemStatus` "online" and successful `subscriptionStatus` are ignored;
// a `subscriptionStatus` with status "error", an `error` event, and a `systemStatus` other than "online"
// (maintenance, cancel_only, …) are venue errors, so they get logged.
//
// Side: `b`/`s` is the side of the triggering (taker) order → 1 / -1. Ids: v1 trades carry none → -1, 'none'.
// Time: epoch seconds as text with µs decimals, read without the rounding of Number(s) * 1000.
// Symbols are v1 pair names (`XBT/USD`, `XDG/USD`); instrument ids use the names v2 (./kraken-v2.ts) gives
// the same market (`kraken:BTC/USD`), so both APIs' trades of a market are one instrument.
import { instrumentId, type InstrumentId } from '../../../core/index.js';
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
  malformed,
  parseJson,
  secondsTextMs,
  tradeProblem,
  venueError,
  venueSymbol,
  type Json,
} from './mapping.js';

const NAME = 'kraken';
/** Pairs per subscribe frame: none is documented; this keeps frames small. */
const PAIRS_PER_FRAME = 50;
/** `XBT/USD`, `ETH/XBT`, `USDC.M/USD`-style names are letters and digits around one slash (dots allowed). */
const PAIR_RE = /^[A-Z0-9][A-Z0-9.]*\/[A-Z0-9][A-Z0-9.]*$/;

class KrakenMapper implements VenueMapper {
  private readonly tally = new FrameTally();
  private readonly instruments = new InstrumentCache(krakenInstrument);

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (isObject(v)) return event(v);
    if (!Array.isArray(v)) return malformed(`neither an event object nor a channel array but ${describe(v)}`);
    const channel: unknown = v[v.length - 2];
    if (v.length < 4 || typeof channel !== 'string') return malformed(`array frame of ${v.length} elements without a channel name`);
    if (channel !== 'trade') return IGNORED;
    const trades: unknown = v[1];
    const pair: unknown = v[3];
    if (v.length !== 4 || !Array.isArray(trades) || typeof pair !== 'string') {
      return malformed('trade frame is not [channelID, [trades…], "trade", pair]');
    }
    const inst = this.instruments.get(pair);
    if (inst === undefined) return { trades: 0, rejects: [badInstrument('pair', pair)] };
    const tally = this.tally;
    tally.reset();
    for (let i = 0; i < trades.length; i++) {
      const t: unknown = trades[i];
      if (!Array.isArray(t) || t.length < 4) {
        tally.rejectAs('MALFORMED', `trades[${i}]`, `is ${describe(t)}, not [price, volume, time, side, …]`);
        continue;
      }
      const priceRaw: unknown = t[0];
      const sizeRaw: unknown = t[1];
      const timeRaw: unknown = t[2];
      const price = decimalOf(priceRaw);
      const size = decimalOf(sizeRaw);
      const ts = typeof timeRaw === 'string' ? secondsTextMs(timeRaw) : typeof timeRaw === 'number' ? timeRaw * 1000 : NaN;
      const bad = tradeProblem(price, priceRaw, 'price', size, sizeRaw, 'volume', ts, timeRaw, 'time', 'epoch seconds', localTs);
      if (bad) {
        tally.reject(bad, `trades[${i}]`);
        continue;
      }
      const side: unknown = t[3];
      out.trade(inst, ts, price, size, -1, side === 'b' ? 1 : side === 's' ? -1 : 0);
      tally.traded();
    }
    return tally.result();
  }
}

function event(v: Json): FrameResult {
  switch (v['event']) {
    case 'subscriptionStatus':
      if (v['status'] !== 'error') return IGNORED;
      return venueError(withPair(text(v['errorMessage'], 'subscription failed'), v['pair']));
    case 'error':
      return venueError(text(v['errorMessage'], 'error event'));
    case 'systemStatus':
      return v['status'] === 'online' ? IGNORED : venueError(`system status ${JSON.stringify(v['status']) ?? 'missing'}`);
    default:
      return IGNORED;
  }
}

function text(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.length > 0 ? v : fallback;
}

function withPair(message: string, pair: unknown): string {
  return typeof pair === 'string' ? `${message} (${pair})` : message;
}

/** v1's legacy asset codes, spelled as v2 and the rest of the world spell them in instrument ids. */
const ASSET_ALIASES: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

/**
 * `XBT/USD` → `kraken:BTC/USD`: the instrument id v2 gives the same market (`BTC/USD`), so the
 * two APIs' trades of one market are one instrument.
 */
export function krakenInstrument(pair: string): InstrumentId {
  return instrumentId(
    NAME,
    pair
      .toUpperCase()
      .split('/')
      .map((a) => ASSET_ALIASES[a] ?? a)
      .join('/'),
  );
}

export const kraken: VenueSpec = {
  name: NAME,
  title: 'Kraken spot, WebSocket API v1 (trade channel)',
  docs: 'https://docs.kraken.com/api/docs/websocket-v1/trade',
  wsUrl: 'wss://ws.kraken.com',
  ids: 'none',
  maxSymbolsPerConnection: 100,
  normalizeSymbol: (symbol) => venueSymbol(NAME, symbol, true, PAIR_RE, 'XBT/USD'),
  instrument: krakenInstrument,
  connectUrl: (base) => base,
  subscribe: (symbols) =>
    chunks(symbols, PAIRS_PER_FRAME).map((pair) => JSON.stringify({ event: 'subscribe', pair, subscription: { name: 'trade' } })),
  createMapper: () => new KrakenMapper(),
};
