import type { ClientBase } from 'pg';
import { parseBarSpec } from '../../core/index.js';
import { TABLES, q, tableSpec, type TableName } from '../tables.js';

/**
 * Retention for the PostgreSQL store: how long each table keeps its rows, by the age of the
 * row's event time (each table's `time` column) against the wall clock. Raw trades are the
 * usual candidate (`trades=7d`); bars of a year are a few hundred MB per instrument.
 */
export type Retention = Partial<Record<TableName, number>>;

/** `trades=7d,late_trades=30d,bars=365d` (or `none`). */
export function parseRetention(raw: string): Retention {
  const out: Retention = {};
  if (raw.trim() === '' || raw.trim() === 'none') return out;
  for (const part of raw.split(',').map((p) => p.trim())) {
    const [name, age] = part.split('=').map((s) => s.trim());
    const table = TABLES.find((t) => t.name === name);
    if (table === undefined || age === undefined || age === '') {
      throw new Error(`'${part}' must be <table>=<age> with a table of ${TABLES.map((t) => t.name).join(', ')}, e.g. trades=7d`);
    }
    let ms: number;
    try {
      const spec = parseBarSpec(age);
      if (spec.kind !== 'time') throw new Error('not a duration');
      ms = spec.ms;
    } catch {
      throw new Error(`'${part}': ${age} is not an age such as 12h, 7d`);
    }
    out[table.name] = ms;
  }
  return out;
}

/** Rows deleted per statement: each batch is its own short transaction, so writers are not blocked for long. */
const BATCH = 50_000;

/**
 * Deletes the rows older than their table's retention, in batches, keeping `series_stats`
 * (row counts, first time) in step in the same statement. Returns the rows removed per table.
 */
export async function applyRetention(c: ClientBase, retention: Retention, now: number): Promise<Partial<Record<TableName, number>>> {
  const removed: Partial<Record<TableName, number>> = {};
  for (const [name, age] of Object.entries(retention) as [TableName, number][]) {
    const spec = tableSpec(name);
    const cutoff = Math.trunc(now - age);
    const time = q(spec.time);
    const victims = `SELECT ctid FROM ${spec.name} WHERE ${time} < $1 LIMIT ${BATCH}`;
    const series = spec.series;
    const sql =
      series === undefined
        ? `WITH d AS (DELETE FROM ${spec.name} WHERE ctid IN (${victims}) RETURNING 1) SELECT count(*) AS n FROM d`
        : `WITH d AS (DELETE FROM ${spec.name} WHERE ctid IN (${victims}) RETURNING ${q(series[0] ?? 'instrument')} AS instrument, ` +
          `${series[1] !== undefined ? q(series[1]) : `''::text`} AS sub), ` +
          `g AS (SELECT instrument, sub, count(*) AS n FROM d GROUP BY instrument, sub), ` +
          `u AS (UPDATE series_stats s SET "rows" = s."rows" - g.n ` +
          `FROM g WHERE s.tbl = '${spec.name}' AND s.instrument = g.instrument AND s.sub = g.sub RETURNING 1) ` +
          `SELECT coalesce(sum(n), 0)::bigint AS n FROM g`;
    let total = 0;
    for (;;) {
      const r = await c.query<{ n: number }>(sql, [cutoff]);
      const n = Number(r.rows[0]?.n ?? 0);
      total += n;
      if (n < BATCH) break;
    }
    if (series !== undefined && total > 0) {
      // A series with nothing left is dropped from the instrument list; the others start at
      // their oldest remaining row (an index lookup each: the key starts with the series).
      await c.query(`DELETE FROM series_stats WHERE tbl = $1 AND "rows" <= 0`, [spec.name]);
      const sameSeries = [`t.${q(series[0] ?? 'instrument')} = s.instrument`];
      if (series[1] !== undefined) sameSeries.push(`t.${q(series[1])} = s.sub`);
      await c.query(
        `UPDATE series_stats s SET first_time = (SELECT min(t.${time}) FROM ${spec.name} t WHERE ${sameSeries.join(' AND ')}) ` +
          `WHERE s.tbl = $1 AND s.first_time < $2`,
        [spec.name, cutoff],
      );
    }
    if (total > 0) removed[name] = total;
  }
  return removed;
}
