import { readFileSync } from 'node:fs';
import type { IndicatorBar } from '../../../src/stream/indicators/index.js';
import { sharedData } from '../../helpers.js';

/** The real daily files the oracle tests run on, with the instrument id each stands for. */
export const DAILY_FILES = [
  { rel: 'kaggle-daily/coin_Bitcoin.csv', instrument: 'coinmarketcap:BTCUSD' },
  { rel: 'kaggle-daily/coin_Ethereum.csv', instrument: 'coinmarketcap:ETHUSD' },
  { rel: 'kaggle-daily/coin_Tether.csv', instrument: 'coinmarketcap:USDTUSD' },
  { rel: 'binance-daily/BTCUSDT-1d-ccxt.csv', instrument: 'binance:BTCUSDT' },
  { rel: 'binance-daily/ETHUSDT-1d-ccxt.csv', instrument: 'binance:ETHUSDT' },
] as const;

/**
 * Reads a Kaggle (`SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap`) or ccxt
 * (`Date,open,high,low,close,volume,...`) daily CSV into bars; columns are found by header name
 * so both layouts share one parser. Undefined when the shared data folder is absent.
 */
export function loadDailyBars(rel: string): IndicatorBar[] | undefined {
  const path = sharedData(rel);
  if (path === undefined) return undefined;
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${rel}: no '${name}' column in ${header.join(',')}`);
    return i;
  };
  const [date, open, high, low, close, volume] = ['date', 'open', 'high', 'low', 'close', 'volume'].map(col) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return lines.slice(1).map((line, n) => {
    const f = line.split(',');
    const num = (i: number): number => {
      const v = Number(f[i]);
      if (!Number.isFinite(v)) throw new Error(`${rel}:${n + 2}: column ${header[i]} is not a number: '${f[i]}'`);
      return v;
    };
    const start = Date.parse(`${f[date] ?? ''}T00:00:00Z`);
    if (Number.isNaN(start)) throw new Error(`${rel}:${n + 2}: bad date '${f[date]}'`);
    return { start, open: num(open), high: num(high), low: num(low), close: num(close), volume: num(volume) };
  });
}
