import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BIGINT, DuckDBInstance, VARCHAR, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import {
  TickflowError,
  isTickflowError,
  type Alert,
  type Bar,
  type IndicatorSet,
  type FeedGap,
  type LateTrade,
  type ModelMetrics,
  type ModelVersion,
  type Reject,
  type WindowStats,
} from '../core/index.js';
import { LakeExporter, loadLakeState } from './lake.js';
import type { LakeCompression } from './lake-compression.js';
import type { PackedWrite } from './packed-write.js';
import { Queries } from './queries.js';
import { readNumber, readString } from './row-mappers.js';
import { ScanSlots } from './scan.js';
import { checkReadable, migrate } from './schema.js';
import { SerialQueue } from './serial-queue.js';
import { SeriesStats, UPSERT_STATS_SQL, statsScan, type SeriesStat } from './series-stats.js';
import { SqlParams } from './sql-params.js';
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
  StoreCounts,
  TimeRangeQuery,
  WindowQuery,
} from './store.js';
import { writeTable } from './upsert.js';
import { dictScan, planWrite } from './write-plan.js';

/** Tries of one commit transaction before its error goes to the caller. */
const COMMIT_ATTEMPTS = 4;

export interface EngineOptions {
  readonly dataDir: string;
  readonly readOnly: boolean;
  readonly lakeDir: string;
  readonly lakeCompression: LakeCompression;
  readonly memoryLimit: string;
  /**
   * Bytes of table data DuckDB keeps cached after each lake export (0: no trim). DuckDB keeps
   * every block it writes or reads cached until it reaches its memory limit, and a pipeline
   * writes far more than it reads back: with `tickflow run --instruments 1000` that cache grew
   * ~15 MB a minute until the limit. A small limit bounds it too, but DuckDB needs the headroom
   * for its commits and exports (at 64 MB they failed with out-of-memory errors). So the limit
   * stays generous and the cache is trimmed after each export and every TRIM_EVERY_MS (see
   * trimCache).
   */
  readonly cacheLimit: number;
  /** Milliseconds between trims besides those after exports (default TRIM_EVERY_MS; 0: none). */
  readonly trimEveryMs?: number;
  readonly threads: number;
}

export type EngineLog = (level: 'info' | 'warn', obj: object, msg: string) => void;

export const DB_FILE = 'tickflow.duckdb';

/**
 * How often the cache is trimmed besides after each lake export. Between exports (a minute in
 * `tickflow run`) DuckDB's automatic checkpoints fill the cache again and the rows committed
 * since the last checkpoint pile up in memory: with 1,000 instruments the two grew by ~60 MB
 * until the next export, a saw-tooth in resident memory. Every 15 s (5-minute runs side by
 * side, 2026-12-03): peak 352–378 MB against 398, last third 333–336 against 359, at the same
 * CPU; every 5 s gained nothing more.
 */
const TRIM_EVERY_MS = 15_000;

/** DuckDB's message when another process holds the file: "Could not set lock on file ...". */
function isLockError(e: unknown): boolean {
  return e instanceof Error && /lock/i.test(e.message) && /conflicting|could not set lock/i.test(e.message);
}

/** DuckDB's buffer-manager memory by tag, in bytes: resident, and spilled to temp files. */
export type DuckDbMemory = Map<string, { bytes: number; tempBytes: number }>;

async function readMemory(con: DuckDBConnection): Promise<DuckDbMemory> {
  const r = await con.runAndReadAll('SELECT tag, memory_usage_bytes, temporary_storage_bytes FROM duckdb_memory()');
  return new Map(
    r.getRows().map(([tag, b, t]) => [readString(tag, 'tag'), { bytes: readNumber(b, 'bytes'), tempBytes: readNumber(t, 'bytes') }]),
  );
}

function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && e.message.includes('Out of Memory Error');
}

function storeError(what: string, e: unknown): TickflowError {
  if (isTickflowError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TickflowError('STORE', `${what}: ${msg}`, { cause: e });
}

/**
 * The DuckDB store's implementation, run on the store's worker thread (see duckdb-store.ts).
 * Three connections: the writer (commit transactions), the reader (API queries, which see
 * only committed data) and the exporter (lake COPYs, which can take seconds), each running
 * one statement at a time.
 *
 * Commits are numbered (`commit_seq` on every row they write, see tables.ts); the lake export
 * takes the rows up to the last completed commit, so it may run while later commits land.
 */
export class DuckDbEngine {
  private readonly writeQueue = new SerialQueue();
  private readonly readQueue = new SerialQueue();
  private readonly exportQueue = new SerialQueue();
  private readonly queries: Queries<SqlParams>;
  private closed = false;
  private readonly trimTimer: NodeJS.Timeout | undefined;
  private trimQueued = false;
  /** The last commit seq handed out, and the last one whose transaction completed. */
  private lastSeq: number;
  private committedSeq: number;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly slots: ScanSlots,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly exporter: DuckDBConnection,
    private readonly stats: SeriesStats,
    private readonly lake: LakeExporter,
    private readonly opts: EngineOptions,
    private readonly log: EngineLog,
    seq: number,
  ) {
    this.queries = new Queries(
      (sql, p) => this.read(sql, p),
      () => new SqlParams(),
      'duckdb',
      stats,
    );
    this.lastSeq = seq;
    this.committedSeq = seq;
    // In the export queue: the trim and the exports share the exporter connection.
    const every = opts.trimEveryMs ?? TRIM_EVERY_MS;
    this.trimTimer =
      opts.cacheLimit > 0 && !opts.readOnly && every > 0
        ? setInterval(() => {
            // one waiting at a time: an export (seconds) may outlast the interval
            if (this.closed || this.trimQueued) return;
            this.trimQueued = true;
            void this.exportQueue
              .run(() => {
                this.trimQueued = false;
                return this.trimCache();
              })
              .catch((e: unknown) => this.log('warn', { err: String(e) }, "trimming DuckDB's cache failed"));
          }, every).unref()
        : undefined;
  }

  static async open(opts: EngineOptions, log: EngineLog): Promise<DuckDbEngine> {
    const dataDir = resolve(opts.dataDir);
    const path = join(dataDir, DB_FILE);
    const existed = existsSync(path);
    if (opts.readOnly && !existed) {
      throw new TickflowError('STORE', `no tickflow database at ${path}: run a pipeline (tickflow run / replay) on this data dir first`);
    }
    if (!opts.readOnly) mkdirSync(dataDir, { recursive: true });
    let instance: DuckDBInstance;
    try {
      // A bounded buffer manager keeps a long-running pipeline's memory flat (DuckDB spills to
      // disk beyond it). Every query orders its rows, so inserts need not keep their order,
      // which lets DuckDB insert large commits within the limit. DuckDB's allocator (jemalloc)
      // keeps freed memory until a task has allocated 128 MB by default: at 32 MB, with its
      // background purging thread, `tickflow run --instruments 1000` held ~60 MB less outside
      // the JS heap after 3 minutes (peak RSS 615–625 MB against 674–703), a replay of the three
      // kline files 30–250 MB less at its peak, at the same speed within the runs' noise.
      const settings = {
        memory_limit: opts.memoryLimit,
        threads: String(opts.threads),
        preserve_insertion_order: 'false',
        allocator_flush_threshold: '32MB',
        allocator_background_threads: 'true',
        // DuckDB caches the Parquet files it reads, up to its limit: only a lake compaction reads
        // them here, once each. With it, compacting 512 partitions of a 22-minute run held 233 MB
        // of file cache and RSS rose from 90 to 436 MB; without, 170 MB (2026-12-03).
        enable_external_file_cache: 'false',
      };
      instance = await DuckDBInstance.create(path, opts.readOnly ? { ...settings, access_mode: 'READ_ONLY' } : settings);
    } catch (e) {
      if (isLockError(e)) {
        throw new TickflowError(
          'STORE',
          `cannot open ${path}: another process holds its lock (${(e as Error).message}). Embedded DuckDB allows one process per data dir, ` +
            `so a read-only 'tickflow serve' cannot open the data dir of a running pipeline: use the API that 'tickflow run' serves, ` +
            `stop the pipeline first, or use a server store (PostgreSQL)`,
          { cause: e, details: { path } },
        );
      }
      throw storeError(`cannot open ${path}`, e);
    }
    try {
      const writer = await instance.connect();
      if (opts.readOnly) await checkReadable(writer, path);
      else await migrate(writer, Date.now());
      const reader = await instance.connect();
      const exporter = await instance.connect();
      const slots = new ScanSlots();
      slots.register(writer);
      const stats = await SeriesStats.load(reader);
      const lakeDir = resolve(opts.lakeDir);
      const lakeState = await loadLakeState(reader, lakeDir);
      const lake = new LakeExporter(lakeDir, lakeState, !opts.readOnly, opts.lakeCompression);
      const engine = new DuckDbEngine(instance, slots, writer, reader, exporter, stats, lake, { ...opts, dataDir }, log, lakeState.maxSeq);
      log('info', { path, readOnly: opts.readOnly, existed, series: stats.all('bars').length }, 'store opened');
      return engine;
    } catch (e) {
      instance.closeSync();
      throw storeError(`cannot open ${path}`, e);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new TickflowError('STORE', 'store is closed');
  }

  private ensureWritable(): void {
    this.ensureOpen();
    if (this.opts.readOnly) throw new TickflowError('STORE', 'store was opened read-only');
  }

  private read(sql: string, p: SqlParams): Promise<DuckDBValue[][]> {
    return this.readQueue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = await this.reader.runAndReadAll(sql, p.values, p.types);
          return r.getRows();
        } catch (e) {
          // Out of memory can be momentary (another query's peak, a cache trim): one more try.
          if (attempt < 2 && isOutOfMemory(e)) {
            await new Promise((res) => setTimeout(res, 50));
            continue;
          }
          throw storeError('query failed', e);
        }
      }
    });
  }

  /**
   * Stores one write in one transaction. A failed transaction is retried here, a few times with
   * backoff: on a worker thread the write's columns were transferred to this side, so the
   * caller has nothing left to resend.
   */
  async commit(w: PackedWrite): Promise<void> {
    this.ensureWritable();
    return this.writeQueue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.commitOnce(w);
          return;
        } catch (e) {
          if (attempt >= COMMIT_ATTEMPTS) throw e;
          this.log('warn', { err: String(e), attempt }, 'store commit failed; retrying (the write is kept)');
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    });
  }

  private async commitOnce(w: PackedWrite): Promise<void> {
    const plans = planWrite(w, this.stats);
    const seq = ++this.lastSeq;
    if (w.droppedInterim > 0) this.log('warn', { dropped: w.droppedInterim }, 'commit: interim bars are not stored; dropped');
    const con = this.writer;
    const newStats: SeriesStat[] = [];
    await con.run('BEGIN TRANSACTION');
    try {
      // Replaced, not emptied: DuckDB never reclaims deleted rows of a temporary (in-memory)
      // table, so a DELETE and INSERT per commit grew it by the dictionary's size every commit
      // (tens of MB an hour with 1,000 instruments, until the pool ran out; see dict.test.ts).
      this.slots.set('dict', dictScan(w.dict));
      await con.run(`CREATE OR REPLACE TEMP TABLE tickflow_dict AS SELECT seq AS i, v FROM tickflow_scan('dict')`);
      for (const plan of plans) {
        this.slots.set(plan.spec.name, plan.scan);
        const deltas = await writeTable(con, plan, seq);
        if (deltas !== undefined) newStats.push(...this.stats.merged(plan.spec.name, deltas));
      }
      if (newStats.length > 0) {
        this.slots.set('series_stats', statsScan(newStats));
        await con.run(UPSERT_STATS_SQL);
      }
      const cp = w.checkpoint;
      if (cp !== undefined) {
        await con.run(
          'INSERT OR REPLACE INTO checkpoints (id, positions, state, updated_at) VALUES ($1, $2, $3, $4)',
          [cp.id, cp.positions, cp.state, BigInt(Math.trunc(cp.updatedAt))],
          [VARCHAR, VARCHAR, VARCHAR, BIGINT],
        );
      }
      await con.run('COMMIT');
    } catch (e) {
      // After a failed COMMIT DuckDB has already ended the transaction; ROLLBACK then errors.
      await con.run('ROLLBACK').catch(() => undefined);
      throw storeError('commit failed, nothing of this write was stored', e);
    } finally {
      for (const name of ['dict', 'series_stats', ...plans.map((p) => p.spec.name)]) this.slots.delete(name);
    }
    this.stats.apply(newStats);
    this.committedSeq = seq;
    for (const plan of plans) this.lake.noteCommit(plan.spec.name, seq);
  }

  async deleteCheckpoint(id: string): Promise<void> {
    this.ensureWritable();
    return this.writeQueue.run(async () => {
      try {
        await this.writer.run('DELETE FROM checkpoints WHERE id = $1', [id], [VARCHAR]);
      } catch (e) {
        throw storeError('deleteCheckpoint failed', e);
      }
    });
  }

  async loadCheckpoint(id: string): Promise<Checkpoint | undefined> {
    this.ensureOpen();
    return this.queries.loadCheckpoint(id);
  }

  async instruments(): Promise<InstrumentSummary[]> {
    this.ensureOpen();
    return this.queries.instruments();
  }

  async bars(q: BarQuery): Promise<Page<Bar>> {
    this.ensureOpen();
    return this.queries.bars(q);
  }

  async latestBar(instrument: string, interval: string): Promise<Bar | undefined> {
    this.ensureOpen();
    return this.queries.latestBar(instrument, interval);
  }

  async indicators(q: BarQuery): Promise<Page<IndicatorSet>> {
    this.ensureOpen();
    return this.queries.indicators(q);
  }

  async alerts(q: AlertQuery): Promise<Page<Alert>> {
    this.ensureOpen();
    return this.queries.alerts(q);
  }

  async windows(q: WindowQuery): Promise<Page<WindowStats>> {
    this.ensureOpen();
    return this.queries.windows(q);
  }

  async rejects(q: RejectQuery): Promise<Page<Reject>> {
    this.ensureOpen();
    return this.queries.rejects(q);
  }

  async late(q: TimeRangeQuery): Promise<Page<LateTrade>> {
    this.ensureOpen();
    return this.queries.late(q);
  }

  async gaps(q: TimeRangeQuery): Promise<Page<FeedGap>> {
    this.ensureOpen();
    return this.queries.gaps(q);
  }

  async predictions(q: PredictionQuery): Promise<Page<PredictionWithOutcome>> {
    this.ensureOpen();
    return this.queries.predictions(q);
  }

  async models(q: ModelListQuery): Promise<ModelSummary[]> {
    this.ensureOpen();
    return this.queries.models(q);
  }

  async modelMetrics(q: ModelSeriesQuery): Promise<Page<ModelMetrics>> {
    this.ensureOpen();
    return this.queries.modelMetrics(q);
  }

  async modelVersions(q: ModelSeriesQuery): Promise<Page<ModelVersionInfo>> {
    this.ensureOpen();
    return this.queries.modelVersions(q);
  }

  async latestModelVersions(q: ModelListQuery): Promise<ModelVersion[]> {
    this.ensureOpen();
    return this.queries.latestModelVersions(q);
  }

  async modelVersion(instrument: string, interval: string, model: string, version: number): Promise<ModelVersion | undefined> {
    this.ensureOpen();
    return this.queries.modelVersion(instrument, interval, model, version);
  }

  async counts(): Promise<StoreCounts> {
    this.ensureOpen();
    return this.queries.counts();
  }

  /** DuckDB's buffer-manager memory by tag (`duckdb_memory()`). */
  async memory(): Promise<DuckDbMemory> {
    this.ensureOpen();
    return this.readQueue.run(() => readMemory(this.reader));
  }

  /**
   * Evicts cached table blocks (`BASE_TABLE` in duckdb_memory()) down to `cacheLimit`, by
   * lowering DuckDB's memory limit for a moment: DuckDB evicts to meet a new limit, and has no
   * other way to be told to. Runs in the write queue, so no commit allocates meanwhile; a query
   * that does in that moment may fail for memory, and read() retries it.
   *
   * A checkpoint first: rows committed since the last one are held in memory (`IN_MEMORY_TABLE`,
   * ~25–35 MB with 1,000 instruments under DuckDB's 16 MB WAL threshold), and evicting them
   * would write them to temp files; checkpointed, they are table blocks like the rest. It is
   * work DuckDB would do at its next automatic checkpoint anyway, only sooner. It fails while
   * another transaction runs (an API query): then only the cache is trimmed, and the next
   * export tries again. Memory DuckDB cannot evict (pinned) stays: the limit is lowered only
   * by the cache's excess.
   */
  private async trimCache(): Promise<void> {
    const keep = this.opts.cacheLimit;
    if (keep <= 0 || this.opts.readOnly) return;
    await this.writeQueue.run(async () => {
      await this.exporter.run('CHECKPOINT').catch(() => undefined);
      const m = await readMemory(this.exporter);
      const cached = m.get('BASE_TABLE')?.bytes ?? 0;
      if (cached <= keep) return;
      let total = 0;
      for (const { bytes } of m.values()) total += bytes;
      const target = Math.ceil((total - cached + keep) / 1024);
      try {
        await this.exporter.run(`SET memory_limit = '${target}KiB'`);
      } catch {
        // Could not evict that much right now (blocks pinned): the next export tries again.
      } finally {
        await this.exporter.run(`SET memory_limit = '${this.opts.memoryLimit}'`);
      }
    });
  }

  async exportLake(): Promise<{ files: number; dir: string }> {
    this.ensureOpen();
    return this.exportQueue.run(async () => {
      try {
        const started = Date.now();
        // Captured before the first await: the commits up to here have completed.
        const r = await this.lake.export(this.exporter, this.slots, this.committedSeq);
        if (r.files > 0) this.log('info', { ...r, ms: Date.now() - started }, 'lake exported');
        await this.trimCache().catch((e: unknown) => this.log('warn', { err: String(e) }, "trimming DuckDB's cache failed"));
        return { files: r.files, dir: r.dir };
      } catch (e) {
        throw storeError('lake export failed', e);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Refuse new work first, then let queued work finish before the connections go.
    this.closed = true;
    clearInterval(this.trimTimer);
    await Promise.all([
      this.writeQueue.run(async () => undefined),
      this.exportQueue.run(async () => undefined),
      this.readQueue.run(async () => undefined),
    ]);
    try {
      // Folds the WAL into the file, so the next open has nothing to replay.
      if (!this.opts.readOnly) await this.writer.run('CHECKPOINT');
    } finally {
      for (const c of [this.writer, this.reader, this.exporter]) c.closeSync();
      this.instance.closeSync();
    }
  }
}
