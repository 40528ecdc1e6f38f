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
  readonly threads: number;
}

export type EngineLog = (level: 'info' | 'warn', obj: object, msg: string) => void;

export const DB_FILE = 'tickflow.duckdb';

/** DuckDB's message when another process holds the file: "Could not set lock on file ...". */
function isLockError(e: unknown): boolean {
  return e instanceof Error && /lock/i.test(e.message) && /conflicting|could not set lock/i.test(e.message);
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
      if (!opts.readOnly) await writer.run('CREATE TEMP TABLE tickflow_dict (i UINTEGER, v VARCHAR)');
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
      try {
        const r = await this.reader.runAndReadAll(sql, p.values, p.types);
        return r.getRows();
      } catch (e) {
        throw storeError('query failed', e);
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
      await con.run('DELETE FROM temp.tickflow_dict');
      if (w.dict.length > 0) {
        this.slots.set('dict', dictScan(w.dict));
        await con.run(`INSERT INTO temp.tickflow_dict SELECT seq, v FROM tickflow_scan('dict')`);
      }
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

  async exportLake(): Promise<{ files: number; dir: string }> {
    this.ensureOpen();
    return this.exportQueue.run(async () => {
      try {
        const started = Date.now();
        // Captured before the first await: the commits up to here have completed.
        const r = await this.lake.export(this.exporter, this.slots, this.committedSeq);
        if (r.files > 0) this.log('info', { ...r, ms: Date.now() - started }, 'lake exported');
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
