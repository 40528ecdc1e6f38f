import type { InstrumentId } from '../../core/index.js';
import { ByteFields } from '../byte-fields.js';
import { SingleTradeParser, headerMatches, plainTradeOk } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, msFromEpochMsOrUs, num, wrongColumns, type RecordError } from '../record-checks.js';
import { buyerMakerSide } from './buyer-maker.js';

/**
 * The Binance data-archive trade CSVs (trades and aggTrades) share one shape: id, price,
 * quantity first, then columns we skip, the time, `is_buyer_maker`, and an optional last
 * `is_best_match` that USD-M futures files leave out. Only the columns differ.
 */
export interface ArchiveTradeLayout {
  readonly columns: readonly string[];
  /** Index of the trade time (ms, or µs in spot files from 2025 on); `is_buyer_maker` follows it. */
  readonly timeIndex: number;
}

export class BinanceArchiveTradeParser extends SingleTradeParser {
  private readonly fields = new ByteFields();

  constructor(
    inst: InstrumentId,
    private readonly layout: ArchiveTradeLayout,
  ) {
    super(inst);
  }

  isHeader(text: string): boolean {
    const c = this.layout.columns;
    return headerMatches(text, c) || headerMatches(text, c.slice(0, -1));
  }

  parseBytes(buf: Buffer, start: number, end: number, now: number): number {
    const f = this.fields;
    f.reset(buf, start, end);
    const id = f.num();
    const price = f.num();
    const size = f.num();
    for (let k = 3; k < this.layout.timeIndex; k++) f.skip();
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
    const { columns, timeIndex } = this.layout;
    const name = (k: number): string => columns[k] ?? `column ${k + 1}`;
    const f = text.split(',');
    if (f.length !== columns.length && f.length !== columns.length - 1) {
      return wrongColumns(f.length, `${columns.length - 1} or ${columns.length}`);
    }
    const ids = f[0] ?? '';
    const ps = f[1] ?? '';
    const qs = f[2] ?? '';
    const ts = f[timeIndex] ?? '';
    const ms = f[timeIndex + 1] ?? '';
    const id = num(ids);
    const price = num(ps);
    const size = num(qs);
    const raw = num(ts);
    if (Number.isNaN(id)) return badNumber(name(0), ids);
    if (Number.isNaN(price)) return badNumber(name(1), ps, 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber(name(2), qs, 'BAD_SIZE');
    if (Number.isNaN(raw)) return badNumber(name(timeIndex), ts);
    const side = buyerMakerSide(ms);
    if (typeof side !== 'number') return side;
    const t = msFromEpochMsOrUs(raw);
    const bad = checkPrice(price) ?? checkSize(size, name(2)) ?? checkTime(t, now, name(timeIndex));
    if (bad) return bad;
    this.id = id;
    this.price = price;
    this.size = size;
    this.ts = t;
    this.side = side;
    return 1;
  }
}
