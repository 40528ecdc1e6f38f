// Binance daily klines fetched with ccxt `fetch_ohlcv` and saved by a pandas script
// (Falli007/CryptoCurrencyPrediction `main_close.py`): https://docs.ccxt.com/#/README?id=ohlcv-candlestick-charts
// `Date,open,high,low,close,volume,Name,Symbol,Marketcap`; volume in the base asset, Marketcap empty.
import { alignDown, type InstrumentId } from '../../core/index.js';
import { decimalPlaces, decimalUnits } from '../decimal.js';
import { BarParser, headerMatches } from '../record-parser.js';
import { badNumber, checkSize, checkTime, num, parseUtcDateTime, recordError, wrongColumns, type RecordError } from '../record-checks.js';
import { checkOhlc } from './ohlc-checks.js';

export const BINANCE_DAILY_CCXT_COLUMNS = ['date', 'open', 'high', 'low', 'close', 'volume', 'name', 'symbol', 'marketcap'] as const;

const DAY_MS = 86_400_000;

/** Daily bar → up to 4 trades over the UTC day, base volume split evenly, side from the move. */
export class BinanceDailyCcxtParser extends BarParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  isHeader(text: string): boolean {
    return headerMatches(text, BINANCE_DAILY_CCXT_COLUMNS);
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== BINANCE_DAILY_CCXT_COLUMNS.length) return wrongColumns(f.length, BINANCE_DAILY_CCXT_COLUMNS.length);
    const date = f[0] ?? '';
    const os = f[1] ?? '';
    const hs = f[2] ?? '';
    const ls = f[3] ?? '';
    const cs = f[4] ?? '';
    const vs = f[5] ?? '';
    const day = parseUtcDateTime(date);
    if (Number.isNaN(day)) return recordError('BAD_TIMESTAMP', `Date '${date}' is not YYYY-MM-DD`);
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
    const bad = checkOhlc(o, h, l, c) ?? checkSize(v, 'volume') ?? checkTime(day, now, 'Date');
    if (bad) return bad;
    const places = decimalPlaces(vs);
    const units = decimalUnits(vs, places);
    if (units === undefined) return badNumber('volume', vs);
    const pdec = Math.max(decimalPlaces(os), decimalPlaces(hs), decimalPlaces(ls), decimalPlaces(cs));
    this.synth.bar(alignDown(day, DAY_MS), DAY_MS, o, h, l, c, pdec, -1);
    this.synth.evenSplit(units, places, false);
    return this.synth.count;
  }
}
