import { TickflowError } from '../core/index.js';
import { openDuckDbStore, type StoreLogger } from './duckdb-store.js';
import type { Retention } from './postgres/retention.js';
import type { LakeCompression } from './lake-compression.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** `duckdb` or a `postgres://` URL (store-url.ts). */
  readonly store: string;
  readonly dataDir: string;
  readonly readOnly?: boolean;
  readonly logger?: StoreLogger;
  /** DuckDB's memory limit. */
  readonly memoryLimit?: string;
  /** DuckDB only: table data kept cached after each lake export (duckdb-store.ts). */
  readonly cacheLimit?: string;
  /** DuckDB only: the Parquet lake's codec. */
  readonly lakeCompression?: LakeCompression;
  /** PostgreSQL only: ages after which rows are deleted. */
  readonly retention?: Retention;
}

/** Opens the store a command was configured with. The PostgreSQL driver loads only when used. */
export async function openStore(o: OpenStoreOptions): Promise<Store> {
  const retention = o.retention !== undefined && Object.keys(o.retention).length > 0 ? o.retention : undefined;
  if (o.store === 'duckdb') {
    if (retention !== undefined) {
      throw new TickflowError(
        'CONFIG_INVALID',
        '--retention applies to the PostgreSQL store (--store postgres://…); the embedded DuckDB store keeps everything',
      );
    }
    return openDuckDbStore({
      dataDir: o.dataDir,
      ...(o.readOnly !== undefined ? { readOnly: o.readOnly } : {}),
      ...(o.logger !== undefined ? { logger: o.logger } : {}),
      ...(o.memoryLimit !== undefined ? { memoryLimit: o.memoryLimit } : {}),
      ...(o.cacheLimit !== undefined ? { cacheLimit: o.cacheLimit } : {}),
      ...(o.lakeCompression !== undefined ? { lakeCompression: o.lakeCompression } : {}),
    });
  }
  const { openPostgresStore } = await import('./postgres/index.js');
  return openPostgresStore({
    url: o.store,
    ...(o.readOnly !== undefined ? { readOnly: o.readOnly } : {}),
    ...(o.logger !== undefined ? { logger: o.logger } : {}),
    ...(retention !== undefined ? { retention } : {}),
  });
}
