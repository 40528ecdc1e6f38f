import { join, resolve } from 'node:path';
import type { Alert, Bar, FeedGap, IndicatorSet, LateTrade, ModelMetrics, ModelVersion, Reject, WindowStats } from '../core/index.js';
import { TickflowError } from '../core/index.js';
import { DB_FILE, type EngineLog, type EngineOptions } from './duckdb-engine.js';
import type { EngineMethod } from './engine-rpc.js';
import { InProcessTransport, WorkerTransport, type EngineTransport } from './engine-transport.js';
import { isPackedWrite, packWrite, transferables, type PackedWrite } from './packed-write.js';
import type {
  AlertQuery,
  BarQuery,
  Checkpoint,
  InstrumentSummary,
  ModelListQuery,
  ModelSeriesQuery,
  ModelSummary,
  ModelVersionInfo,
  Page,
  PredictionQuery,
  PredictionWithOutcome,
  RejectQuery,
  Store,
  StoreCounts,
  StoreWrite,
  TimeRangeQuery,
  WindowQuery,
} from './store.js';
import type { LakeCompression } from './lake-compression.js';

export interface StoreLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface DuckDbStoreOptions {
  /** `<dataDir>/tickflow.duckdb` is created (with the dir) when missing. */
  readonly dataDir: string;
  /** For `tickflow serve` over an existing data dir; fails if a writer holds the file. */
  readonly readOnly?: boolean;
  /** Parquet lake root; default `<dataDir>/lake`. */
  readonly lakeDir?: string;
  /** The lake's Parquet codec (default snappy; see lake.ts). */
  readonly lakeCompression?: LakeCompression;
  readonly logger?: StoreLogger;
  /** DuckDB's buffer-manager limit (default `512MB`; DuckDB's own default is 80 % of RAM). */
  readonly memoryLimit?: string;
  /**
   * Table data DuckDB keeps cached after each lake export, e.g. `16MB` (default: no trim, the
   * cache fills up to `memoryLimit`). See EngineOptions.cacheLimit.
   */
  readonly cacheLimit?: string;
  /**
   * DuckDB's threads (default 1: the thread that runs each query, no background thread). The
   * pipeline's own thread takes the other core. With 2, DuckDB's second thread and the
   * query's thread spun on its task queue while a commit waited on the scan: replaying a
   * kline file took 45–48 s and 79–83 s of CPU, against 35–37 s and 52–58 s with 1
   * (docs/BENCHMARKS.md, 2026-12-02). Queries on different connections still run side by side.
   */
  readonly threads?: number;
  /**
   * Run DuckDB in the calling thread instead of a worker thread. For tests and benchmarks;
   * a pipeline should keep the default, or its commits compete with its own event loop.
   */
  readonly inProcess?: boolean;
}

/** Database files open in this process: DuckDB's lock is per process, so it cannot catch a second opener here. */
const openFiles = new Set<string>();

/** Writes whose columns went to the worker (see `commit`). */
const handedOver = new WeakSet<PackedWrite>();

class DuckDbStore implements Store {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly transport: EngineTransport,
    private readonly file: string,
  ) {}

  private async call<T>(method: EngineMethod, args: readonly unknown[] = [], transfer?: readonly ArrayBuffer[]): Promise<T> {
    if (this.closing !== undefined) throw new TickflowError('STORE', 'store is closed');
    return (await this.transport.call(method, args, transfer)) as T;
  }

  async commit(write: StoreWrite | PackedWrite): Promise<void> {
    const packed = isPackedWrite(write) ? write : packWrite(write);
    // Its columns are transferred to the worker: posted again they would be empty buffers, and
    // a message with detached buffers in its transfer list is dropped without an error.
    if (handedOver.has(packed))
      throw new TickflowError('INTERNAL', 'this write was already handed to the store; a PackedWrite is committed once');
    handedOver.add(packed);
    await this.call('commit', [packed], transferables(packed));
  }

  loadCheckpoint(id: string): Promise<Checkpoint | undefined> {
    return this.call('loadCheckpoint', [id]);
  }

  deleteCheckpoint(id: string): Promise<void> {
    return this.call('deleteCheckpoint', [id]);
  }

  instruments(): Promise<InstrumentSummary[]> {
    return this.call('instruments');
  }

  bars(q: BarQuery): Promise<Page<Bar>> {
    return this.call('bars', [q]);
  }

  latestBar(instrument: string, interval: string): Promise<Bar | undefined> {
    return this.call('latestBar', [instrument, interval]);
  }

  indicators(q: BarQuery): Promise<Page<IndicatorSet>> {
    return this.call('indicators', [q]);
  }

  alerts(q: AlertQuery): Promise<Page<Alert>> {
    return this.call('alerts', [q]);
  }

  windows(q: WindowQuery): Promise<Page<WindowStats>> {
    return this.call('windows', [q]);
  }

  rejects(q: RejectQuery): Promise<Page<Reject>> {
    return this.call('rejects', [q]);
  }

  late(q: TimeRangeQuery): Promise<Page<LateTrade>> {
    return this.call('late', [q]);
  }

  gaps(q: TimeRangeQuery): Promise<Page<FeedGap>> {
    return this.call('gaps', [q]);
  }

  predictions(q: PredictionQuery): Promise<Page<PredictionWithOutcome>> {
    return this.call('predictions', [q]);
  }

  models(q: ModelListQuery): Promise<ModelSummary[]> {
    return this.call('models', [q]);
  }

  modelMetrics(q: ModelSeriesQuery): Promise<Page<ModelMetrics>> {
    return this.call('modelMetrics', [q]);
  }

  modelVersions(q: ModelSeriesQuery): Promise<Page<ModelVersionInfo>> {
    return this.call('modelVersions', [q]);
  }

  latestModelVersions(q: ModelListQuery): Promise<ModelVersion[]> {
    return this.call('latestModelVersions', [q]);
  }

  modelVersion(instrument: string, interval: string, model: string, version: number): Promise<ModelVersion | undefined> {
    return this.call('modelVersion', [instrument, interval, model, version]);
  }

  counts(): Promise<StoreCounts> {
    return this.call('counts');
  }

  exportLake(): Promise<{ files: number; dir: string }> {
    return this.call('exportLake');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.transport.call('close', []);
      } finally {
        openFiles.delete(this.file);
        await this.transport.shutdown();
      }
    })();
    return this.closing;
  }
}

/**
 * Opens (creating if needed) the embedded store at `<dataDir>/tickflow.duckdb`.
 *
 * DuckDB lets one process open a database file for writing, and no other process can open
 * it meanwhile, not even read-only: `tickflow serve` over the data dir of a running
 * pipeline fails with a STORE error that says so. Serve the API from the pipeline process
 * (`tickflow run`) instead, or use a server store.
 */
export async function openDuckDbStore(opts: DuckDbStoreOptions): Promise<Store> {
  const dataDir = resolve(opts.dataDir);
  const file = join(dataDir, DB_FILE);
  if (openFiles.has(file)) {
    throw new TickflowError('STORE', `${file} is already open in this process; share the one Store instead of opening it again`);
  }
  const logger = opts.logger;
  const log: EngineLog = (level, obj, msg) => logger?.[level](obj, msg);
  const transport: EngineTransport = opts.inProcess === true ? new InProcessTransport(log) : new WorkerTransport(log);
  const engineOpts: EngineOptions = {
    dataDir,
    readOnly: opts.readOnly === true,
    lakeDir: resolve(opts.lakeDir ?? join(dataDir, 'lake')),
    lakeCompression: opts.lakeCompression ?? 'snappy',
    memoryLimit: opts.memoryLimit ?? '512MB',
    cacheLimit: opts.cacheLimit === undefined ? 0 : sizeBytes(opts.cacheLimit),
    threads: opts.threads ?? 1,
  };
  openFiles.add(file);
  try {
    await transport.call('open', [engineOpts]);
  } catch (e) {
    openFiles.delete(file);
    await transport.shutdown();
    throw e;
  }
  return new DuckDbStore(transport, file);
}

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };

/** `16MB`, `1GiB`, `0` in bytes, with DuckDB's units (KB = 1000 bytes, KiB = 1024). */
export function sizeBytes(size: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(size);
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()];
  if (!m || unit === undefined) throw new TickflowError('CONFIG_INVALID', `'${size}' is not a size such as 16MB or 1GB`);
  return Math.round(Number(m[1]) * unit);
}
