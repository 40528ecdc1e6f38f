// store: where the pipeline's outputs become durable and queryable. One `Store` contract;
// the embedded default keeps them in DuckDB (<dataDir>/tickflow.duckdb, written from a
// worker thread) and exports a hive-partitioned Parquet lake. Writes are idempotent upserts.
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
export { WriteBuffer, type PackedWrite } from './packed-write.js';
