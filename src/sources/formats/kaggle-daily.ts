// Kaggle "Cryptocurrency Historical Prices" (Sudalai Rajkumar, CoinMarketCap data), one file per coin:
// https://www.kaggle.com/datasets/sudalairajkumar/cryptocurrencypricehistory
// `SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap`; Volume is CoinMarketCap's 24 h volume in USD.
import { alignDown, instrumentId, isTickflowError, type InstrumentId } from '../../core/index.js';
import { decimalPlaces, decimalUnits } from '../decimal.js';
import { BarParser, headerMatches } from '../record-parser.js';
import { badNumber, checkSize, checkTime, num, parseUtcDateTime, recordError, wrongColumns, type RecordError } from '../record-checks.js';
import { checkOhlc } from './ohlc-checks.js';

export const KAGGLE_DAILY_COLUMNS = ['sno', 'name', 'symbol', 'date', 'high', 'low', 'open', 'close', 'volume', 'marketcap'] as const;

const DAY_MS = 86_400_000;

/** Daily bar → up to 4 trades over the UTC day. The volume is in USD, so sizes are USD shares over price. */
export class KaggleDailyParser extends BarParser {
  private readonly bySymbol = new Map<string, InstrumentId>();

  constructor(private readonly override: InstrumentId | undefined) {
    super(override ?? instrumentId('kaggle', 'UNKNOWN'));
  }

  isHeader(text: string): boolean {
    return headerMatches(text, KAGGLE_DAILY_COLUMNS);
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== KAGGLE_DAILY_COLUMNS.length) return wrongColumns(f.length, KAGGLE_DAILY_COLUMNS.length);
    const symbol = f[2] ?? '';
    const date = f[3] ?? '';
    const hs = f[4] ?? '';
    const ls = f[5] ?? '';
    const os = f[6] ?? '';
    const cs = f[7] ?? '';
    const vs = f[8] ?? '';
    const day = parseUtcDateTime(date);
    if (Number.isNaN(day)) return recordError('BAD_TIMESTAMP', `Date '${date}' is not YYYY-MM-DD`);
    const h = num(hs);
    const l = num(ls);
    const o = num(os);
    const c = num(cs);
    const v = num(vs);
    if (Number.isNaN(h)) return badNumber('High', hs, 'BAD_PRICE');
    if (Number.isNaN(l)) return badNumber('Low', ls, 'BAD_PRICE');
    if (Number.isNaN(o)) return badNumber('Open', os, 'BAD_PRICE');
    if (Number.isNaN(c)) return badNumber('Close', cs, 'BAD_PRICE');
    if (Number.isNaN(v)) return badNumber('Volume', vs, 'BAD_SIZE');
    const bad = checkOhlc(o, h, l, c) ?? checkSize(v, 'Volume') ?? checkTime(day, now, 'Date');
    if (bad) return bad;
    const inst = this.instrumentFor(symbol);
    if (typeof inst !== 'string') return inst;
    this.inst = inst;
    const places = decimalPlaces(vs);
    const units = decimalUnits(vs, places);
    if (units === undefined) return badNumber('Volume', vs);
    const pdec = Math.max(decimalPlaces(os), decimalPlaces(hs), decimalPlaces(ls), decimalPlaces(cs));
    this.synth.bar(alignDown(day, DAY_MS), DAY_MS, o, h, l, c, pdec, -1);
    this.synth.evenSplit(units, places, true);
    return this.synth.count;
  }

  private instrumentFor(symbol: string): InstrumentId | RecordError {
    if (this.override) return this.override;
    let id = this.bySymbol.get(symbol);
    if (id === undefined) {
      try {
        id = instrumentId('kaggle', `${symbol}USD`);
      } catch (e) {
        if (isTickflowError(e)) return recordError('BAD_INSTRUMENT', e.message);
        throw e;
      }
      this.bySymbol.set(symbol, id);
    }
    return id;
  }
}
