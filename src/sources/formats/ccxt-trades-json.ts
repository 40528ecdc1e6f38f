// ccxt unified trade structures saved as one JSON array (freqtrade's `<PAIR>-trades.json.gz`):
// https://docs.ccxt.com/#/README?id=trade-structure — `info` holds the raw venue item, for Binance
// the REST /api/v3/aggTrades object {a,p,q,f,l,T,m,M}, which is preferred when present.
import { instrumentId, isTickflowError, type InstrumentId, type Side } from '../../core/index.js';
import { SingleTradeParser } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, recordError, type RecordError } from '../record-checks.js';

type Json = Record<string, unknown>;

export class CcxtTradesJsonParser extends SingleTradeParser {
  override readonly records = 'json-array' as const;
  private lastSymbol = '';

  /** `exchange` names the venue for the `symbol` of each element when no instrument is forced. */
  constructor(
    private readonly override: InstrumentId | undefined,
    private readonly exchange: string | undefined,
  ) {
    super(override ?? instrumentId('ccxt', 'UNKNOWN'));
  }

  isHeader(): boolean {
    return false;
  }

  parse(text: string, now: number): number | RecordError {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return recordError('MALFORMED', 'not valid JSON');
    }
    if (!isObject(v)) return recordError('MALFORMED', 'array element is not a trade object');
    const info = isObject(v['info']) ? v['info'] : undefined;
    const usesInfo = info !== undefined && 'p' in info && 'q' in info && 'T' in info;
    const priceRaw = usesInfo ? info['p'] : v['price'];
    const sizeRaw = usesInfo ? info['q'] : v['amount'];
    const tsRaw = usesInfo ? info['T'] : v['timestamp'];
    const price = toNumber(priceRaw);
    const size = toNumber(sizeRaw);
    const ts = toNumber(tsRaw);
    if (Number.isNaN(price)) return badNumber('price', String(priceRaw), 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber('amount', String(sizeRaw), 'BAD_SIZE');
    if (Number.isNaN(ts)) return badNumber('timestamp', String(tsRaw));
    let side: Side;
    if (usesInfo && typeof info['m'] === 'boolean') side = info['m'] ? -1 : 1;
    else side = v['side'] === 'buy' ? 1 : v['side'] === 'sell' ? -1 : 0;
    const bad = checkPrice(price) ?? checkSize(size, 'amount') ?? checkTime(ts, now);
    if (bad) return bad;
    const inst = this.instrumentFor(v['symbol']);
    if (typeof inst !== 'string') return inst;
    this.inst = inst;
    const id = toNumber(usesInfo ? info['a'] : v['id']);
    this.id = Number.isSafeInteger(id) ? id : -1;
    this.ts = ts;
    this.price = price;
    this.size = size;
    this.side = side;
    return 1;
  }

  private instrumentFor(symbol: unknown): InstrumentId | RecordError {
    if (this.override) return this.override;
    if (typeof symbol !== 'string' || this.exchange === undefined) {
      return recordError('BAD_INSTRUMENT', 'no instrument: the file name names no exchange; pass --instrument');
    }
    if (symbol === this.lastSymbol) return this.inst;
    try {
      // ccxt `BTC/USDT:USDT` (a swap) → BTCUSDT; the venue's own symbol has no separators
      const id = instrumentId(this.exchange, symbol.split(':')[0]?.replace('/', '') ?? symbol);
      this.lastSymbol = symbol;
      return id;
    } catch (e) {
      if (isTickflowError(e)) return recordError('BAD_INSTRUMENT', e.message);
      throw e;
    }
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}
