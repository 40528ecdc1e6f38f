// A fake exchange for testing live connectors without the internet: replays recorded WebSocket
// frames (../shared/data/ws-captures) from a local server, serves venue-shaped REST routes for
// backfill and polling, and injects faults on demand. How to use it: ./README.md.
export {
  startFakeExchange,
  type ClientMessage,
  type ConnectionInfo,
  type FakeExchange,
  type FakeExchangeOptions,
  type ReplayFrame,
  type SkippedFrame,
} from './fake-exchange.js';
export { binanceError, type RateLimit, type RestHandler, type RestHit, type RestResponse, type RestRoutes } from './rest.js';
export {
  binanceAggTradesFromFrames,
  binanceAggTradesRest,
  binanceTickerPriceRest,
  binanceTradesFromFrames,
  binanceTradesRest,
  type BinanceAggTrade,
  type BinanceRestOptions,
  type BinanceTrade,
} from './binance-rest.js';
export { binanceStreamRoute } from './binance-streams.js';
export { coingeckoSimplePriceRest, type CoingeckoPrices } from './coingecko-rest.js';
