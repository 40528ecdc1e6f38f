import { TickflowError } from '../core/index.js';
import type { PackedTable, PackedWrite } from './packed-write.js';
import type { ScanColumn, ScanSource } from './scan.js';
import type { SeriesDelta, SeriesStats } from './series-stats.js';
import { tableSpec, type TableSpec } from './tables.js';

/**
 * What committing one packed table involves, worked out in JS before any SQL runs (on the
 * store's worker thread, so not on the pipeline's):
 * - `append`: every series in the write is strictly ordered and newer than anything stored,
 *   so no key can collide and the rows are a plain append (the replay case, and the fast one);
 * - the series deltas an append adds to `series_stats`.
 */
export interface TablePlan {
  readonly spec: TableSpec;
  readonly scan: ScanSource;
  readonly append: boolean;
  /** Present when `append` and the table keeps series stats. */
  readonly deltas?: SeriesDelta[];
}

/** Series keys pack two dictionary indices into one number. */
const DICT_LIMIT = 2 ** 21;

/** Close and end columns the series stats remember, per table. */
const STATS_COLUMNS: Partial<Record<string, { close?: string; end?: string }>> = {
  bars: { close: 'close', end: 'end' },
  indicators: { close: 'close' },
  trades: { close: 'price' },
};

export function statsColumns(spec: TableSpec): { close?: string; end?: string } {
  return STATS_COLUMNS[spec.name] ?? {};
}

/** Checks a packed table against its spec (it crossed a thread boundary) and names its columns. */
function toScan(spec: TableSpec, t: PackedTable): ScanSource {
  if (t.columns.length !== spec.columns.length) {
    throw new TickflowError('INTERNAL', `store: ${spec.name} write has ${t.columns.length} columns, expected ${spec.columns.length}`);
  }
  const columns = spec.columns.map((c, i): ScanColumn => {
    const data = t.columns[i];
    const ok = data !== undefined && data.length === t.rows;
    if (ok && c.kind === 'f64' && data instanceof Float64Array) return { name: c.name, kind: 'f64', data };
    if (ok && c.kind === 'dict' && data instanceof Uint32Array) return { name: c.name, kind: 'u32', data };
    if (ok && c.kind === 'str' && Array.isArray(data)) return { name: c.name, kind: 'str', data };
    throw new TickflowError('INTERNAL', `store: ${spec.name}.${c.name} is not a ${c.kind} column of ${t.rows} rows`);
  });
  return { rows: t.rows, columns };
}

function f64(scan: ScanSource, name: string): Float64Array {
  const c = scan.columns.find((x) => x.name === name);
  if (c?.kind !== 'f64') throw new TickflowError('INTERNAL', `store: no f64 column ${name}`);
  return c.data;
}

function u32(scan: ScanSource, name: string): Uint32Array {
  const c = scan.columns.find((x) => x.name === name);
  if (c?.kind !== 'u32') throw new TickflowError('INTERNAL', `store: no dictionary column ${name}`);
  return c.data;
}

interface SeriesRun {
  min: number;
  max: number;
  maxRow: number;
  last: number;
  lastTie: number;
  n: number;
  ordered: boolean;
}

function analyseSeries(
  spec: TableSpec,
  scan: ScanSource,
  dict: readonly string[],
  stats: SeriesStats,
): { append: boolean; deltas?: SeriesDelta[] } {
  const series = spec.series;
  if (series === undefined || dict.length >= DICT_LIMIT) return { append: false };
  const s0 = u32(scan, series[0] ?? '');
  const s1 = series[1] === undefined ? undefined : u32(scan, series[1]);
  const time = f64(scan, spec.time);
  const tie = spec.tiebreak === undefined ? undefined : f64(scan, spec.tiebreak);
  const runs = new Map<number, SeriesRun>();
  let lastKey = -1;
  let run: SeriesRun | undefined;
  for (let i = 0; i < scan.rows; i++) {
    const k = (s0[i] ?? 0) * DICT_LIMIT + (s1 === undefined ? 0 : (s1[i] ?? 0));
    const t = time[i] ?? NaN;
    const tb = tie === undefined ? 0 : (tie[i] ?? NaN);
    if (k !== lastKey || run === undefined) {
      run = runs.get(k);
      lastKey = k;
    }
    if (run === undefined) {
      run = { min: t, max: t, maxRow: i, last: t, lastTie: tb, n: 1, ordered: t === t && tb === tb };
      runs.set(k, run);
      continue;
    }
    // NaN fails every comparison, so a NaN time makes the series unordered; the SQL path
    // then rejects it through NOT NULL.
    if (!(t > run.last || (tie !== undefined && t === run.last && tb > run.lastTie))) run.ordered = false;
    if (t >= run.max) {
      run.max = t;
      run.maxRow = i;
    }
    if (t < run.min) run.min = t;
    run.last = t;
    run.lastTie = tb;
    run.n++;
  }
  const extra = statsColumns(spec);
  const close = extra.close === undefined ? undefined : f64(scan, extra.close);
  const end = extra.end === undefined ? undefined : f64(scan, extra.end);
  const deltas: SeriesDelta[] = [];
  for (const [k, r] of runs) {
    const instrument = dict[Math.floor(k / DICT_LIMIT)] ?? '';
    const sub = s1 === undefined ? '' : (dict[k % DICT_LIMIT] ?? '');
    const stored = stats.get(spec.name, instrument, sub);
    if (!r.ordered || (stored !== undefined && !(r.min > stored.lastTime))) return { append: false };
    deltas.push({
      instrument,
      sub,
      firstTime: r.min,
      lastTime: r.max,
      lastEnd: end === undefined ? null : (end[r.maxRow] ?? null),
      lastClose: close === undefined ? null : (close[r.maxRow] ?? null),
      added: r.n,
    });
  }
  return { append: true, deltas };
}

export function planWrite(w: PackedWrite, stats: SeriesStats): TablePlan[] {
  return w.tables
    .filter((t) => t.rows > 0)
    .map((t) => {
      const spec = tableSpec(t.table);
      const scan = toScan(spec, t);
      const { append, deltas } = analyseSeries(spec, scan, w.dict, stats);
      return deltas === undefined ? { spec, scan, append } : { spec, scan, append, deltas };
    });
}

/** The write's string dictionary as a scan, loaded into `temp.tickflow_dict` (i = seq). */
export function dictScan(dict: readonly string[]): ScanSource {
  return { rows: dict.length, columns: [{ name: 'v', kind: 'str', data: dict }] };
}
