// Binance public data archive, trades files (`<SYMBOL>-trades-<date>.csv`), same fields as
// REST GET /api/v3/historicalTrades: https://github.com/binance/binance-public-data#trades
// `id,price,qty,quote_qty,time,is_buyer_maker,is_best_match` (futures files lack is_best_match);
// times in ms, µs in spot files from 2025 on.
import type { InstrumentId } from '../../core/index.js';
import { ByteFields } from '../byte-fields.js';
import { SingleTradeParser, headerMatches, plainTradeOk } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, msFromEpochMsOrUs, num, wrongColumns, type RecordError } from '../record-checks.js';
import { buyerMakerSide } from './buyer-maker.js';

export const BINANCE_TRADES_COLUMNS = ['id', 'price', 'qty', 'quote_qty', 'time', 'is_buyer_maker', 'is_best_match'] as const;

export class BinanceTradesParser extends SingleTradeParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  private readonly fields = new ByteFields();

  isHeader(text: string): boolean {
    return headerMatches(text, BINANCE_TRADES_COLUMNS) || headerMatches(text, BINANCE_TRADES_COLUMNS.slice(0, 6));
  }

  parseBytes(buf: Buffer, start: number, end: number, now: number): number {
    const f = this.fields;
    f.reset(buf, start, end);
    const id = f.num();
    const price = f.num();
    const size = f.num();
    f.skip();
    const t = msFromEpochMsOrUs(f.num());
    const maker = f.bool();
    if (!f.done()) f.skip();
    if (maker < 0 || !f.done() || Number.isNaN(id) || !plainTradeOk(price, size, t, now)) return -1;
    this.id = id;
    this.price = price;
    this.size = size;
    this.ts = t;
    this.side = maker === 1 ? -1 : 1;
    return 1;
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== 7 && f.length !== 6) return wrongColumns(f.length, '6 or 7');
    const ids = f[0] ?? '';
    const ps = f[1] ?? '';
    const qs = f[2] ?? '';
    const ts = f[4] ?? '';
    const ms = f[5] ?? '';
    const id = num(ids);
    const price = num(ps);
    const size = num(qs);
    const raw = num(ts);
    if (Number.isNaN(id)) return badNumber('id', ids);
    if (Number.isNaN(price)) return badNumber('price', ps, 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber('qty', qs, 'BAD_SIZE');
    if (Number.isNaN(raw)) return badNumber('time', ts);
    const side = buyerMakerSide(ms);
    if (typeof side !== 'number') return side;
    const t = msFromEpochMsOrUs(raw);
    const bad = checkPrice(price) ?? checkSize(size, 'qty') ?? checkTime(t, now, 'time');
    if (bad) return bad;
    this.id = id;
    this.price = price;
    this.size = size;
    this.ts = t;
    this.side = side;
    return 1;
  }
}
