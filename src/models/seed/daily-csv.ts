import { TickflowError } from '../../core/index.js';
import { isoDay, type DailyRow } from './features.js';

/**
 * A daily OHLCV CSV as training rows, oldest first. Pure: the caller reads the file.
 *
 * Columns are found by header name (case-insensitive), so both daily layouts in ../shared/data
 * parse: Kaggle's `SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap` (the seed's
 * coin_Bitcoin.csv) and ccxt's `Date,open,high,low,close,volume,Name,Symbol,Marketcap`. The replay
 * parser of the same files (src/sources/formats/kaggle-daily.ts) turns each day into synthesized
 * trades for the pipeline; training needs the bars themselves, so this reads them directly.
 *
 * A bad row stops the parse with its line number rather than being skipped: a model trained on
 * silently thinned data would report metrics for a dataset nobody chose.
 */
export interface DailyDataset {
  /** `kaggle-daily` for the Kaggle layout, else `daily-ohlcv`. */
  readonly format: 'kaggle-daily' | 'daily-ohlcv';
  /** The file's `Symbol` column, when it has one. */
  readonly symbol: string | undefined;
  readonly rows: readonly DailyRow[];
}

const REQUIRED = ['date', 'open', 'high', 'low', 'close', 'volume'] as const;
const KAGGLE_HEADER = 'sno,name,symbol,date,high,low,open,close,volume,marketcap';
const EXPECTED = 'a daily OHLCV CSV such as the Kaggle coin_Bitcoin.csv (SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap)';
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?Z?)?$/;

export function parseDailyCsv(text: string, source: string): DailyDataset {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
  if (header.join('') === '') throw new TickflowError('UNKNOWN_FORMAT', `${source} is empty; expected ${EXPECTED}`);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new TickflowError(
      'UNKNOWN_FORMAT',
      `${source}: header '${clip(lines[0] ?? '')}' has no ${missing.join(', ')} column(s); expected ${EXPECTED}`,
    );
  }
  const col = (name: string): number => header.indexOf(name);
  const [iDate, iOpen, iHigh, iLow, iClose, iVolume] = REQUIRED.map(col) as [number, number, number, number, number, number];
  const iSymbol = col('symbol');

  const rows: DailyRow[] = [];
  const symbols = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const at = `${source}:${i + 1}`;
    const f = line.split(',');
    if (f.length !== header.length) {
      throw new TickflowError('WRONG_COLUMN_COUNT', `${at}: ${f.length} fields, the header has ${header.length}; fix or remove the line`, {
        details: { line: i + 1 },
      });
    }
    const day = parseDay(f[iDate] ?? '');
    if (day === undefined) {
      throw new TickflowError('BAD_TIMESTAMP', `${at}: date '${f[iDate] ?? ''}' is not a UTC day YYYY-MM-DD`, { details: { line: i + 1 } });
    }
    const open = price(f[iOpen], 'open', at, i + 1);
    const high = price(f[iHigh], 'high', at, i + 1);
    const low = price(f[iLow], 'low', at, i + 1);
    const close = price(f[iClose], 'close', at, i + 1);
    const volume = field(f[iVolume], 'volume', at, i + 1);
    if (volume < 0) throw new TickflowError('BAD_SIZE', `${at}: volume ${volume} is negative`, { details: { line: i + 1 } });
    if (low > high || open < low || open > high || close < low || close > high) {
      throw new TickflowError(
        'BAD_PRICE',
        `${at}: inconsistent bar (open ${open}, high ${high}, low ${low}, close ${close}): open and close must lie within [low, high]`,
        { details: { line: i + 1 } },
      );
    }
    if (iSymbol >= 0) symbols.add((f[iSymbol] ?? '').trim());
    rows.push({ day, open, high, low, close, volume });
  }
  if (symbols.size > 1) {
    throw new TickflowError(
      'DATASET_INVALID',
      `${source} mixes ${symbols.size} symbols (${[...symbols].slice(0, 5).join(', ')}); train on one coin's file`,
    );
  }
  // Files are oldest first, but the split is by time whatever their order.
  rows.sort((a, b) => a.day - b.day);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]?.day === rows[i - 1]?.day) {
      throw new TickflowError('BAD_TIMESTAMP', `${source}: day ${isoDay(rows[i]?.day ?? 0)} appears more than once; keep one bar per day`);
    }
  }
  return {
    format: header.join(',') === KAGGLE_HEADER ? 'kaggle-daily' : 'daily-ohlcv',
    symbol: symbols.size === 1 ? [...symbols][0] : undefined,
    rows,
  };
}

/** UTC midnight of `YYYY-MM-DD` (a midnight time part is allowed), or undefined. */
function parseDay(raw: string): number | undefined {
  const m = DATE_RE.exec(raw.trim().replace(/^"|"$/g, ''));
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2021-02-30 over into March and month 13 into January: a day that does not round-trip is not a day
  const d = new Date(t);
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? t : undefined;
}

function field(raw: string | undefined, name: string, at: string, line: number): number {
  const s = (raw ?? '').trim();
  if (s === '') throw new TickflowError('NOT_NUMERIC', `${at}: ${name} is empty`, { details: { line } });
  const v = Number(s);
  if (Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) {
    throw new TickflowError('NOT_NUMERIC', `${at}: ${name} '${clip(s)}' is not a number`, { details: { line } });
  }
  if (!Number.isFinite(v))
    throw new TickflowError(name === 'volume' ? 'BAD_SIZE' : 'BAD_PRICE', `${at}: ${name} is ${s}, not a finite number`, {
      details: { line },
    });
  return v;
}

function price(raw: string | undefined, name: string, at: string, line: number): number {
  const v = field(raw, name, at, line);
  if (!(v > 0)) throw new TickflowError('BAD_PRICE', `${at}: ${name} ${v} is not a positive price`, { details: { line } });
  return v;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
