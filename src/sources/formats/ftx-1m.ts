// FTX REST GET /markets/{market}/candles?resolution=60 saved as CSV (as in nautilus_trader's test data):
// https://docs.ftx.com/#get-historical-prices (FTX closed in 2022; the data stays useful for replay).
// `timestamp,open,high,low,close,volume`; timestamp `YYYY-MM-DD HH:MM:SS.ffffff` is the bar start, volume in USD.
import type { InstrumentId } from '../../core/index.js';
import { decimalPlaces, decimalUnits } from '../decimal.js';
import { BarParser, headerMatches } from '../record-parser.js';
import { badNumber, checkSize, checkTime, num, recordError, parseUtcDateTime, wrongColumns, type RecordError } from '../record-checks.js';
import { checkOhlc } from './ohlc-checks.js';

export const FTX_1M_COLUMNS = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;

const MINUTE_MS = 60_000;

/** One bar → 4 trades (open, extreme, extreme, close); sizes are USD shares over price. */
export class Ftx1mParser extends BarParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  isHeader(text: string): boolean {
    return headerMatches(text, FTX_1M_COLUMNS);
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== FTX_1M_COLUMNS.length) return wrongColumns(f.length, FTX_1M_COLUMNS.length);
    const ts = f[0] ?? '';
    const os = f[1] ?? '';
    const hs = f[2] ?? '';
    const ls = f[3] ?? '';
    const cs = f[4] ?? '';
    const vs = f[5] ?? '';
    const t0 = parseUtcDateTime(ts);
    if (Number.isNaN(t0)) return recordError('BAD_TIMESTAMP', `timestamp '${ts}' is not YYYY-MM-DD HH:MM:SS`);
    const o = num(os);
    const h = num(hs);
    const l = num(ls);
    const c = num(cs);
    const v = num(vs);
    if (Number.isNaN(o)) return badNumber('open', os, 'BAD_PRICE');
    if (Number.isNaN(h)) return badNumber('high', hs, 'BAD_PRICE');
    if (Number.isNaN(l)) return badNumber('low', ls, 'BAD_PRICE');
    if (Number.isNaN(c)) return badNumber('close', cs, 'BAD_PRICE');
    if (Number.isNaN(v)) return badNumber('volume', vs, 'BAD_SIZE');
    const bad = checkOhlc(o, h, l, c) ?? checkSize(v, 'volume') ?? checkTime(t0, now);
    if (bad) return bad;
    const places = decimalPlaces(vs);
    const units = decimalUnits(vs, places);
    if (units === undefined) return badNumber('volume', vs);
    const pdec = Math.max(decimalPlaces(os), decimalPlaces(hs), decimalPlaces(ls), decimalPlaces(cs));
    this.synth.bar(t0, MINUTE_MS, o, h, l, c, pdec, 4);
    this.synth.evenSplit(units, places, true);
    return 4;
  }
}
