// Binance public data archive, aggTrades files (`<SYMBOL>-aggTrades-<date>.csv`), same fields as
// REST GET /api/v3/aggTrades: https://github.com/binance/binance-public-data#aggtrades
// `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match`,
// with or without header; times in ms, µs in spot files from 2025 on.
import type { InstrumentId } from '../../core/index.js';
import { ByteFields } from '../byte-fields.js';
import { SingleTradeParser, headerMatches, plainTradeOk } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, msFromEpochMsOrUs, num, wrongColumns, type RecordError } from '../record-checks.js';
import { buyerMakerSide } from './buyer-maker.js';

export const BINANCE_AGGTRADES_COLUMNS = [
  'agg_trade_id',
  'price',
  'quantity',
  'first_trade_id',
  'last_trade_id',
  'transact_time',
  'is_buyer_maker',
  'is_best_match',
] as const;

export class BinanceAggTradesParser extends SingleTradeParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  private readonly fields = new ByteFields();

  isHeader(text: string): boolean {
    return headerMatches(text, BINANCE_AGGTRADES_COLUMNS);
  }

  parseBytes(buf: Buffer, start: number, end: number, now: number): number {
    const f = this.fields;
    f.reset(buf, start, end);
    const id = f.num();
    const price = f.num();
    const size = f.num();
    f.skip();
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
    // USD-M futures archives leave out is_best_match
    if (f.length !== 8 && f.length !== 7) return wrongColumns(f.length, '7 or 8');
    const ids = f[0] ?? '';
    const ps = f[1] ?? '';
    const qs = f[2] ?? '';
    const ts = f[5] ?? '';
    const ms = f[6] ?? '';
    const id = num(ids);
    const price = num(ps);
    const size = num(qs);
    const raw = num(ts);
    if (Number.isNaN(id)) return badNumber('agg_trade_id', ids);
    if (Number.isNaN(price)) return badNumber('price', ps, 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber('quantity', qs, 'BAD_SIZE');
    if (Number.isNaN(raw)) return badNumber('transact_time', ts);
    const side = buyerMakerSide(ms);
    if (typeof side !== 'number') return side;
    const t = msFromEpochMsOrUs(raw);
    const bad = checkPrice(price) ?? checkSize(size, 'quantity') ?? checkTime(t, now, 'transact_time');
    if (bad) return bad;
    this.id = id;
    this.price = price;
    this.size = size;
    this.ts = t;
    this.side = side;
    return 1;
  }
}
