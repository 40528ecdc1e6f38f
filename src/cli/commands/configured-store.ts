import { openStore, type Store, type StoreLogger } from '../../store/index.js';
import type { Config } from '../config.js';

/** The writable store a pipeline command (run, replay, serve of a split deployment) is configured with. */
export function openConfiguredStore(cfg: Config, logger: StoreLogger | undefined): Promise<Store> {
  return openStore({
    store: cfg.store,
    dataDir: cfg.dataDir,
    ...(logger !== undefined ? { logger } : {}),
    memoryLimit: cfg.dbMemory,
    cacheLimit: cfg.dbCache,
    lakeCompression: cfg.lakeCompression,
    retention: cfg.retention,
  });
}
