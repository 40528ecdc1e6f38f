// store: where the pipeline's outputs become durable and queryable. One `Store` contract;
// the embedded default keeps them in DuckDB (<dataDir>/tickflow.duckdb, written from a
// worker thread) and exports a hive-partitioned Parquet lake; `--store postgres://…` keeps
// them on a PostgreSQL server every process can reach. Writes are idempotent upserts.
export type {
  AlertQuery,
  BarQuery,
  Checkpoint,
  InstrumentSummary,
  Page,
  RejectQuery,
  Store,
  StoreCounts,
  StoreWrite,
  TimeRangeQuery,
  WindowQuery,
} from './store.js';
export { openDuckDbStore, type DuckDbStoreOptions, type StoreLogger } from './duckdb-store.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export { describeStore, parseStoreSetting, redactDbUrl, type StoreSetting } from './store-url.js';
export { parseRetention, type Retention } from './postgres/retention.js';
export { WriteBuffer, type ColumnSource, type PackedWrite } from './packed-write.js';
