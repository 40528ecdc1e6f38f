import type { DuckDBConnection } from '@duckdb/node-api';
import { readNumber, readNumberOrNull, readString } from './row-mappers.js';
import type { ScanSource } from './scan.js';
import { isTableName, type TableName } from './tables.js';

/**
 * Per-series summary of the big tables (bars and indicators per instrument and interval,
 * trades per instrument), mirrored in memory and in `series_stats`. Commit updates both in
 * the same transaction as the rows, and the memory copy only after that transaction
 * committed, so they never disagree with the tables.
 */
export interface SeriesStat {
  readonly tbl: TableName;
  readonly instrument: string;
  /** Interval for bars and indicators; '' for trades. */
  readonly sub: string;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly lastEnd: number | null;
  readonly lastClose: number | null;
  readonly rows: number;
}

/** What one write adds to a series. `added` counts keys that were not stored before. */
export interface SeriesDelta {
  readonly instrument: string;
  readonly sub: string;
  readonly firstTime: number;
  readonly lastTime: number;
  readonly lastEnd: number | null;
  readonly lastClose: number | null;
  readonly added: number;
}

const keyOf = (tbl: string, instrument: string, sub: string): string => `${tbl}\u0000${instrument}\u0000${sub}`;

export class SeriesStats {
  private readonly map = new Map<string, SeriesStat>();

  static async load(con: DuckDBConnection): Promise<SeriesStats> {
    const s = new SeriesStats();
    const r = await con.runAndReadAll('SELECT tbl, instrument, sub, first_time, last_time, last_end, last_close, "rows" FROM series_stats');
    for (const row of r.getRows()) {
      const tbl = readString(row[0], 'tbl');
      if (!isTableName(tbl)) continue;
      s.put({
        tbl,
        instrument: readString(row[1], 'instrument'),
        sub: readString(row[2], 'sub'),
        firstTime: readNumber(row[3], 'first_time'),
        lastTime: readNumber(row[4], 'last_time'),
        lastEnd: readNumberOrNull(row[5], 'last_end'),
        lastClose: readNumberOrNull(row[6], 'last_close'),
        rows: readNumber(row[7], 'rows'),
      });
    }
    return s;
  }

  private put(s: SeriesStat): void {
    this.map.set(keyOf(s.tbl, s.instrument, s.sub), s);
  }

  get(tbl: TableName, instrument: string, sub: string): SeriesStat | undefined {
    return this.map.get(keyOf(tbl, instrument, sub));
  }

  all(tbl: TableName): SeriesStat[] {
    return [...this.map.values()].filter((s) => s.tbl === tbl);
  }

  /** The stats after `deltas`, without changing this object (the write may still roll back). */
  merged(tbl: TableName, deltas: readonly SeriesDelta[]): SeriesStat[] {
    return deltas.map((d) => {
      const cur = this.get(tbl, d.instrument, d.sub);
      if (cur === undefined) {
        return {
          tbl,
          instrument: d.instrument,
          sub: d.sub,
          firstTime: d.firstTime,
          lastTime: d.lastTime,
          lastEnd: d.lastEnd,
          lastClose: d.lastClose,
          rows: d.added,
        };
      }
      // A write never removes a key, so the range only grows; at an equal last time the
      // write replaced the last bar, so its close is the current one.
      const newer = d.lastTime >= cur.lastTime;
      return {
        tbl,
        instrument: d.instrument,
        sub: d.sub,
        firstTime: Math.min(cur.firstTime, d.firstTime),
        lastTime: Math.max(cur.lastTime, d.lastTime),
        lastEnd: newer ? d.lastEnd : cur.lastEnd,
        lastClose: newer ? d.lastClose : cur.lastClose,
        rows: cur.rows + d.added,
      };
    });
  }

  /** Call only once the transaction that wrote `stats` committed. */
  apply(stats: readonly SeriesStat[]): void {
    for (const s of stats) this.put(s);
  }
}

/** Rows for `INSERT OR REPLACE INTO series_stats SELECT ... FROM tickflow_scan('series_stats')`. */
export function statsScan(stats: readonly SeriesStat[]): ScanSource {
  const f = (get: (s: SeriesStat) => number | null): Float64Array => Float64Array.from(stats, (s) => get(s) ?? NaN);
  return {
    rows: stats.length,
    columns: [
      { name: 'tbl', kind: 'str', data: stats.map((s) => s.tbl) },
      { name: 'instrument', kind: 'str', data: stats.map((s) => s.instrument) },
      { name: 'sub', kind: 'str', data: stats.map((s) => s.sub) },
      { name: 'first_time', kind: 'f64', data: f((s) => s.firstTime) },
      { name: 'last_time', kind: 'f64', data: f((s) => s.lastTime) },
      { name: 'last_end', kind: 'f64', data: f((s) => s.lastEnd) },
      { name: 'last_close', kind: 'f64', data: f((s) => s.lastClose) },
      { name: 'rows', kind: 'f64', data: f((s) => s.rows) },
    ],
  };
}

export const UPSERT_STATS_SQL = `INSERT OR REPLACE INTO series_stats (tbl, instrument, sub, first_time, last_time, last_end, last_close, "rows")
  SELECT tbl, instrument, sub, CAST(first_time AS BIGINT), CAST(last_time AS BIGINT), CAST(last_end AS BIGINT), last_close, CAST("rows" AS BIGINT)
  FROM tickflow_scan('series_stats')`;
