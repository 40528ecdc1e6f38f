/**
 * The `--store` setting: `duckdb` (the embedded file in the data dir) or a PostgreSQL URL.
 * Validated here without loading a driver, so `--help` and config errors stay fast.
 */
export type StoreSetting = 'duckdb' | `postgres://${string}` | `postgresql://${string}`;

export function isPostgresSetting(s: string): s is `postgres://${string}` | `postgresql://${string}` {
  return s.startsWith('postgres://') || s.startsWith('postgresql://');
}

/** `postgres://user:***@host/db`: what logs, start-up lines and errors show of a store URL. */
export function redactDbUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/** Checks a `--store` value; the message does not repeat it (the caller shows it through redactDbUrl). */
export function parseStoreSetting(raw: string): StoreSetting {
  const s = raw.trim();
  if (s === 'duckdb') return s;
  if (!isPostgresSetting(s)) {
    throw new Error('must be duckdb or postgres://user:password@host:5432/db');
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error('is not a URL: use postgres://user:password@host:5432/db');
  }
  if (u.hostname === '' && !u.searchParams.has('host')) throw new Error('names no host');
  const schema = u.searchParams.get('schema');
  if (schema !== null && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema '${schema}' must be a plain identifier (letters, digits, _)`);
  }
  return s;
}

/** Where a store setting keeps its data, for start-up lines. */
export function describeStore(store: string, dataDir: string): string {
  return store === 'duckdb' ? `${dataDir}/tickflow.duckdb` : redactDbUrl(store);
}
