// Binance public data archive, kline files (`<SYMBOL>-<interval>-<YYYY-MM>.csv`):
// https://github.com/binance/binance-public-data#klines — same fields as REST GET /api/v3/klines.
// `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore`,
// with or without that header; times in ms (spot files from 2025 on use µs).
import type { InstrumentId } from '../../core/index.js';
import { decimalPlaces, decimalUnits } from '../decimal.js';
import { BarParser, headerMatches } from '../record-parser.js';
import { badNumber, checkSize, checkTime, msFromEpochMsOrUs, num, recordError, wrongColumns, type RecordError } from '../record-checks.js';
import { checkOhlc } from './ohlc-checks.js';

export const BINANCE_KLINE_COLUMNS = [
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'close_time',
  'quote_volume',
  'count',
  'taker_buy_volume',
  'taker_buy_quote_volume',
  'ignore',
] as const;

/**
 * A kline → exactly `count` trades that re-aggregate to it: OHLC, count, volume and
 * taker-buy volume. This is the oracle for the whole pipeline, see OhlcSynthesizer.
 */
export class BinanceKlinesParser extends BarParser {
  constructor(inst: InstrumentId) {
    super(inst);
  }

  isHeader(text: string): boolean {
    return headerMatches(text, BINANCE_KLINE_COLUMNS);
  }

  parse(text: string, now: number): number | RecordError {
    const f = text.split(',');
    if (f.length !== BINANCE_KLINE_COLUMNS.length) return wrongColumns(f.length, BINANCE_KLINE_COLUMNS.length);
    const ots = f[0] ?? '';
    const os = f[1] ?? '';
    const hs = f[2] ?? '';
    const ls = f[3] ?? '';
    const cs = f[4] ?? '';
    const vs = f[5] ?? '';
    const cts = f[6] ?? '';
    const ns = f[8] ?? '';
    const tbs = f[9] ?? '';
    const openRaw = num(ots);
    const closeRaw = num(cts);
    const o = num(os);
    const h = num(hs);
    const l = num(ls);
    const c = num(cs);
    const v = num(vs);
    const n = num(ns);
    const tb = num(tbs);
    if (Number.isNaN(openRaw)) return badNumber('open_time', ots);
    if (Number.isNaN(o)) return badNumber('open', os, 'BAD_PRICE');
    if (Number.isNaN(h)) return badNumber('high', hs, 'BAD_PRICE');
    if (Number.isNaN(l)) return badNumber('low', ls, 'BAD_PRICE');
    if (Number.isNaN(c)) return badNumber('close', cs, 'BAD_PRICE');
    if (Number.isNaN(v)) return badNumber('volume', vs, 'BAD_SIZE');
    if (Number.isNaN(closeRaw)) return badNumber('close_time', cts);
    if (Number.isNaN(n)) return badNumber('count', ns);
    if (Number.isNaN(tb)) return badNumber('taker_buy_volume', tbs, 'BAD_SIZE');
    const bad = checkOhlc(o, h, l, c) ?? checkSize(v, 'volume') ?? checkSize(tb, 'taker_buy_volume');
    if (bad) return bad;
    if (tb > v) return recordError('BAD_SIZE', `taker_buy_volume ${tbs} exceeds volume ${vs}`);
    if (!Number.isSafeInteger(n) || n < 0) return recordError('MALFORMED', `count '${ns}' is not a non-negative integer`);
    const t0 = msFromEpochMsOrUs(openRaw);
    const badTime = checkTime(t0, now, 'open_time');
    if (badTime) return badTime;
    // intervals are whole seconds: close_time is the last ms (or µs) of the kline
    const intervalMs = Math.round((msFromEpochMsOrUs(closeRaw) - t0) / 1000) * 1000;
    if (!(intervalMs > 0)) return recordError('BAD_TIMESTAMP', `close_time ${cts} is not after open_time ${ots}`);
    if (n === 0) return 0;
    const places = Math.max(decimalPlaces(vs), decimalPlaces(tbs));
    const vu = decimalUnits(vs, places);
    const bu = decimalUnits(tbs, places);
    if (vu === undefined) return badNumber('volume', vs);
    if (bu === undefined) return badNumber('taker_buy_volume', tbs);
    const pdec = Math.max(decimalPlaces(os), decimalPlaces(hs), decimalPlaces(ls), decimalPlaces(cs));
    this.synth.bar(t0, intervalMs, o, h, l, c, pdec, n);
    this.synth.takerSplit(vu, bu, places);
    return n;
  }
}
