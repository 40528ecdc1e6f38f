// The PostgreSQL store: the same `Store` contract as the embedded DuckDB one, on a database
// server every process of a split deployment can reach (`--store postgres://…`).
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js';
export { parseRetention, type Retention } from './retention.js';
export { PG_SCHEMA_VERSION } from './migrations.js';
