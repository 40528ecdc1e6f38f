// Kraken downloadable time-and-sales history (one CSV per pair, no header):
// https://support.kraken.com/hc/en-us/articles/360047543791-Downloadable-historical-market-data-time-and-sales-
// `unix_seconds,price,volume`; no trade id and no aggressor side.
import type { InstrumentId } from '../../core/index.js';
import { ByteFields } from '../byte-fields.js';
import { SingleTradeParser, plainTradeOk } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, num, wrongColumns, type RecordError } from '../record-checks.js';

export class KrakenTimesalesParser extends SingleTradeParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  private readonly fields = new ByteFields();

  isHeader(text: string): boolean {
    return /^\s*(time|timestamp)\s*,/i.test(text);
  }

  parseBytes(buf: Buffer, start: number, end: number, now: number): number {
    const f = this.fields;
    f.reset(buf, start, end);
    const t = Math.round(f.num() * 1e6) / 1e3;
    const price = f.num();
    const size = f.num();
    if (!f.done() || !plainTradeOk(price, size, t, now)) return -1;
    this.ts = t;
    this.price = price;
    this.size = size;
    return 1;
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== 3) return wrongColumns(f.length, 3);
    const ts = f[0] ?? '';
    const ps = f[1] ?? '';
    const vs = f[2] ?? '';
    const secs = num(ts);
    const price = num(ps);
    const size = num(vs);
    if (Number.isNaN(secs)) return badNumber('time', ts);
    if (Number.isNaN(price)) return badNumber('price', ps, 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber('volume', vs, 'BAD_SIZE');
    // seconds with a fraction: keep µs resolution without float noise such as ….123000001
    const t = Math.round(secs * 1e6) / 1e3;
    const bad = checkPrice(price) ?? checkSize(size, 'volume') ?? checkTime(t, now, 'time');
    if (bad) return bad;
    this.ts = t;
    this.price = price;
    this.size = size;
    this.id = -1;
    this.side = 0;
    return 1;
  }
}
