import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { partitionSql } from './lake.js';
import { readNumber, readNumberOrNull, readString } from './row-mappers.js';
import { LAKE_REWRITES } from './schema.js';
import type { SeriesDelta } from './series-stats.js';
import { SqlParams } from './sql-params.js';
import { COMMIT_SEQ, q, type TableSpec } from './tables.js';
import { statsColumns, type TablePlan } from './write-plan.js';

/**
 * The SQL that writes one table's rows inside the commit transaction.
 *
 * Append (no key can collide): `INSERT INTO t SELECT ... FROM tickflow_scan('t')`.
 * Otherwise the rows are staged in a temp table and deduplicated (a key twice in one write
 * keeps its last occurrence for `replace`, its first for `ignore`); then `replace` deletes
 * the stored rows with those keys and inserts, `ignore` inserts only the keys not stored. The
 * conflict check is limited to the write's time range, which DuckDB prunes with min/max zone
 * maps: rows arrive in time order, so it reads a few row groups.
 *
 * Every row written gets the commit's `commit_seq`. A `replace` that finds stored rows first
 * records their lake partitions in `lake_rewrites` (same transaction): the lake adds new rows
 * as new files, which is right for appends and `ignore` (stored rows never change), but a
 * partition whose rows were replaced must be rewritten, or it would keep the old version.
 */
const STAGE = 'temp.tickflow_stage';

/** `SELECT <table columns>, seq FROM tickflow_scan(...)` with dictionary ids resolved and numbers cast. */
function scanSelect(spec: TableSpec): string {
  const joins: string[] = [];
  const exprs = spec.columns.map((c) => {
    const col = q(c.name);
    if (c.kind === 'dict') {
      const alias = q(`d_${c.name}`);
      // LEFT JOIN: a bad dictionary index must surface as a NOT NULL violation, not drop the row.
      joins.push(`LEFT JOIN temp.tickflow_dict ${alias} ON ${alias}.i = s.${col}`);
      return `${alias}.v AS ${col}`;
    }
    const type = c.sql.split(' ')[0] ?? 'DOUBLE';
    if (c.kind === 'f64' && type !== 'DOUBLE') return `CAST(s.${col} AS ${type}) AS ${col}`;
    return `s.${col}`;
  });
  return `SELECT ${exprs.join(', ')}, s.seq FROM tickflow_scan('${spec.name}') s ${joins.join(' ')}`;
}

function columnList(spec: TableSpec, prefix = ''): string {
  return spec.columns.map((c) => `${prefix}${q(c.name)}`).join(', ');
}

/** Key equality between stored rows `t` and staged rows `st`. */
function keyMatch(spec: TableSpec): string {
  const eq = spec.key.map((k) => `t.${q(k)} = st.${q(k)}`);
  const content = spec.contentKeyWhenNoId;
  if (content !== undefined) eq.push(`(t.id >= 0 OR (${content.map((k) => `t.${q(k)} = st.${q(k)}`).join(' AND ')}))`);
  return eq.join(' AND ');
}

function dedupePartition(spec: TableSpec): string {
  const parts = spec.key.map(q);
  for (const k of spec.contentKeyWhenNoId ?? []) parts.push(`CASE WHEN id < 0 THEN ${q(k)} END`);
  return parts.join(', ');
}

async function rows(con: DuckDBConnection, sql: string, p?: SqlParams): Promise<DuckDBValue[][]> {
  const r = p === undefined ? await con.runAndReadAll(sql) : await con.runAndReadAll(sql, p.values, p.types);
  return r.getRows();
}

/** Writes one table; returns the series deltas for tables that keep series stats. */
export async function writeTable(con: DuckDBConnection, plan: TablePlan, commitSeq: number): Promise<SeriesDelta[] | undefined> {
  const { spec } = plan;
  const cols = columnList(spec);
  const select = scanSelect(spec);
  const seq = `${Math.trunc(commitSeq)}::BIGINT`;
  if (plan.append) {
    await con.run(`INSERT INTO ${spec.name} (${cols}, ${COMMIT_SEQ}) SELECT ${cols}, ${seq} FROM (${select})`);
    return plan.deltas;
  }

  const order = spec.onConflict === 'replace' ? 'DESC' : 'ASC';
  await con.run(
    `CREATE OR REPLACE TEMP TABLE tickflow_stage AS ${select} QUALIFY row_number() OVER (PARTITION BY ${dedupePartition(spec)} ORDER BY seq ${order}) = 1`,
  );

  const time = q(spec.time);
  const p = new SqlParams();
  let range = '';
  let stored = '';
  if (spec.key.includes(spec.time)) {
    const [mm] = await rows(con, `SELECT min(${time}), max(${time}) FROM ${STAGE}`);
    const lo = mm?.[0];
    const hi = mm?.[1];
    if (lo !== null && lo !== undefined && hi !== null && hi !== undefined) {
      stored = `t.${time} BETWEEN ${p.bigint(readNumber(lo, 'min'))} AND ${p.bigint(readNumber(hi, 'max'))}`;
      range = ` AND ${stored}`;
    }
  }
  const match = `${keyMatch(spec)}${range}`;

  const existing = new Map<string, number>();
  const series = spec.series;
  if (series !== undefined) {
    const sel = series.map((c) => `st.${q(c)}`).join(', ');
    const r = await rows(con, `SELECT ${sel}, count(*) FROM ${spec.name} t JOIN ${STAGE} st ON ${match} GROUP BY ${sel}`, p);
    for (const row of r) {
      const sub = series.length > 1 ? readString(row[1], 'sub') : '';
      existing.set(`${readString(row[0], 'instrument')}\u0000${sub}`, readNumber(row[series.length], 'count'));
    }
  }

  if (spec.onConflict === 'replace') {
    // The partitions of the rows about to be replaced; none means there is nothing to delete.
    const part = partitionSql(spec, 't');
    const marked = await con.run(
      `INSERT INTO ${LAKE_REWRITES} SELECT DISTINCT '${spec.name}', ${part.instrument}, ${part.date}, ${seq} FROM ${spec.name} t ` +
        `WHERE ${stored === '' ? '' : `${stored} AND `}EXISTS (SELECT 1 FROM ${STAGE} st WHERE ${keyMatch(spec)})`,
      p.values,
      p.types,
    );
    if (marked.rowsChanged > 0) await con.run(`DELETE FROM ${spec.name} t USING ${STAGE} st WHERE ${match}`, p.values, p.types);
    await con.run(`INSERT INTO ${spec.name} (${cols}, ${COMMIT_SEQ}) SELECT ${cols}, ${seq} FROM ${STAGE}`);
  } else {
    await con.run(
      `INSERT INTO ${spec.name} (${cols}, ${COMMIT_SEQ}) SELECT ${columnList(spec, 'st.')}, ${seq} FROM ${STAGE} st WHERE NOT EXISTS (SELECT 1 FROM ${spec.name} t WHERE ${match})`,
      p.values,
      p.types,
    );
  }

  let deltas: SeriesDelta[] | undefined;
  if (series !== undefined) {
    const extra = statsColumns(spec);
    const sel = series.map(q).join(', ');
    const close = extra.close === undefined ? 'NULL' : `arg_max(${q(extra.close)}, ${time})`;
    const end = extra.end === undefined ? 'NULL' : `arg_max(${q(extra.end)}, ${time})`;
    const r = await rows(con, `SELECT ${sel}, min(${time}), max(${time}), count(*), ${close}, ${end} FROM ${STAGE} GROUP BY ${sel}`);
    const o = series.length;
    deltas = r.map((row) => {
      const instrument = readString(row[0], 'instrument');
      const sub = o > 1 ? readString(row[1], 'sub') : '';
      return {
        instrument,
        sub,
        firstTime: readNumber(row[o], 'min'),
        lastTime: readNumber(row[o + 1], 'max'),
        added: readNumber(row[o + 2], 'count') - (existing.get(`${instrument}\u0000${sub}`) ?? 0),
        lastClose: readNumberOrNull(row[o + 3], 'close'),
        lastEnd: readNumberOrNull(row[o + 4], 'end'),
      };
    });
  }
  await con.run(`DROP TABLE ${STAGE}`);
  return deltas;
}
