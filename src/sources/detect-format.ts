import { basename } from 'node:path';
import { TickflowError } from '../core/index.js';
import { readFileHead } from './file-head.js';
import { headerMatches } from './record-parser.js';
import { REPLAY_FORMATS, type ReplayFormat } from './replay-formats.js';
import { BINANCE_AGGTRADES_COLUMNS } from './formats/binance-aggtrades.js';
import { BINANCE_DAILY_CCXT_COLUMNS } from './formats/binance-daily-ccxt.js';
import { BINANCE_KLINE_COLUMNS } from './formats/binance-klines.js';
import { BINANCE_TRADES_COLUMNS } from './formats/binance-trades.js';
import { BINANCE_TRADES_WS_COLUMNS } from './formats/binance-trades-ws.js';
import { FTX_1M_COLUMNS } from './formats/ftx-1m.js';
import { KAGGLE_DAILY_COLUMNS } from './formats/kaggle-daily.js';
import { TARDIS_TRADES_COLUMNS } from './formats/tardis-trades.js';

const HEADERS: readonly (readonly [ReplayFormat, readonly string[]])[] = [
  ['kaggle-daily', KAGGLE_DAILY_COLUMNS],
  ['binance-daily-ccxt', BINANCE_DAILY_CCXT_COLUMNS],
  ['binance-klines', BINANCE_KLINE_COLUMNS],
  ['binance-trades-ws', BINANCE_TRADES_WS_COLUMNS],
  ['binance-aggtrades', BINANCE_AGGTRADES_COLUMNS],
  ['binance-aggtrades', BINANCE_AGGTRADES_COLUMNS.slice(0, 7)],
  ['binance-trades', BINANCE_TRADES_COLUMNS],
  ['binance-trades', BINANCE_TRADES_COLUMNS.slice(0, 6)],
  ['tardis-trades', TARDIS_TRADES_COLUMNS],
  ['ftx-1m', FTX_1M_COLUMNS],
];

const isNum = (s: string | undefined): boolean => s !== undefined && s.trim() !== '' && Number.isFinite(Number(s));
const isBool = (s: string | undefined): boolean => s !== undefined && /^(true|false)$/i.test(s.trim());

/**
 * The format of a file from its name and first line: a known header, or for the formats
 * that come without one, the shape of the first row (and the name as a tie-breaker).
 */
export function detectFormatFromHead(fileName: string, firstLine: string): ReplayFormat | undefined {
  for (const [format, columns] of HEADERS) if (headerMatches(firstLine, columns)) return format;
  const line = firstLine.trim();
  if (line.startsWith('[')) return 'ccxt-trades-json';
  const f = line.split(',');
  if (f.length === 12 && f.every(isNum)) return 'binance-klines';
  if ((f.length === 8 || f.length === 7) && isBool(f[6]) && f.slice(0, 6).every(isNum)) return 'binance-aggtrades';
  if (f.length === 7 && isBool(f[5]) && isNum(f[6]) && f.slice(0, 5).every(isNum)) return 'binance-trades-ws';
  if ((f.length === 7 || f.length === 6) && isBool(f[5]) && f.slice(0, 5).every(isNum)) return 'binance-trades';
  if (f.length === 3 && f.every(isNum)) return 'kraken-timesales';
  // the name alone, for a file whose first line is damaged
  const name = basename(fileName);
  if (/^[A-Z0-9]+-\d+[smhdwM]-\d{4}-\d{2}(-\d{2})?\.csv/.test(name)) return 'binance-klines';
  if (/-aggTrades-/.test(name)) return 'binance-aggtrades';
  if (/^kraken_/i.test(name)) return 'kraken-timesales';
  return undefined;
}

/** Detects the format of the file at `path`; throws UNKNOWN_FORMAT (listing the formats) or IO. */
export function detectFormat(path: string): ReplayFormat {
  const head = readFileHead(path);
  const format = detectFormatFromHead(path, head.firstLine);
  if (format !== undefined) return format;
  throw unknownFormat(path, head.firstLine);
}

export function unknownFormat(path: string, firstLine: string): TickflowError {
  const shown = firstLine.length > 120 ? `${firstLine.slice(0, 120)}…` : firstLine;
  const list = REPLAY_FORMATS.map((f) => `  ${f.name.padEnd(20)} ${f.description}`).join('\n');
  return new TickflowError(
    'UNKNOWN_FORMAT',
    `cannot tell the format of ${basename(path)} (first line: ${shown === '' ? 'empty file' : `'${shown}'`}).\n` +
      `Pass --format <name> with one of:\n${list}`,
    { details: { file: path, firstLine: shown, formats: REPLAY_FORMATS.map((f) => f.name) } },
  );
}
