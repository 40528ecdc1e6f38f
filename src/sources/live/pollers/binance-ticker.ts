// Binance spot latest prices, polled: `GET /api/v3/ticker/price?symbols=["BTCUSDT","ETHUSDT"]`
// (`?symbol=BTCUSDT` for one), answered `[{"symbol":"BTCUSDT","price":"61234.56000000"}]`.
// https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md#symbol-price-ticker
// Weight 2 for one symbol, 4 for `symbols` whatever their number, against a REQUEST_WEIGHT limit
// of 6000 per minute per IP (`exchangeInfo.rateLimits`): one poll a second costs 240. 429 means
// over the limit, 418 an IP ban for going on after 429s; both carry `Retry-After` seconds.
// One unknown symbol fails the whole request with -1121 "Invalid symbol." without naming it: the
// feed then halves the request until it finds it, and stops asking for it.
// The answer has no time: each poll is a tick at the local receive time.
import { instrumentId, TickflowError, type InstrumentId } from '../../../core/index.js';
import { badNumber, num } from '../../record-checks.js';
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

export const BINANCE_TICKER_INTERVAL_MS = 1000;
/** Binance documents no maximum for `symbols`; 100 keeps the URL near 2 KB. */
export const BINANCE_TICKER_SYMBOLS_PER_REQUEST = 100;

const NAME = 'binance-ticker';
const PREFIX = 'binance';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function normalizeSymbol(symbol: string): string {
  const s = symbol.trim().toUpperCase();
  if (!/^[A-Z0-9]{2,20}$/.test(s)) {
    throw new TickflowError('BAD_INSTRUMENT', `'${symbol}' is not a Binance symbol (2 to 20 letters and digits, e.g. BTCUSDT)`);
  }
  return s;
}

const api: PollApi = {
  name: NAME,
  url(base: string, symbols: readonly string[]): string {
    const root = `${base.replace(/\/+$/, '')}/api/v3/ticker/price`;
    const [only] = symbols;
    return symbols.length === 1 && only !== undefined
      ? `${root}?symbol=${encodeURIComponent(only)}`
      : `${root}?symbols=${encodeURIComponent(JSON.stringify(symbols))}`;
  },
  map(body: string, status: number, symbols: readonly string[], localTs: number, out: QuoteOut): PollResult {
    let v: unknown;
    try {
      v = JSON.parse(body);
    } catch {
      return status >= 200 && status < 300
        ? { rejects: [{ reason: 'MALFORMED', message: 'ticker price answer is not JSON' }] }
        : { rejects: [] };
    }
    if (isObject(v) && typeof v['msg'] === 'string') {
      const venueError = `binance error ${String(v['code'] ?? '')}: ${v['msg']}`;
      return v['code'] === -1121 ? { rejects: [], venueError, badSymbol: true } : { rejects: [], venueError };
    }
    if (status < 200 || status >= 300) return { rejects: [] };
    const rows = Array.isArray(v) ? v : [v];
    const rejects: PollReject[] = [];
    const seen = new Set<string>();
    for (const row of rows) {
      const raw = JSON.stringify(row);
      if (!isObject(row) || typeof row['symbol'] !== 'string') {
        rejects.push({ reason: 'MALFORMED', message: 'ticker price row without a symbol', raw });
        continue;
      }
      // answered, if badly: reported here, not as missing
      seen.add(row['symbol']);
      if (typeof row['price'] !== 'string') {
        rejects.push({ reason: 'MALFORMED', message: `ticker price row of ${row['symbol']} without a string price`, raw });
        continue;
      }
      let inst: InstrumentId;
      try {
        inst = instrumentId(PREFIX, row['symbol']);
      } catch (e) {
        rejects.push({ reason: 'BAD_INSTRUMENT', message: (e as Error).message, raw });
        continue;
      }
      const price = num(row['price']);
      if (Number.isNaN(price)) {
        rejects.push({ ...badNumber('price', row['price'], 'BAD_PRICE'), raw });
        continue;
      }
      const bad = checkQuote(inst, price, null, localTs);
      if (bad !== undefined) rejects.push({ ...bad, raw });
      else out.quote(inst, price, null);
    }
    const missing = symbols.filter((s) => !seen.has(s));
    return missing.length > 0 ? { rejects, missing } : { rejects };
  },
};

/** The `binance-ticker` poller; `intervalMs` defaults to 1 s. */
export function createBinanceTicker(options: PollerOptions = {}): PollerSpec {
  const settings = {
    intervalMs: options.intervalMs ?? BINANCE_TICKER_INTERVAL_MS,
    timeoutMs: options.timeoutMs ?? DEFAULT_POLL_TIMEOUT_MS,
  };
  return {
    kind: 'poller',
    name: NAME,
    title: `Binance spot latest prices, polled every ${settings.intervalMs / 1000} s (price ticks, no volume)`,
    docs: 'https://github.com/binance/binance-spot-api-docs/blob/master/rest-api.md#symbol-price-ticker',
    restUrl: 'https://api.binance.com',
    maxSymbolsPerFeed: BINANCE_TICKER_SYMBOLS_PER_REQUEST,
    normalizeSymbol,
    instrument: (symbol: string) => instrumentId(PREFIX, symbol),
    createFeed: (sink, index, symbols, restUrl) => new PollingFeed(sink, index, api, symbols, restUrl, settings),
  };
}

export const binanceTicker = createBinanceTicker();
