import type { DuckDBConnection } from '@duckdb/node-api';
import { TickflowError } from '../core/index.js';
import { COMMIT_SEQ, FEED_GAPS, MODEL_METRICS, MODEL_VERSIONS, PREDICTIONS, TABLES, q, type TableSpec } from './tables.js';

/**
 * Schema versions, applied in order by a writer that opens an older file. Each step runs
 * in its own transaction together with its `schema_version` row, so a crash mid-migration
 * leaves the file at the previous version.
 */
interface Migration {
  readonly version: number;
  readonly statements: readonly string[];
}

/** The lake's bookkeeping tables (see version 2 below and lake.ts). */
export const LAKE_STATE = 'lake_state';
export const LAKE_REWRITES = 'lake_rewrites';

function createTable(t: TableSpec): string {
  const cols = t.columns.map((c) => `${q(c.name)} ${c.sql}`).join(', ');
  return `CREATE TABLE ${t.name} (${cols})`;
}

/** The tables of version 1 (later ones are created by the migration that added them). */
const LATER_TABLES: readonly TableSpec[] = [FEED_GAPS, PREDICTIONS, MODEL_METRICS, MODEL_VERSIONS];
const V1_TABLES = TABLES.filter((t) => !LATER_TABLES.includes(t));

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      ...V1_TABLES.map(createTable),
      `CREATE TABLE checkpoints (id VARCHAR PRIMARY KEY, positions VARCHAR NOT NULL, state VARCHAR NOT NULL, updated_at BIGINT NOT NULL)`,
      // Per-series summary kept in step with the big tables by `commit`: it answers
      // instruments() without scanning millions of bars, and tells commit when a write is a
      // pure append (every row newer than `last_time`), which needs no conflict check.
      `CREATE TABLE series_stats (
        tbl VARCHAR NOT NULL, instrument VARCHAR NOT NULL, sub VARCHAR NOT NULL,
        first_time BIGINT NOT NULL, last_time BIGINT NOT NULL, last_end BIGINT, last_close DOUBLE, "rows" BIGINT NOT NULL,
        PRIMARY KEY (tbl, instrument, sub))`,
    ],
  },
  {
    // The incremental lake (lake.ts). Rows stored before this version get commit_seq 0; a file
    // without a lake_state row gets one full export, as every first export did before.
    version: 2,
    statements: [
      ...V1_TABLES.map((t) => `ALTER TABLE ${t.name} ADD COLUMN ${COMMIT_SEQ} BIGINT DEFAULT 0`),
      // The commit seq the lake at `lake` (its resolved path) holds everything up to; one row.
      `CREATE TABLE ${LAKE_STATE} (lake VARCHAR NOT NULL, commit_seq BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
      // Lake partitions whose stored rows a commit replaced or that a compaction is rewriting:
      // the next export rewrites them whole instead of adding a file. Written in the same
      // transaction as the change, deleted once an export covering commit_seq is persisted.
      `CREATE TABLE ${LAKE_REWRITES} (tbl VARCHAR NOT NULL, instrument VARCHAR NOT NULL, date DATE NOT NULL, commit_seq BIGINT NOT NULL)`,
    ],
  },
  {
    // Live feeds' gap markers (core/feed-gap.ts).
    version: 3,
    statements: [`${createTable(FEED_GAPS)}`, `ALTER TABLE ${FEED_GAPS.name} ADD COLUMN ${COMMIT_SEQ} BIGINT DEFAULT 0`],
  },
  {
    // Forecasting models: predictions, scores over time, the registry of versions (core/model-records.ts).
    version: 4,
    statements: [PREDICTIONS, MODEL_METRICS, MODEL_VERSIONS].flatMap((t) => [
      createTable(t),
      `ALTER TABLE ${t.name} ADD COLUMN ${COMMIT_SEQ} BIGINT DEFAULT 0`,
    ]),
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);

async function currentVersion(con: DuckDBConnection): Promise<number | undefined> {
  const exists = await con.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' AND schema_name = 'main'`,
  );
  if (Number(exists.getRows()[0]?.[0] ?? 0) === 0) return undefined;
  const r = await con.runAndReadAll('SELECT max(version) FROM schema_version');
  const v = r.getRows()[0]?.[0];
  return v === null || v === undefined ? 0 : Number(v);
}

/** Brings a writable file up to SCHEMA_VERSION; refuses files from a newer tickflow. */
export async function migrate(con: DuckDBConnection, now: number): Promise<void> {
  let version = await currentVersion(con);
  if (version === undefined) {
    await con.run('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)');
    version = 0;
  }
  checkNotNewer(version);
  for (const m of MIGRATIONS) {
    if (m.version <= version) continue;
    await con.run('BEGIN TRANSACTION');
    try {
      for (const sql of m.statements) await con.run(sql);
      await con.run(`INSERT INTO schema_version VALUES (${m.version}, ${Math.trunc(now)})`);
      await con.run('COMMIT');
    } catch (e) {
      await con.run('ROLLBACK');
      throw new TickflowError('STORE', `schema migration to version ${m.version} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}

/** A read-only opener cannot migrate: the file must already be at this version. */
export async function checkReadable(con: DuckDBConnection, path: string): Promise<void> {
  const version = await currentVersion(con);
  if (version === undefined || version === 0) {
    throw new TickflowError('STORE', `${path} is not a tickflow database (no schema_version table)`);
  }
  checkNotNewer(version);
  if (version < SCHEMA_VERSION) {
    throw new TickflowError(
      'STORE',
      `${path} has schema version ${version}, this tickflow expects ${SCHEMA_VERSION}; open it once read-write (e.g. \`tickflow run\`) to migrate`,
    );
  }
}

function checkNotNewer(version: number): void {
  if (version > SCHEMA_VERSION) {
    throw new TickflowError(
      'STORE',
      `database schema version ${version} is newer than this tickflow supports (${SCHEMA_VERSION}); upgrade tickflow`,
    );
  }
}
