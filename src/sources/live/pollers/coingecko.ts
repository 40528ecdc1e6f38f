// CoinGecko aggregated coin prices, polled:
// `GET /api/v3/simple/price?ids=bitcoin,ethereum&vs_currencies=usd,eur&include_last_updated_at=true`
// → `{"bitcoin":{"usd":67187.33,"eur":61990.1,"last_updated_at":1711356300}}` (numbers; the time
// in epoch seconds). https://docs.coingecko.com/v3.0.1/reference/simple-price
// The keyless public API is limited per IP, to 10-30 calls a minute depending on traffic, and
// every call counts, failed ones too (https://docs.coingecko.com/v3.0.1/reference/common-errors-rate-limit);
// it refreshes this endpoint's cache every 60 s. So the default poll is every 30 s, and a quote
// polled twice from the cache (same price, same `last_updated_at`) is skipped. At most 515 ids per request are allowed; a feed asks for at most 250 symbols (ids
// with their currency), keeping the URL near 4 KB. Unknown ids are left out of the answer, not
// refused: each is reported once (VENUE_ERROR) and still asked for. Over the rate limit the answer
// is 429 with `{"status":{"error_code":429,"error_message":"…"}}`.
//
// Symbols are coin ids with an optional quote currency: `bitcoin` (in USD) or `bitcoin/eur`,
// normalized to `bitcoin/usd`, `bitcoin/eur`; instruments are `coingecko:BITCOIN/USD`.
import { instrumentId, TickflowError, type InstrumentId } from '../../../core/index.js';
import type { PollerSpec } from '../feed.js';
import {
  checkQuote,
  DEFAULT_POLL_TIMEOUT_MS,
  PollingFeed,
  type PollApi,
  type PollerOptions,
  type PollReject,
  type PollResult,
  type QuoteOut,
} from './poller.js';

export const COINGECKO_INTERVAL_MS = 30_000;
export const COINGECKO_SYMBOLS_PER_REQUEST = 250;

const NAME = 'coingecko';
const PREFIX = 'coingecko';
const DEFAULT_VS = 'usd';
const ID_RE = /^[a-z0-9][a-z0-9-]{0,49}$/;
const VS_RE = /^[a-z0-9]{2,10}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Bitcoin` → `bitcoin/usd`, `ethereum/EUR` → `ethereum/eur`. */
function normalizeSymbol(symbol: string): string {
  const [id = '', vs = DEFAULT_VS, ...rest] = symbol.trim().toLowerCase().split('/');
  if (!ID_RE.test(id) || !VS_RE.test(vs) || rest.length > 0) {
    throw new TickflowError(
      'BAD_INSTRUMENT',
      `'${symbol}' is not a CoinGecko coin id with an optional currency (e.g. bitcoin, ethereum/eur; ids are lower-case letters, digits and '-')`,
    );
  }
  return `${id}/${vs}`;
}

function split(symbol: string): { id: string; vs: string } {
  const i = symbol.indexOf('/');
  return i < 0 ? { id: symbol, vs: DEFAULT_VS } : { id: symbol.slice(0, i), vs: symbol.slice(i + 1) };
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** `{"status":{"error_code":429,"error_message":"…"}}` or `{"error":"…"}`, else undefined. */
function venueError(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  const status = v['status'];
  if (isObject(status) && (status['error_code'] !== undefined || status['error_message'] !== undefined)) {
    return `coingecko error ${String(status['error_code'] ?? '')}: ${String(status['error_message'] ?? '')}`;
  }
  const error = v['error'];
  if (typeof error === 'string') return `coingecko error: ${error}`;
  if (isObject(error)) return `coingecko error: ${String(error['message'] ?? JSON.stringify(error))}`;
  return undefined;
}

const api: PollApi = {
  name: NAME,
  url(base: string, symbols: readonly string[]): string {
    const parts = symbols.map(split);
    // ids and currencies are checked to [a-z0-9-]: nothing to escape, and the commas stay readable
    const ids = unique(parts.map((p) => p.id)).join(',');
    const vs = unique(parts.map((p) => p.vs)).join(',');
    return `${base.replace(/\/+$/, '')}/api/v3/simple/price?ids=${ids}&vs_currencies=${vs}&include_last_updated_at=true`;
  },
  map(body: string, status: number, symbols: readonly string[], localTs: number, out: QuoteOut): PollResult {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return status >= 200 && status < 300
        ? { rejects: [{ reason: 'MALFORMED', message: 'simple price answer is not JSON' }] }
        : { rejects: [] };
    }
    const error = venueError(v);
    if (error !== undefined) return { rejects: [], venueError: error };
    if (status < 200 || status >= 300) return { rejects: [] };
    if (!isObject(v)) return { rejects: [{ reason: 'MALFORMED', message: 'simple price answer is not an object of coins' }] };
    const rejects: PollReject[] = [];
    const missing: string[] = [];
    for (const symbol of symbols) {
      const { id, vs } = split(symbol);
      const coin = v[id];
      const price = isObject(coin) ? coin[vs] : undefined;
      // CoinGecko leaves out ids it does not know, and currencies it has no price in (or says null)
      if (price === undefined || price === null) {
        missing.push(symbol);
        continue;
      }
      const raw = JSON.stringify({ [id]: coin });
      const inst: InstrumentId = instrumentId(PREFIX, symbol);
      if (typeof price !== 'number') {
        rejects.push({ reason: 'NOT_NUMERIC', message: `${inst}: price ${JSON.stringify(price)} is not a number`, raw });
        continue;
      }
      const t = isObject(coin) ? coin['last_updated_at'] : undefined;
      let ts: number | null = null;
      if (typeof t === 'number') ts = t * 1000;
      else if (t !== undefined && t !== null) {
        rejects.push({ reason: 'BAD_TIMESTAMP', message: `${inst}: last_updated_at ${JSON.stringify(t)} is not a number`, raw });
        continue;
      }
      const bad = checkQuote(inst, price, ts, localTs);
      if (bad !== undefined) rejects.push({ ...bad, raw });
      else out.quote(inst, price, ts);
    }
    return missing.length > 0 ? { rejects, missing } : { rejects };
  },
};

/** The `coingecko` poller; `intervalMs` defaults to 30 s. */
export function createCoingecko(options: PollerOptions = {}): PollerSpec {
  const settings = {
    intervalMs: options.intervalMs ?? COINGECKO_INTERVAL_MS,
    timeoutMs: options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
  };
  return {
    kind: 'poller',
    name: NAME,
    title: `CoinGecko aggregated prices (coin ids, e.g. bitcoin or bitcoin/eur), polled every ${settings.intervalMs / 1000} s (price ticks, no volume)`,
    docs: 'https://docs.coingecko.com/v3.0.1/reference/simple-price',
    restUrl: 'https://api.coingecko.com',
    maxSymbolsPerFeed: COINGECKO_SYMBOLS_PER_REQUEST,
    normalizeSymbol,
    instrument: (symbol: string) => instrumentId(PREFIX, symbol),
    createFeed: (sink, index, symbols, restUrl) => new PollingFeed(sink, index, api, symbols, restUrl, settings),
  };
}

export const coingecko = createCoingecko();
