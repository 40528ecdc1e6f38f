// Tardis.dev normalized `trades` CSV dataset: https://docs.tardis.dev/downloadable-csv-files#trades
// `exchange,symbol,timestamp,local_timestamp,id,side,price,amount`; times are epoch µs, side is the aggressor.
import { instrumentId, isTickflowError, type InstrumentId, type Side } from '../../core/index.js';
import { SingleTradeParser, headerMatches } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, num, recordError, wrongColumns, type RecordError } from '../record-checks.js';

export const TARDIS_TRADES_COLUMNS = ['exchange', 'symbol', 'timestamp', 'local_timestamp', 'id', 'side', 'price', 'amount'] as const;

/** The instrument comes from each row's exchange and symbol columns (one file may mix them). */
export class TardisTradesParser extends SingleTradeParser {
  private lastKey = '';

  constructor(private readonly override: InstrumentId | undefined) {
    super(override ?? instrumentId('tardis', 'UNKNOWN'));
  }

  isHeader(text: string): boolean {
    return headerMatches(text, TARDIS_TRADES_COLUMNS);
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== TARDIS_TRADES_COLUMNS.length) return wrongColumns(f.length, TARDIS_TRADES_COLUMNS.length);
    const exchange = f[0] ?? '';
    const symbol = f[1] ?? '';
    const ts = f[2] ?? '';
    const ls = f[3] ?? '';
    const ids = f[4] ?? '';
    const sides = f[5] ?? '';
    const ps = f[6] ?? '';
    const as = f[7] ?? '';
    const t = num(ts);
    const local = num(ls);
    const price = num(ps);
    const size = num(as);
    if (Number.isNaN(t)) return badNumber('timestamp', ts);
    if (Number.isNaN(local)) return badNumber('local_timestamp', ls);
    if (Number.isNaN(price)) return badNumber('price', ps, 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber('amount', as, 'BAD_SIZE');
    let side: Side;
    if (sides === 'buy') side = 1;
    else if (sides === 'sell') side = -1;
    else if (sides === 'unknown' || sides === '') side = 0;
    else return recordError('MALFORMED', `side '${sides}' is not buy, sell or unknown`);
    const ms = t / 1000;
    const bad = checkPrice(price) ?? checkSize(size, 'amount') ?? checkTime(ms, now);
    if (bad) return bad;
    const key = `${exchange}:${symbol}`;
    if (!this.override && key !== this.lastKey) {
      try {
        this.inst = instrumentId(exchange, symbol);
      } catch (e) {
        if (isTickflowError(e)) return recordError('BAD_INSTRUMENT', e.message);
        throw e;
      }
      this.lastKey = key;
    }
    // some venues use non-numeric ids (uuids); those trades simply cannot be deduplicated by id
    const id = num(ids);
    this.id = Number.isSafeInteger(id) ? id : -1;
    this.ts = ms;
    this.localTs = local / 1000;
    this.price = price;
    this.size = size;
    this.side = side;
    return 1;
  }
}
