// Every live venue tickflow can subscribe to, by name. `--source <venue>:<SYMBOL>,<SYMBOL>`
// picks one; docs/ADD_AN_EXCHANGE.md says how to add one.
import { TickflowError } from '../../core/index.js';
import type { LiveSubscription } from './live-source.js';
import type { PollerSpec } from './feed.js';
import { binanceTicker } from './pollers/binance-ticker.js';
import { coingecko } from './pollers/coingecko.js';
import type { VenueSpec } from './venue.js';
import { binance, binanceAgg, binanceFutures, binanceFuturesAgg } from './venues/binance.js';
import { bitstamp } from './venues/bitstamp.js';
import { bybit, bybitLinear } from './venues/bybit.js';
import { coinbase } from './venues/coinbase.js';
import { coinbaseExchange } from './venues/coinbase-exchange.js';
import { kraken } from './venues/kraken.js';
import { krakenV2 } from './venues/kraken-v2.js';
import { okx } from './venues/okx.js';

/** A WebSocket trade feed or a REST poller. */
export type LiveSpec = VenueSpec | PollerSpec;

const VENUES: readonly LiveSpec[] = [
  binance,
  binanceAgg,
  binanceFutures,
  binanceFuturesAgg,
  coinbase,
  coinbaseExchange,
  kraken,
  krakenV2,
  bybit,
  bybitLinear,
  okx,
  bitstamp,
  binanceTicker,
  coingecko,
];

const BY_NAME = new Map(VENUES.map((v) => [v.name, v]));

export function liveVenues(): readonly LiveSpec[] {
  return VENUES;
}

export function liveVenue(name: string): LiveSpec {
  const v = BY_NAME.get(name.trim().toLowerCase());
  if (v === undefined) {
    throw new TickflowError('USAGE', `unknown venue '${name}'; known: ${VENUES.map((x) => x.name).join(', ')}`);
  }
  return v;
}

/** True for `venue:SYMBOLS` (as opposed to `sim` or `replay`). */
export function isLiveSourceSpec(spec: string): boolean {
  return spec.includes(':');
}

/**
 * `binance:BTCUSDT,ETHUSDT` → the venue and its normalized symbols. Symbols of one venue given
 * twice are merged; a bad venue or symbol is a USAGE / BAD_INSTRUMENT error naming it.
 */
export function parseLiveSources(specs: readonly string[]): LiveSubscription[] {
  const out = new Map<string, { venue: LiveSpec; symbols: Set<string> }>();
  for (const spec of specs) {
    const i = spec.indexOf(':');
    if (i <= 0 || i === spec.length - 1) {
      throw new TickflowError(
        'USAGE',
        `'${spec}' is not a live source: expected <venue>:<SYMBOL>[,<SYMBOL>…], e.g. binance:BTCUSDT,ETHUSDT`,
      );
    }
    const venue = liveVenue(spec.slice(0, i));
    const entry = out.get(venue.name) ?? { venue, symbols: new Set<string>() };
    out.set(venue.name, entry);
    for (const raw of spec.slice(i + 1).split(',')) {
      if (raw.trim() === '') continue;
      entry.symbols.add(venue.normalizeSymbol(raw));
    }
    if (entry.symbols.size === 0) throw new TickflowError('USAGE', `'${spec}': no symbols`);
  }
  return [...out.values()].map((e) => ({ venue: e.venue, symbols: [...e.symbols] }));
}
