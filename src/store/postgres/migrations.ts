import type { ClientBase } from 'pg';
import { TickflowError } from '../../core/index.js';
import { TABLES, q, type ColumnSpec, type TableSpec } from '../tables.js';

/**
 * The PostgreSQL schema as numbered migrations. A starting writer applies the missing ones
 * and their `schema_migrations` rows in one transaction under an advisory lock, so several
 * processes starting at once migrate once, and a crash mid-migration leaves the previous
 * version (PostgreSQL's DDL is transactional). A newer schema than this tickflow knows
 * is refused rather than written to.
 *
 * Unlike the DuckDB file, the keys are real constraints here: PostgreSQL's upsert
 * (`INSERT … ON CONFLICT`) needs a unique index, and the same indexes answer the API's
 * lookups by series and time.
 */
export interface PgMigration {
  readonly version: number;
  readonly description: string;
  readonly statements: readonly string[];
}

/** The column's PostgreSQL type and constraints, from its DuckDB-flavoured spec. */
export function pgColumnSql(c: ColumnSpec): string {
  return c.sql
    .replace(/^DOUBLE\b/, 'DOUBLE PRECISION')
    .replace(/^TINYINT\b/, 'SMALLINT')
    .replace(/^VARCHAR\b/, 'TEXT');
}

/** The array type a column's values travel in (see writer.ts). */
export function pgArrayType(c: ColumnSpec): string {
  if (c.kind !== 'f64') return 'text[]';
  const sql = pgColumnSql(c);
  return sql.startsWith('DOUBLE PRECISION') ? 'float8[]' : `${(sql.split(' ')[0] ?? '').toLowerCase()}[]`;
}

function createTable(t: TableSpec): string[] {
  const cols = t.columns.map((c) => `${q(c.name)} ${pgColumnSql(c)}`);
  if (t.contentKeyWhenNoId === undefined) {
    return [`CREATE TABLE ${t.name} (${cols.join(', ')}, PRIMARY KEY (${t.key.map(q).join(', ')}))`];
  }
  // Trades without a venue id (-1) are identified by their content, so a replay after a crash
  // does not double them; the two partial unique indexes say exactly that (writer.ts inserts
  // these tables with ON CONFLICT DO NOTHING, which honours both).
  const withId = t.key.map(q).join(', ');
  const byContent = [...t.key.filter((k) => k !== 'id'), ...t.contentKeyWhenNoId].map(q).join(', ');
  return [
    `CREATE TABLE ${t.name} (${cols.join(', ')})`,
    `CREATE UNIQUE INDEX ${t.name}_id_key ON ${t.name} (${withId}) WHERE id <> -1`,
    `CREATE UNIQUE INDEX ${t.name}_content_key ON ${t.name} (${byContent}) WHERE id = -1`,
  ];
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'tables, checkpoints, series summary and the indexes of the API queries',
    statements: [
      ...TABLES.flatMap(createTable),
      `CREATE TABLE checkpoints (id TEXT PRIMARY KEY, positions TEXT NOT NULL, state TEXT NOT NULL, updated_at BIGINT NOT NULL)`,
      // Per-series summary, kept by each commit in the same statement as the rows: it answers the
      // instrument list and the big tables' counts without scanning millions of rows.
      `CREATE TABLE series_stats (
        tbl TEXT NOT NULL, instrument TEXT NOT NULL, sub TEXT NOT NULL,
        first_time BIGINT NOT NULL, last_time BIGINT NOT NULL, last_end BIGINT, last_close DOUBLE PRECISION, "rows" BIGINT NOT NULL,
        PRIMARY KEY (tbl, instrument, sub))`,
      // The API's orders beyond the primary keys (queries.ts): alerts and rejects newest first
      // across instruments, windows by start, late trades by time.
      `CREATE INDEX alerts_time ON alerts (time, instrument, interval, kind)`,
      `CREATE INDEX alerts_instrument_time ON alerts (instrument, time)`,
      `CREATE INDEX windows_instrument_start ON windows (instrument, start, size, slide)`,
      `CREATE INDEX rejects_time ON rejects (time, source, position, reason)`,
      `CREATE INDEX rejects_reason_time ON rejects (reason, time)`,
      `CREATE INDEX late_trades_instrument_ts ON late_trades (instrument, ts, id)`,
      `CREATE INDEX trades_instrument_ts ON trades (instrument, ts)`,
    ],
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);

/** Any constant: the key of the advisory lock migrations hold (per database). */
const MIGRATION_LOCK = 0x7469636b; // "tick"

async function currentVersion(c: ClientBase): Promise<number | undefined> {
  const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (exists.rows[0]?.t === null || exists.rows[0] === undefined) return undefined;
  const r = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

function checkNotNewer(version: number): void {
  if (version > PG_SCHEMA_VERSION) {
    throw new TickflowError(
      'STORE',
      `the PostgreSQL schema is at version ${version}, newer than this tickflow supports (${PG_SCHEMA_VERSION}); upgrade tickflow`,
    );
  }
}

/** Applies the missing migrations; returns the versions it applied. */
export async function migratePg(c: ClientBase): Promise<number[]> {
  const applied: number[] = [];
  await c.query('BEGIN');
  try {
    // Held to the end of this transaction: a second starter waits here, then finds the work done.
    await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    let version = await currentVersion(c);
    if (version === undefined) {
      await c.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      version = 0;
    }
    checkNotNewer(version);
    for (const m of PG_MIGRATIONS) {
      if (m.version <= version) continue;
      try {
        for (const sql of m.statements) await c.query(sql);
        await c.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [m.version, m.description]);
      } catch (e) {
        throw new TickflowError('STORE', `PostgreSQL schema migration to version ${m.version} failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
      applied.push(m.version);
    }
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
  return applied;
}

/** A read-only opener does not migrate: the schema must already be this tickflow's. */
export async function checkPgSchema(c: ClientBase, where: string): Promise<void> {
  const version = await currentVersion(c);
  if (version === undefined || version === 0) {
    throw new TickflowError(
      'STORE',
      `${where} has no tickflow schema; start a writer on it once (e.g. \`tickflow run --store …\`) to create it`,
    );
  }
  checkNotNewer(version);
  if (version < PG_SCHEMA_VERSION) {
    throw new TickflowError(
      'STORE',
      `${where} has schema version ${version}, this tickflow expects ${PG_SCHEMA_VERSION}; start a writer on it once to migrate`,
    );
  }
}
