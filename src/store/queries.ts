import {
  TickflowError,
  modelId,
  parseBarSpec,
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
import { decodeCursor, encodeCursor, type CursorShape, type CursorValue } from './cursor.js';
import {
  ALERT_COLUMNS,
  BAR_COLUMNS,
  INDICATOR_COLUMNS,
  LATE_COLUMNS,
  REJECT_COLUMNS,
  GAP_COLUMNS,
  toFeedGap,
  WINDOW_COLUMNS,
  readNumber,
  readString,
  toAlert,
  toBar,
  toIndicatorSet,
  toLateTrade,
  toReject,
  toWindowStats,
  PREDICTION_COLUMNS,
  MODEL_METRICS_COLUMNS,
  MODEL_VERSION_COLUMNS,
  toPrediction,
  toModelMetrics,
  toModelVersion,
  readNumberOrNull,
  type Row,
} from './row-mappers.js';
import type { SeriesStat, SeriesStats } from './series-stats.js';
import type {
  AlertQuery,
  BarQuery,
  Checkpoint,
  InstrumentSummary,
  Page,
  RejectQuery,
  ModelListQuery,
  ModelSeriesQuery,
  ModelSummary,
  ModelVersionInfo,
  PredictionQuery,
  PredictionWithOutcome,
  StoreCounts,
  TimeRangeQuery,
  WindowQuery,
} from './store.js';

/**
 * The read side, shared by the DuckDB and PostgreSQL stores: parameterized SQL with keyset
 * pagination. Every order ends in a unique key, so a cursor (the last row's sort key) splits
 * the rows into pages exactly once. The SQL is the subset both engines run the same, but for
 * the forecast-outcome join (`Dialect`).
 */

/** One statement's parameters: each call adds a value and returns its placeholder (`$n`). */
export interface QueryParams {
  /** An epoch-ms time or other integer; rejected when not finite. */
  bigint(n: number, what?: string): string;
  double(n: number): string;
  text(s: string): string;
}

/** An integer parameter (epoch ms, a size): refused when not finite, else truncated and clamped to the safe range. */
export function safeInteger(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new TickflowError('BAD_REQUEST', `${what}: not a finite number`);
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(n)));
}

export type RunRows<P extends QueryParams> = (sql: string, p: P) => Promise<readonly Row[]>;

/**
 * `duckdb` joins each forecast to the next bar with an ASOF join; PostgreSQL has none, and
 * takes the first later bar through a LATERAL subquery on the bars' primary key instead.
 */
export type Dialect = 'duckdb' | 'postgres';

export const MAX_PAGE = 100_000;

interface SortKey {
  readonly col: string;
  readonly kind: 'bigint' | 'double' | 'text';
}

interface PageSpec<T> {
  readonly from: string;
  readonly columns: string;
  readonly where: string[];
  readonly keys: readonly SortKey[];
  readonly desc: boolean;
  readonly limit: number;
  readonly cursor: string | undefined;
  readonly map: (r: Row) => T;
  readonly keyOf: (item: T) => CursorValue[];
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new TickflowError('BAD_REQUEST', `limit must be an integer from 1 to ${MAX_PAGE}, got ${limit}`);
  }
}

function bind(p: QueryParams, key: SortKey, v: CursorValue): string {
  if (key.kind === 'text') return p.text(String(v));
  return key.kind === 'bigint' ? p.bigint(Number(v)) : p.double(Number(v));
}

/** Rows strictly after the cursor in the page order: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... */
function after(keys: readonly SortKey[], values: readonly CursorValue[], desc: boolean, p: QueryParams): string {
  const op = desc ? '<' : '>';
  const ors: string[] = [];
  keys.forEach((k, i) => {
    const ands = keys.slice(0, i).map((e, j) => `${e.col} = ${bind(p, e, values[j] ?? '')}`);
    ands.push(`${k.col} ${op} ${bind(p, k, values[i] ?? '')}`);
    ors.push(`(${ands.join(' AND ')})`);
  });
  return `(${ors.join(' OR ')})`;
}

function timeRange(where: string[], p: QueryParams, col: string, from: number | undefined, to: number | undefined): void {
  if (from !== undefined) where.push(`${col} >= ${p.bigint(from, 'from')}`);
  if (to !== undefined) where.push(`${col} < ${p.bigint(to, 'to')}`);
}

const intervalRank = (name: string): [number, number, string] => {
  try {
    const s = parseBarSpec(name);
    return s.kind === 'time' ? [0, s.ms, name] : [['tick', 'volume', 'dollar'].indexOf(s.kind) + 1, s.threshold, name];
  } catch {
    return [9, 0, name];
  }
};

function compareIntervals(a: string, b: string): number {
  const [ka, va, na] = intervalRank(a);
  const [kb, vb, nb] = intervalRank(b);
  return ka - kb || va - vb || na.localeCompare(nb);
}

/** Rows of the model tables, optionally of one instrument and / or interval. */
function modelListWhere(q: ModelListQuery, p: QueryParams): string[] {
  const where: string[] = [];
  if (q.instrument !== undefined) where.push(`instrument = ${p.text(q.instrument)}`);
  if (q.interval !== undefined) where.push(`interval = ${p.text(q.interval)}`);
  return where;
}

/** Rows of one model of one series, their `time` in [from, to). */
function modelSeriesWhere(q: ModelSeriesQuery, p: QueryParams): string[] {
  const where = [`instrument = ${p.text(q.instrument)}`, `interval = ${p.text(q.interval)}`, `model = ${p.text(q.model)}`];
  timeRange(where, p, 'time', q.from, q.to);
  return where;
}

/** Each model's newest row by `order` (SQL both engines run: no QUALIFY, no DISTINCT ON). */
function newestPerModel(columns: string, table: string, where: string, order: string): string {
  return (
    `SELECT ${columns} FROM (SELECT ${columns}, row_number() OVER (PARTITION BY instrument, interval, model ORDER BY ${order} DESC) AS rn ` +
    `FROM ${table}${where}) newest WHERE rn = 1`
  );
}

export class Queries<P extends QueryParams> {
  /**
   * `stats`: the writer's in-memory series summary (DuckDB: one process owns the file), which
   * turns `latestBar` into a point lookup; without it the newest bar is read by index order.
   */
  constructor(
    private readonly run: RunRows<P>,
    private readonly newParams: () => P,
    private readonly dialect: Dialect,
    private readonly stats?: SeriesStats,
  ) {}

  private async page<T>(s: PageSpec<T>, p: P): Promise<Page<T>> {
    checkLimit(s.limit);
    const where = [...s.where];
    if (s.cursor !== undefined) {
      const shape: CursorShape = s.keys.map((k) => (k.kind === 'text' ? 'string' : 'number'));
      where.push(after(s.keys, decodeCursor(s.cursor, shape), s.desc, p));
    }
    const dir = s.desc ? 'DESC' : 'ASC';
    const order = s.keys.map((k) => `${k.col} ${dir}`).join(', ');
    const sql = `SELECT ${s.columns} FROM ${s.from}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${s.limit + 1}`;
    const rows = await this.run(sql, p);
    const more = rows.length > s.limit;
    const items = rows.slice(0, s.limit).map(s.map);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last !== undefined ? encodeCursor(s.keyOf(last)) : null };
  }

  bars(q: BarQuery): Promise<Page<Bar>> {
    const p = this.newParams();
    const where = [`instrument = ${p.text(q.instrument)}`, `interval = ${p.text(q.interval)}`];
    timeRange(where, p, 'start', q.from, q.to);
    return this.page(
      {
        from: 'bars',
        columns: BAR_COLUMNS,
        where,
        keys: [{ col: 'start', kind: 'bigint' }],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: toBar,
        keyOf: (b) => [b.start],
      },
      p,
    );
  }

  async latestBar(instrument: string, interval: string): Promise<Bar | undefined> {
    const p = this.newParams();
    const series = `instrument = ${p.text(instrument)} AND interval = ${p.text(interval)}`;
    let sql = `SELECT ${BAR_COLUMNS} FROM bars WHERE ${series} ORDER BY start DESC LIMIT 1`;
    if (this.stats !== undefined) {
      // The summary knows the last start, which turns "latest" into a pruned point lookup.
      const s = this.stats.get('bars', instrument, interval);
      if (s === undefined) return undefined;
      sql = `SELECT ${BAR_COLUMNS} FROM bars WHERE ${series} AND start = ${p.bigint(s.lastTime)}`;
    }
    const r = (await this.run(sql, p))[0];
    return r === undefined ? undefined : toBar(r);
  }

  indicators(q: BarQuery): Promise<Page<IndicatorSet>> {
    const p = this.newParams();
    const where = [`instrument = ${p.text(q.instrument)}`, `interval = ${p.text(q.interval)}`];
    timeRange(where, p, 'start', q.from, q.to);
    return this.page(
      {
        from: 'indicators',
        columns: INDICATOR_COLUMNS,
        where,
        keys: [{ col: 'start', kind: 'bigint' }],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: toIndicatorSet,
        keyOf: (x) => [x.start],
      },
      p,
    );
  }

  /** Newest first; `from`/`to` apply to the alert's time (its bar's end). */
  alerts(q: AlertQuery): Promise<Page<Alert>> {
    const p = this.newParams();
    const where: string[] = [];
    if (q.instrument !== undefined) where.push(`instrument = ${p.text(q.instrument)}`);
    if (q.kind !== undefined) where.push(`kind = ${p.text(q.kind)}`);
    if (q.severity !== undefined) where.push(`severity = ${p.text(q.severity)}`);
    timeRange(where, p, 'time', q.from, q.to);
    return this.page(
      {
        from: 'alerts',
        columns: ALERT_COLUMNS,
        where,
        keys: [
          { col: 'time', kind: 'bigint' },
          { col: 'instrument', kind: 'text' },
          { col: 'interval', kind: 'text' },
          { col: 'kind', kind: 'text' },
        ],
        desc: true,
        limit: q.limit,
        cursor: q.cursor,
        map: toAlert,
        keyOf: (a) => [a.time, a.instrument, a.interval, a.kind],
      },
      p,
    );
  }

  windows(q: WindowQuery): Promise<Page<WindowStats>> {
    const p = this.newParams();
    const where = [`instrument = ${p.text(q.instrument)}`];
    if (q.size !== undefined) where.push(`size = ${p.bigint(q.size, 'size')}`);
    timeRange(where, p, 'start', q.from, q.to);
    return this.page(
      {
        from: 'windows',
        columns: WINDOW_COLUMNS,
        where,
        keys: [
          { col: 'start', kind: 'bigint' },
          { col: 'size', kind: 'bigint' },
          { col: 'slide', kind: 'bigint' },
        ],
        desc: false,
        limit: q.limit,
        cursor: q.cursor,
        map: toWindowStats,
        keyOf: (w) => [w.start, w.size, w.slide],
      },
      p,
    );
  }

  /** Newest first. */
  rejects(q: RejectQuery): Promise<Page<Reject>> {
    const p = this.newParams();
    const where: string[] = [];
    if (q.reason !== undefined) where.push(`reason = ${p.text(q.reason)}`);
    return this.page(
      {
        from: 'rejects',
        columns: REJECT_COLUMNS,
        where,
        keys: [
          { col: 'time', kind: 'bigint' },
          { col: 'source', kind: 'text' },
          { col: 'position', kind: 'text' },
          { col: 'reason', kind: 'text' },
        ],
        desc: true,
        limit: q.limit,
        cursor: q.cursor,
        map: toReject,
        keyOf: (r) => [r.time, r.source, r.position, r.reason],
      },
      p,
    );
  }

  /**
   * Forecasts of a series made at bar starts in [from, to), each joined to its outcome: the next
   * stored bar of the series (ASOF: the first start after the forecast's), null until it exists.
   */
  predictions(q: PredictionQuery): Promise<Page<PredictionWithOutcome>> {
    const p = this.newParams();
    const inner = [`instrument = ${p.text(q.instrument)}`, `interval = ${p.text(q.interval)}`];
    if (q.model === undefined || q.model === 'champion') inner.push('champion = 1');
    else if (q.model !== '*') inner.push(`model = ${p.text(q.model)}`);
    timeRange(inner, p, 'start', q.from, q.to);
    const barsWhere = [`instrument = ${p.text(q.instrument)}`, `interval = ${p.text(q.interval)}`];
    if (q.from !== undefined) barsWhere.push(`start > ${p.bigint(q.from, 'from')}`);
    const cols = PREDICTION_COLUMNS.split(', ')
      .map((c) => `p.${c}`)
      .join(', ');
    return this.page(
      {
        from:
          `(SELECT ${PREDICTION_COLUMNS} FROM predictions WHERE ${inner.join(' AND ')}) p ` +
          (this.dialect === 'duckdb'
            ? `ASOF LEFT JOIN (SELECT start, close FROM bars WHERE ${barsWhere.join(' AND ')}) o ON o.start > p.start`
            : `LEFT JOIN LATERAL (SELECT start, close FROM bars WHERE ${barsWhere.join(' AND ')} AND start > p.start ` +
              `ORDER BY start LIMIT 1) o ON true`),
        columns: `${cols}, o.start, o.close`,
        where: [],
        keys: [
          { col: 'p.start', kind: 'bigint' },
          { col: 'p.model', kind: 'text' },
        ],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: (r) => {
          const pred = toPrediction(r);
          const oStart = readNumberOrNull(r[10], 'outcome start');
          const oClose = readNumberOrNull(r[11], 'outcome close');
          if (oStart === null || oClose === null || !(oClose > 0) || !(pred.close > 0)) return { ...pred, outcome: null };
          const ret = Math.log(oClose / pred.close);
          return { ...pred, outcome: { start: oStart, close: oClose, return: ret, error: ret - pred.return } };
        },
        keyOf: (x) => [x.start, x.model],
      },
      p,
    );
  }

  /** The newest metrics record of each model, with its registry counts. */
  async models(q: ModelListQuery): Promise<ModelSummary[]> {
    const p = this.newParams();
    const where = modelListWhere(q, p);
    const w = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
    const rows = await this.run(
      `WITH latest AS (${newestPerModel(MODEL_METRICS_COLUMNS, 'model_metrics', w, 'time')}), ` +
        `v AS (SELECT instrument, interval, model, count(*) AS versions, max(version) AS latest FROM model_versions${w} GROUP BY instrument, interval, model) ` +
        `SELECT l.*, coalesce(v.versions, 0), v.latest FROM latest l LEFT JOIN v ON l.instrument = v.instrument AND l.interval = v.interval AND l.model = v.model`,
      p,
    );
    const rank = { champion: 0, challenger: 1, quarantined: 2 } as const;
    return rows
      .map((r): ModelSummary => {
        const m = toModelMetrics(r);
        return {
          id: modelId(m.instrument, m.interval, m.model),
          instrument: m.instrument,
          interval: m.interval,
          model: m.model,
          kind: m.kind,
          status: m.status,
          updates: m.updates,
          time: m.time,
          cumulative: m.cumulative,
          rolling: m.rolling,
          versions: readNumber(r[21], 'versions'),
          latestVersion: readNumberOrNull(r[22], 'latest'),
        };
      })
      .sort(
        (a, b) =>
          a.instrument.localeCompare(b.instrument) ||
          compareIntervals(a.interval, b.interval) ||
          rank[a.status] - rank[b.status] ||
          a.model.localeCompare(b.model),
      );
  }

  modelMetrics(q: ModelSeriesQuery): Promise<Page<ModelMetrics>> {
    const p = this.newParams();
    const where = modelSeriesWhere(q, p);
    return this.page(
      {
        from: 'model_metrics',
        columns: MODEL_METRICS_COLUMNS,
        where,
        keys: [{ col: 'time', kind: 'bigint' }],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: toModelMetrics,
        keyOf: (m) => [m.time],
      },
      p,
    );
  }

  modelVersions(q: ModelSeriesQuery): Promise<Page<ModelVersionInfo>> {
    const p = this.newParams();
    const where = modelSeriesWhere(q, p);
    return this.page(
      {
        from: 'model_versions',
        columns: MODEL_VERSION_COLUMNS,
        where,
        keys: [{ col: 'version', kind: 'bigint' }],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: (r) => toModelVersion(r, false),
        keyOf: (m) => [m.version],
      },
      p,
    );
  }

  /** The newest version of every model (of one instrument / interval when given), with its state: what a warm start reloads. */
  async latestModelVersions(q: ModelListQuery): Promise<ModelVersion[]> {
    const p = this.newParams();
    const where = modelListWhere(q, p);
    const rows = await this.run(
      `${newestPerModel(`${MODEL_VERSION_COLUMNS}, state`, 'model_versions', where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '', 'version')} ` +
        `ORDER BY instrument, interval, model`,
      p,
    );
    return rows.map((r) => toModelVersion(r, true) as ModelVersion);
  }

  async modelVersion(instrument: string, interval: string, model: string, version: number): Promise<ModelVersion | undefined> {
    const p = this.newParams();
    const rows = await this.run(
      `SELECT ${MODEL_VERSION_COLUMNS}, state FROM model_versions WHERE instrument = ${p.text(instrument)} AND interval = ${p.text(interval)} ` +
        `AND model = ${p.text(model)} AND version = ${p.bigint(version, 'version')}`,
      p,
    );
    const r = rows[0];
    return r === undefined ? undefined : (toModelVersion(r, true) as ModelVersion);
  }

  /** Gap markers of an instrument whose start is in [from, to). */
  gaps(q: TimeRangeQuery): Promise<Page<FeedGap>> {
    const p = this.newParams();
    const where = [`instrument = ${p.text(q.instrument)}`];
    timeRange(where, p, 'start', q.from, q.to);
    return this.page(
      {
        from: 'feed_gaps',
        columns: GAP_COLUMNS,
        where,
        keys: [
          { col: 'start', kind: 'bigint' },
          // quoted: END is a keyword
          { col: '"end"', kind: 'bigint' },
          { col: 'kind', kind: 'text' },
        ],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: toFeedGap,
        keyOf: (g) => [g.start, g.end, g.kind],
      },
      p,
    );
  }

  late(q: TimeRangeQuery): Promise<Page<LateTrade>> {
    const p = this.newParams();
    const where = [`instrument = ${p.text(q.instrument)}`];
    timeRange(where, p, 'ts', q.from, q.to);
    return this.page(
      {
        from: 'late_trades',
        columns: LATE_COLUMNS,
        where,
        // The stored key: (id, ts), plus the content for trades without an id.
        keys: [
          { col: 'ts', kind: 'bigint' },
          { col: 'id', kind: 'bigint' },
          { col: 'price', kind: 'double' },
          { col: 'size', kind: 'double' },
          { col: 'side', kind: 'bigint' },
        ],
        desc: q.desc === true,
        limit: q.limit,
        cursor: q.cursor,
        map: toLateTrade,
        keyOf: (t) => [t.timestamp, t.id, t.price, t.size, t.side],
      },
      p,
    );
  }

  /** From the in-memory series summary: no scan of the bars. */
  instruments(): InstrumentSummary[] {
    return instrumentsOf(this.stats?.all('bars') ?? []);
  }

  async counts(): Promise<StoreCounts> {
    const rows = await this.run(
      `SELECT (SELECT count(*) FROM bars), (SELECT count(*) FROM indicators), (SELECT count(*) FROM alerts), (SELECT count(*) FROM windows),
              (SELECT count(*) FROM late_trades), (SELECT count(*) FROM rejects), (SELECT count(*) FROM trades)`,
      this.newParams(),
    );
    const r = rows[0] ?? [];
    const n = (i: number): number => readNumber(r[i], 'count');
    return { bars: n(0), indicators: n(1), alerts: n(2), windows: n(3), late: n(4), rejects: n(5), trades: n(6) };
  }

  async loadCheckpoint(id: string): Promise<Checkpoint | undefined> {
    const p = this.newParams();
    const rows = await this.run(`SELECT id, positions, state, updated_at FROM checkpoints WHERE id = ${p.text(id)}`, p);
    const r = rows[0];
    if (r === undefined) return undefined;
    return {
      id: readString(r[0], 'id'),
      positions: readString(r[1], 'positions'),
      state: readString(r[2], 'state'),
      updatedAt: readNumber(r[3], 'updated_at'),
    };
  }
}

/** The instrument list from the bars' per-series summaries (SeriesStats, or PostgreSQL's series_stats). */
export function instrumentsOf(series: readonly SeriesStat[]): InstrumentSummary[] {
  const by = new Map<string, SeriesStat[]>();
  for (const s of series) {
    if (s.rows <= 0) continue;
    const list = by.get(s.instrument) ?? [];
    list.push(s);
    by.set(s.instrument, list);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([instrument, list]) => {
      list.sort((a, b) => compareIntervals(a.sub, b.sub));
      // The last close is that of the bar that ended last (the finest interval on a tie).
      let latest = list[0];
      for (const s of list) if (latest === undefined || (s.lastEnd ?? s.lastTime) > (latest.lastEnd ?? latest.lastTime)) latest = s;
      return {
        instrument,
        intervals: list.map((s) => s.sub),
        firstTime: Math.min(...list.map((s) => s.firstTime)),
        lastTime: Math.max(...list.map((s) => s.lastTime)),
        bars: list.reduce((n, s) => n + s.rows, 0),
        lastClose: latest?.lastClose ?? null,
      };
    });
}
