import type { ClientBase } from 'pg';
import { TickflowError } from '../../core/index.js';
import type { PackedColumn, PackedTable, PackedWrite } from '../packed-write.js';
import type { Checkpoint } from '../store.js';
import { q, tableSpec, type TableSpec } from '../tables.js';
import { statsColumns } from '../write-plan.js';
import { pgArrayType } from './migrations.js';

/**
 * The write side of the PostgreSQL store. A packed write (the same columns the DuckDB worker
 * scans) becomes one statement per table and chunk: every column travels as ONE array
 * parameter and `unnest` turns the arrays back into rows, so 10,000 bars are one round trip
 * and one plan, not 10,000 inserts or 170,000 bound values. The statement upserts on the
 * table's key and, for the big tables, updates `series_stats` from the rows it actually wrote
 * (RETURNING), in the same statement, so the summary can never disagree with the rows.
 */

/** Rows per statement: bounds one parameter's text and the server's memory for one unnest. */
export const CHUNK_ROWS = 50_000;

/** An array element literal: double-quoted, `"` and `\` escaped. PostgreSQL text cannot hold NUL. */
function quoteText(s: string): string {
  return `"${s.replace(/[\\"]/g, '\\$&').replaceAll('\u0000', '\uFFFD')}"`;
}

/** NaN stands for NULL (packed-write.ts), so a NaN in a NOT NULL column fails the write as in DuckDB. */
function numberLiteral(v: number): string {
  return Number.isNaN(v) ? 'NULL' : String(v);
}

/** The `{…}` literal of one column for the rows `rows[from..to)`. */
function arrayLiteral(col: PackedColumn, quotedDict: readonly string[], rows: Int32Array, from: number, to: number): string {
  const parts = new Array<string>(to - from);
  if (col instanceof Float64Array) {
    for (let i = from; i < to; i++) parts[i - from] = numberLiteral(col[rows[i] ?? 0] ?? NaN);
  } else if (col instanceof Uint32Array) {
    for (let i = from; i < to; i++) parts[i - from] = quotedDict[col[rows[i] ?? 0] ?? 0] ?? 'NULL';
  } else {
    for (let i = from; i < to; i++) parts[i - from] = quoteText(col[rows[i] ?? 0] ?? '');
  }
  return `{${parts.join(',')}}`;
}

/**
 * The rows of a table to write, in order. `ON CONFLICT DO UPDATE` may not touch a row twice in
 * one statement, so for `replace` tables a key that occurs twice keeps its last occurrence
 * (a bar revised within one checkpoint); `ignore` tables keep every row and let the database
 * keep the first.
 */
function selectRows(spec: TableSpec, t: PackedTable): Int32Array {
  const all = new Int32Array(t.rows);
  for (let i = 0; i < t.rows; i++) all[i] = i;
  if (spec.onConflict !== 'replace' || t.rows < 2) return all;
  const keyCols = spec.key.map((k) => {
    const i = spec.columns.findIndex((c) => c.name === k);
    const col = t.columns[i];
    if (col === undefined) throw new TickflowError('INTERNAL', `store: ${spec.name} write has no key column ${k}`);
    return col;
  });
  const last = new Map<string, number>();
  for (let r = 0; r < t.rows; r++) {
    let key = '';
    for (const c of keyCols) key += `${String(c[r])}\u0001`;
    last.set(key, r);
  }
  if (last.size === t.rows) return all;
  return Int32Array.from([...last.values()].sort((a, b) => a - b));
}

const statements = new Map<string, string>();

/** The upsert of one table (constant per table, so PostgreSQL plans it once per connection). */
function upsertSql(spec: TableSpec): string {
  const cached = statements.get(spec.name);
  if (cached !== undefined) return cached;
  const cols = spec.columns.map((c) => q(c.name));
  const arrays = spec.columns.map((c, i) => `$${i + 1}::${pgArrayType(c)}`).join(', ');
  const conflict =
    spec.onConflict === 'ignore'
      ? 'ON CONFLICT DO NOTHING'
      : `ON CONFLICT (${spec.key.map(q).join(', ')}) DO UPDATE SET ${spec.columns
          .filter((c) => !spec.key.includes(c.name))
          .map((c) => `${q(c.name)} = EXCLUDED.${q(c.name)}`)
          .join(', ')}`;
  const insert = `INSERT INTO ${spec.name} (${cols.join(', ')}) SELECT * FROM unnest(${arrays}) ${conflict}`;
  let sql = insert;
  const series = spec.series;
  if (series !== undefined) {
    const { close, end } = statsColumns(spec);
    const sub = series[1] !== undefined ? q(series[1]) : `''::text`;
    const tiebreak = spec.tiebreak !== undefined ? `, tb DESC` : '';
    // xmax = 0 tells a row this statement inserted from one it updated (a revised bar): only
    // new keys add to the series' row count.
    const returning = [
      `${q(series[0] ?? 'instrument')} AS instrument`,
      `${sub} AS sub`,
      `${q(spec.time)} AS t`,
      `${end !== undefined ? q(end) : 'NULL::bigint'} AS e`,
      `${close !== undefined ? q(close) : 'NULL::double precision'} AS c`,
      `${spec.tiebreak !== undefined ? q(spec.tiebreak) : '0'} AS tb`,
      `(xmax = 0) AS added`,
    ].join(', ');
    sql =
      `WITH w AS (${insert} RETURNING ${returning}) ` +
      `INSERT INTO series_stats AS s (tbl, instrument, sub, first_time, last_time, last_end, last_close, "rows") ` +
      `SELECT '${spec.name}', instrument, sub, min(t), max(t), (array_agg(e ORDER BY t DESC${tiebreak}))[1], ` +
      `(array_agg(c ORDER BY t DESC${tiebreak}))[1], count(*) FILTER (WHERE added) FROM w GROUP BY instrument, sub ` +
      // A write never removes a key, so the range only grows; at an equal last time the write
      // replaced the last row, so its end and close are the current ones.
      `ON CONFLICT (tbl, instrument, sub) DO UPDATE SET first_time = least(s.first_time, EXCLUDED.first_time), ` +
      `last_time = greatest(s.last_time, EXCLUDED.last_time), ` +
      `last_end = CASE WHEN EXCLUDED.last_time >= s.last_time THEN EXCLUDED.last_end ELSE s.last_end END, ` +
      `last_close = CASE WHEN EXCLUDED.last_time >= s.last_time THEN EXCLUDED.last_close ELSE s.last_close END, ` +
      `"rows" = s."rows" + EXCLUDED."rows"`;
  }
  statements.set(spec.name, sql);
  return sql;
}

const CHECKPOINT_SQL =
  'INSERT INTO checkpoints (id, positions, state, updated_at) VALUES ($1, $2, $3, $4) ' +
  'ON CONFLICT (id) DO UPDATE SET positions = EXCLUDED.positions, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at';

/** Writes a packed write's tables and checkpoint inside the caller's transaction; returns the rows sent. */
export async function writePacked(c: ClientBase, w: PackedWrite): Promise<number> {
  const quotedDict = w.dict.map(quoteText);
  let sent = 0;
  for (const t of w.tables) {
    if (t.rows === 0) continue;
    const spec = tableSpec(t.table);
    if (t.columns.length !== spec.columns.length) {
      throw new TickflowError('INTERNAL', `store: ${spec.name} write has ${t.columns.length} columns, expected ${spec.columns.length}`);
    }
    const rows = selectRows(spec, t);
    const text = upsertSql(spec);
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
      const to = Math.min(rows.length, from + CHUNK_ROWS);
      const values = t.columns.map((col) => arrayLiteral(col, quotedDict, rows, from, to));
      await c.query({ name: `tickflow_upsert_${spec.name}`, text, values });
      sent += to - from;
    }
  }
  if (w.checkpoint !== undefined) await writeCheckpoint(c, w.checkpoint);
  return sent;
}

async function writeCheckpoint(c: ClientBase, cp: Checkpoint): Promise<void> {
  await c.query({ name: 'tickflow_checkpoint', text: CHECKPOINT_SQL, values: [cp.id, cp.positions, cp.state, cp.updatedAt] });
}
