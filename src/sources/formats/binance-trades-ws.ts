// Binance `<symbol>@trade` WebSocket stream fields saved as CSV, one row per message:
// https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams#trade-streams
// `trade_id,price,qty,trade_time,event_time,is_buyer_maker,local_recv_ns` (t,p,q,T,E,m and the recorder's clock).
import type { InstrumentId } from '../../core/index.js';
import { ByteFields } from '../byte-fields.js';
import { SingleTradeParser, headerMatches, plainTradeOk } from '../record-parser.js';
import { badNumber, checkPrice, checkSize, checkTime, num, wrongColumns, type RecordError } from '../record-checks.js';
import { buyerMakerSide } from './buyer-maker.js';

export const BINANCE_TRADES_WS_COLUMNS = [
  'trade_id',
  'price',
  'qty',
  'trade_time',
  'event_time',
  'is_buyer_maker',
  'local_recv_ns',
] as const;

export class BinanceTradesWsParser extends SingleTradeParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  private readonly fields = new ByteFields();

  isHeader(text: string): boolean {
    return headerMatches(text, BINANCE_TRADES_WS_COLUMNS);
  }

  parseBytes(buf: Buffer, start: number, end: number, now: number): number {
    const f = this.fields;
    f.reset(buf, start, end);
    const id = f.num();
    const price = f.num();
    const size = f.num();
    const t = f.num();
    f.skip();
    const maker = f.bool();
    const local = f.nanosAsMs();
    if (maker < 0 || !f.done() || Number.isNaN(id) || Number.isNaN(local) || !plainTradeOk(price, size, t, now)) return -1;
    this.id = id;
    this.price = price;
    this.size = size;
    this.ts = t;
    this.side = maker === 1 ? -1 : 1;
    this.localTs = local;
    return 1;
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== BINANCE_TRADES_WS_COLUMNS.length) return wrongColumns(f.length, BINANCE_TRADES_WS_COLUMNS.length);
    const ids = f[0] ?? '';
    const ps = f[1] ?? '';
    const qs = f[2] ?? '';
    const ts = f[3] ?? '';
    const ms = f[5] ?? '';
    const ns = f[6] ?? '';
    const id = num(ids);
    const price = num(ps);
    const size = num(qs);
    const t = num(ts);
    if (Number.isNaN(id)) return badNumber('trade_id', ids);
    if (Number.isNaN(price)) return badNumber('price', ps, 'BAD_PRICE');
    if (Number.isNaN(size)) return badNumber('qty', qs, 'BAD_SIZE');
    if (Number.isNaN(t)) return badNumber('trade_time', ts);
    const side = buyerMakerSide(ms);
    if (typeof side !== 'number') return side;
    const local = nsToMs(ns);
    if (Number.isNaN(local)) return badNumber('local_recv_ns', ns);
    const bad = checkPrice(price) ?? checkSize(size, 'qty') ?? checkTime(t, now, 'trade_time');
    if (bad) return bad;
    this.id = id;
    this.price = price;
    this.size = size;
    this.ts = t;
    this.side = side;
    this.localTs = local;
    return 1;
  }
}

/** Nanoseconds since the epoch exceed 2^53; splitting the digits keeps µs precision in the ms value. */
function nsToMs(s: string): number {
  if (!/^\d{7,}$/.test(s)) return num(s) / 1e6;
  return Number(s.slice(0, -6)) + Number(s.slice(-6)) / 1e6;
}
