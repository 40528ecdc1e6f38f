// What tickflow knows about one venue's public trade feed: where to connect, how to
// subscribe, how to keep the connection alive, and how to read its frames. One `VenueSpec`
// per venue API in ./venues/, listed in ./registry.ts. See docs/ADD_AN_EXCHANGE.md.
import type { InstrumentId } from '../../core/index.js';
import type { FrameResult, TradeIds, TradeOut, VenueMapper } from './mapper.js';

export interface VenueSpec {
  /** Registry name and instrument-id prefix: `binance`, `coinbase`, `kraken`, … */
  readonly name: string;
  /** One line for `--help` and docs. */
  readonly title: string;
  /** The API documentation the mapper and subscription follow. */
  readonly docs: string;
  /** Default WebSocket endpoint (overridable by config: that is how tests use the fake exchange). */
  readonly wsUrl: string;
  /** Default REST base, for venues whose feed backfills gaps or polls. */
  readonly restUrl?: string;
  readonly ids: TradeIds;
  /** Symbols one connection may carry; more symbols open more connections. */
  readonly maxSymbolsPerConnection: number;
  /**
   * The venue's own spelling of a user-given symbol (`btcusdt` → `BTCUSDT` on Binance,
   * `btc-usd` → `BTC-USD` on Coinbase); throws a TickflowError (BAD_INSTRUMENT) for one that
   * cannot be a symbol of this venue.
   */
  normalizeSymbol(symbol: string): string;
  /** The instrument id of a venue symbol as normalized above (`coinbase:BTC-USD`). */
  instrument(symbol: string): InstrumentId;
  /** The URL to open for these symbols (Binance names its streams in the URL; most venues return `base`). */
  connectUrl(base: string, symbols: readonly string[]): string;
  /** Frames to send once connected, batched within the venue's per-message limits; may be empty. */
  subscribe(symbols: readonly string[]): string[];
  /** An application-level ping some venues require (Bybit, OKX); WebSocket pings are sent anyway. */
  readonly ping?: { readonly frame: string; readonly intervalMs: number };
  /** A fresh mapper per connection (mappers may keep per-connection state, e.g. Kraken channel ids). */
  createMapper(): VenueMapper;
  /** How to fetch missed trades by id over REST (venues with sequential ids that offer it). */
  readonly backfill?: Backfill;
}

/** Fetching the trades of an id gap from the venue's REST API. */
export interface Backfill {
  /** Most trades one request returns. */
  readonly limit: number;
  /** The request for up to `limit` trades of `symbol` starting at id `fromId`. */
  url(restBase: string, symbol: string, fromId: number, limit: number): string;
  /** Maps a response body (trades of `symbol`) into `out`. */
  map(body: string, symbol: string, localTs: number, out: TradeOut): FrameResult;
}
