import pg from 'pg';
import { openDuckDbStore, type Store } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { tempDir } from '../helpers.js';

/**
 * The store implementations the contract suites run against: the embedded DuckDB store always,
 * PostgreSQL when DATABASE_URL names a server (`.ci/run` starts one). The tests start nothing
 * themselves; without DATABASE_URL the PostgreSQL suites are skipped with the reason, and under
 * REQUIRE_POSTGRES=1 that is a failure instead.
 */
export const DATABASE_URL = process.env['DATABASE_URL'];

export const NO_POSTGRES: string | false = (() => {
  if (DATABASE_URL !== undefined && DATABASE_URL !== '') {
    // A URL captured from a script's output may carry its chatter too (CI once got
    // "Removed stale pid file.\npostgres://…"): say so here, once, rather than in every suite.
    if (!/^postgres(ql)?:\/\/\S+$/.test(DATABASE_URL) || !URL.canParse(DATABASE_URL)) {
      throw new Error(
        `DATABASE_URL is not a single postgres://user:password@host:port/db URL ` +
          `(${DATABASE_URL.split('\n').length} line(s), starts with ${JSON.stringify(DATABASE_URL.slice(0, 12))})`,
      );
    }
    return false;
  }
  const why = 'PostgreSQL tests skipped: set DATABASE_URL=postgres://user:password@host:5432/db to run them';
  if (process.env['REQUIRE_POSTGRES'] === '1') throw new Error(`REQUIRE_POSTGRES=1 but DATABASE_URL is not set (${why})`);
  process.stderr.write(`# ${why}\n`);
  return why;
})();

let schemas = 0;

/** A schema of its own in the test database (dropped by the returned function), as a store URL. */
export async function freshPgSchema(label = 'test'): Promise<{ url: string; drop: () => Promise<void> }> {
  if (DATABASE_URL === undefined) throw new Error('DATABASE_URL is not set');
  const schema = `tickflow_${label}_${process.pid}_${Date.now().toString(36)}_${schemas++}`;
  const u = new URL(DATABASE_URL);
  u.searchParams.set('schema', schema);
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: DATABASE_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface OpenedStore {
  readonly store: Store;
  /** Closes the store (if still open) and removes its data. */
  cleanup(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'duckdb' | 'postgres';
  readonly skip: string | false;
  open(): Promise<OpenedStore>;
}

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'duckdb',
    skip: false,
    async open() {
      const { dir, cleanup } = tempDir('tickflow-store-');
      const store = await openDuckDbStore({ dataDir: dir });
      return {
        store,
        cleanup: async () => {
          await store.close();
          cleanup();
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: NO_POSTGRES,
    async open() {
      const { url, drop } = await freshPgSchema();
      const store = await openPostgresStore({ url });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await drop();
        },
      };
    },
  },
];
