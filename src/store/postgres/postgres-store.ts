import pg from 'pg';
import type { Alert, Bar, FeedGap, IndicatorSet, LateTrade, ModelMetrics, ModelVersion, Reject, WindowStats } from '../../core/index.js';
import { TickflowError } from '../../core/index.js';
import type { StoreLogger } from '../duckdb-store.js';
import { isPackedWrite, packWrite, type PackedWrite } from '../packed-write.js';
import { Queries, instrumentsOf, safeInteger, type QueryParams } from '../queries.js';
import { readNumber, readNumberOrNull, readString, type Row } from '../row-mappers.js';
import type { SeriesStat } from '../series-stats.js';
import { SerialQueue } from '../serial-queue.js';
import { isPostgresSetting, parseStoreSetting, redactDbUrl } from '../store-url.js';
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
} from '../store.js';
import { isTableName, type TableName } from '../tables.js';
import { checkPgSchema, migratePg } from './migrations.js';
import { applyRetention, type Retention } from './retention.js';
import { writePacked } from './writer.js';

export interface PostgresStoreOptions {
  /**
   * `postgres://user:password@host:5432/db[?schema=name&…]`. `schema` (default `public`) puts
   * the tables in a schema of their own, created when missing. The standard PG* environment
   * variables (PGPASSWORD, PGSSLMODE, …) fill in what the URL leaves out.
   */
  readonly url: string;
  /** `tickflow serve` without a pipeline: no migration, and commits are refused. */
  readonly readOnly?: boolean;
  readonly logger?: StoreLogger;
  /** Connections for reads (the API's queries); commits use one more of their own. Default 8. */
  readonly poolSize?: number;
  /** A statement running longer than this is cancelled (ms; default 30 s, 0 = no limit). */
  readonly statementTimeoutMs?: number;
  /** Rows older than these ages (wall clock, by each table's time column) are deleted. */
  readonly retention?: Retention;
  /** How often retention runs (ms, default 60 s). */
  readonly retentionEveryMs?: number;
}

/** PostgreSQL placeholders `$n`, with the casts that keep comparisons on the columns' own types. */
class PgParams implements QueryParams {
  readonly values: unknown[] = [];

  private add(v: unknown, cast: string): string {
    this.values.push(v);
    return `$${this.values.length}::${cast}`;
  }

  bigint(n: number, what = 'value'): string {
    return this.add(safeInteger(n, what), 'bigint');
  }

  double(n: number): string {
    return this.add(n, 'double precision');
  }

  text(s: string): string {
    // PostgreSQL text cannot hold NUL; no stored value has one, so such a filter matches nothing.
    return this.add(s.replaceAll('\u0000', '\uFFFD'), 'text');
  }
}

/** BIGINT (times, ids, counts) read as number: every stored value is far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Connection failures and server shutdowns are 503 STORE_UNAVAILABLE; the rest STORE. */
export function toStoreError(e: unknown, what: string): TickflowError {
  if (e instanceof TickflowError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : String(e);
  const unreachable =
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE'].includes(code) ||
    code.startsWith('08') ||
    code.startsWith('57P') ||
    /Connection terminated|connection timeout|Client has encountered a connection error/i.test(message);
  if (unreachable) return new TickflowError('STORE_UNAVAILABLE', `PostgreSQL is unreachable (${what}): ${message}`, { cause: e });
  if (code === '57014') return new TickflowError('TIMEOUT', `PostgreSQL cancelled a slow statement (${what}): ${message}`, { cause: e });
  return new TickflowError('STORE', `PostgreSQL ${what} failed${code !== '' ? ` (${code})` : ''}: ${message}`, { cause: e });
}

function parseUrl(url: string): { connectionString: string; schema: string; shown: string } {
  try {
    parseStoreSetting(url);
  } catch (e) {
    throw new TickflowError('CONFIG_INVALID', `store URL '${redactDbUrl(url)}' ${(e as Error).message}`);
  }
  if (!isPostgresSetting(url)) throw new TickflowError('CONFIG_INVALID', `store URL '${redactDbUrl(url)}' is not postgres://…`);
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  // Ours, not libpq's: the driver would pass it on as a server setting.
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema, shown: redactDbUrl(url) };
}

class PostgresStore implements Store {
  private readonly queries: Queries<PgParams>;
  private readonly commits = new SerialQueue();
  private closing: Promise<void> | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: PostgresStoreOptions,
    private readonly shown: string,
  ) {
    this.queries = new Queries<PgParams>(
      (sql, p) => this.read(sql, p.values),
      () => new PgParams(),
      'postgres',
    );
    const retention = opts.retention;
    if (retention !== undefined && Object.keys(retention).length > 0 && opts.readOnly !== true) {
      this.retentionTimer = setInterval(() => void this.runRetention(), opts.retentionEveryMs ?? 60_000);
      this.retentionTimer.unref();
    }
  }

  private async read(sql: string, values: readonly unknown[]): Promise<Row[]> {
    if (this.closing !== undefined) throw new TickflowError('STORE', 'store is closed');
    try {
      const r = await this.pool.query<unknown[]>({ text: sql, values: [...values], rowMode: 'array' });
      return r.rows;
    } catch (e) {
      throw toStoreError(e, 'query');
    }
  }

  /** Deletes rows past their retention; logs what it removed. */
  async runRetention(now = Date.now()): Promise<Partial<Record<TableName, number>>> {
    const retention = this.opts.retention;
    if (retention === undefined || this.closing !== undefined) return {};
    return this.commits.run(async () => {
      // Runs from a timer: a failure is logged and retried at the next run, never thrown (nobody awaits it).
      let c: pg.PoolClient;
      try {
        c = await this.pool.connect();
      } catch (e) {
        this.opts.logger?.warn({ err: toStoreError(e, 'retention') }, 'retention failed; it runs again later');
        return {};
      }
      try {
        const removed = await applyRetention(c, retention, now);
        if (Object.keys(removed).length > 0) this.opts.logger?.info({ removed }, 'retention removed old rows');
        return removed;
      } catch (e) {
        this.opts.logger?.warn({ err: toStoreError(e, 'retention') }, 'retention failed; it runs again later');
        return {};
      } finally {
        c.release();
      }
    });
  }

  commit(write: StoreWrite | PackedWrite): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(new TickflowError('STORE', 'store is closed'));
    if (this.opts.readOnly === true) {
      return Promise.reject(new TickflowError('STORE', `the store ${this.shown} was opened read-only; it takes no writes`));
    }
    const packed = isPackedWrite(write) ? write : packWrite(write);
    return this.commits.run(async () => {
      let c: pg.PoolClient;
      try {
        c = await this.pool.connect();
      } catch (e) {
        throw toStoreError(e, 'commit');
      }
      let broken = false;
      try {
        await c.query('BEGIN');
        await writePacked(c, packed);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw toStoreError(e, 'commit');
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: it is closed, not reused.
        c.release(broken);
      }
    });
  }

  async loadCheckpoint(id: string): Promise<Checkpoint | undefined> {
    return this.queries.loadCheckpoint(id);
  }

  async deleteCheckpoint(id: string): Promise<void> {
    await this.read('DELETE FROM checkpoints WHERE id = $1', [id]);
  }

  private async seriesStats(tbl: TableName): Promise<SeriesStat[]> {
    const rows = await this.read(
      `SELECT tbl, instrument, sub, first_time, last_time, last_end, last_close, "rows" FROM series_stats WHERE tbl = $1`,
      [tbl],
    );
    return rows.flatMap((r): SeriesStat[] => {
      const t = readString(r[0], 'tbl');
      if (!isTableName(t)) return [];
      return [
        {
          tbl: t,
          instrument: readString(r[1], 'instrument'),
          sub: readString(r[2], 'sub'),
          firstTime: readNumber(r[3], 'first_time'),
          lastTime: readNumber(r[4], 'last_time'),
          lastEnd: readNumberOrNull(r[5], 'last_end'),
          lastClose: readNumberOrNull(r[6], 'last_close'),
          rows: readNumber(r[7], 'rows'),
        },
      ];
    });
  }

  async instruments(): Promise<InstrumentSummary[]> {
    return instrumentsOf(await this.seriesStats('bars'));
  }

  // async: a bad argument (a NaN time) then rejects, as with DuckDB, instead of throwing.
  async bars(q: BarQuery): Promise<Page<Bar>> {
    return this.queries.bars(q);
  }

  async latestBar(instrument: string, interval: string): Promise<Bar | undefined> {
    return this.queries.latestBar(instrument, interval);
  }

  async indicators(q: BarQuery): Promise<Page<IndicatorSet>> {
    return this.queries.indicators(q);
  }

  async alerts(q: AlertQuery): Promise<Page<Alert>> {
    return this.queries.alerts(q);
  }

  async windows(q: WindowQuery): Promise<Page<WindowStats>> {
    return this.queries.windows(q);
  }

  async rejects(q: RejectQuery): Promise<Page<Reject>> {
    return this.queries.rejects(q);
  }

  async late(q: TimeRangeQuery): Promise<Page<LateTrade>> {
    return this.queries.late(q);
  }

  async gaps(q: TimeRangeQuery): Promise<Page<FeedGap>> {
    return this.queries.gaps(q);
  }

  async predictions(q: PredictionQuery): Promise<Page<PredictionWithOutcome>> {
    return this.queries.predictions(q);
  }

  async models(q: ModelListQuery): Promise<ModelSummary[]> {
    return this.queries.models(q);
  }

  async modelMetrics(q: ModelSeriesQuery): Promise<Page<ModelMetrics>> {
    return this.queries.modelMetrics(q);
  }

  async modelVersions(q: ModelSeriesQuery): Promise<Page<ModelVersionInfo>> {
    return this.queries.modelVersions(q);
  }

  async latestModelVersions(q: ModelListQuery): Promise<ModelVersion[]> {
    return this.queries.latestModelVersions(q);
  }

  async modelVersion(instrument: string, interval: string, model: string, version: number): Promise<ModelVersion | undefined> {
    return this.queries.modelVersion(instrument, interval, model, version);
  }

  /** The big tables' counts come from the series summary (count(*) would scan millions of rows). */
  async counts(): Promise<StoreCounts> {
    const rows = await this.read(
      `SELECT (SELECT coalesce(sum("rows"), 0)::bigint FROM series_stats WHERE tbl = 'bars'),
              (SELECT coalesce(sum("rows"), 0)::bigint FROM series_stats WHERE tbl = 'indicators'),
              (SELECT count(*) FROM alerts), (SELECT count(*) FROM windows), (SELECT count(*) FROM late_trades),
              (SELECT count(*) FROM rejects),
              (SELECT coalesce(sum("rows"), 0)::bigint FROM series_stats WHERE tbl = 'trades')`,
      [],
    );
    const r = rows[0] ?? [];
    const n = (i: number): number => readNumber(r[i], 'count');
    return { bars: n(0), indicators: n(1), alerts: n(2), windows: n(3), late: n(4), rejects: n(5), trades: n(6) };
  }

  /** The Parquet lake is the embedded store's; a PostgreSQL deployment exports with its own tools. */
  exportLake(): Promise<{ files: number; dir: string }> {
    return Promise.resolve({ files: 0, dir: '' });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
      // Let a commit in flight finish: its transaction is the pipeline's last checkpoint.
      await this.commits.run(() => Promise.resolve());
      await this.pool.end();
    })();
    return this.closing;
  }
}

/**
 * Opens the PostgreSQL store: connects (failing fast with STORE_UNAVAILABLE when the server is
 * unreachable), creates the schema when missing and applies pending migrations, unless
 * read-only, which only checks the schema is this tickflow's.
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const { connectionString, schema, shown } = parseUrl(opts.url);
  const timeout = opts.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString,
    max: (opts.poolSize ?? 8) + 1,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'tickflow',
    // The tables live in `schema`; a statement past the timeout is cancelled, not left holding locks.
    options: `-c search_path=${schema} -c statement_timeout=${timeout}`,
    types: TYPES,
  });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', (e) => opts.logger?.warn({ err: toStoreError(e, 'idle connection') }, 'PostgreSQL connection lost'));
  let c: pg.PoolClient;
  try {
    c = await pool.connect();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw toStoreError(e, `connect to ${shown}`);
  }
  try {
    if (opts.readOnly === true) await checkPgSchema(c, shown);
    else {
      if (schema !== 'public') await c.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
      const applied = await migratePg(c);
      if (applied.length > 0) opts.logger?.info({ store: shown, migrations: applied }, 'PostgreSQL schema migrated');
    }
  } catch (e) {
    c.release();
    await pool.end().catch(() => undefined);
    throw toStoreError(e, `open ${shown}`);
  }
  c.release();
  opts.logger?.info({ store: shown, readOnly: opts.readOnly === true }, 'store opened');
  return new PostgresStore(pool, opts, shown);
}
