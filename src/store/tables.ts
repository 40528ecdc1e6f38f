/**
 * The stored tables, described once: their columns (SQL type and how a column travels from
 * the JS side into DuckDB), their logical key, the time column the lake partitions on, and
 * what a write does when a key is already there.
 *
 * Keys are logical, not PRIMARY KEY constraints, for the big tables: with DuckDB's ART index
 * on (instrument, interval, start), `INSERT OR REPLACE` of bars ran at ~300k rows/s against
 * ~660k for a plain insert of the same rows (bench/store.bench.ts, 2 cores; 170k against
 * 3.4M rows/s when only DuckDB's own work is timed), and the index must fit in memory. One
 * writer is guaranteed by DuckDB's file lock, and its `commit` deletes the rows a write
 * replaces inside the same transaction (upsert.ts). The bookkeeping tables (checkpoints,
 * series_stats) keep real primary keys.
 */

/** How a column's values are carried from the JS thread to the scan that feeds DuckDB. */
export type ColumnKind =
  /** Float64Array; NaN stands for NULL (so a NaN in a NOT NULL column fails the write). */
  | 'f64'
  /** Uint32Array of indices into the write's string dictionary (few distinct values). */
  | 'dict'
  /** Plain string array (many distinct values: messages, raw excerpts). */
  | 'str';

export interface ColumnSpec {
  readonly name: string;
  /** SQL type with constraints, e.g. `BIGINT NOT NULL`. */
  readonly sql: string;
  readonly kind: ColumnKind;
}

export type TableName =
  | 'bars'
  | 'indicators'
  | 'alerts'
  | 'windows'
  | 'late_trades'
  | 'rejects'
  | 'trades'
  | 'feed_gaps'
  | 'predictions'
  | 'model_metrics'
  | 'model_versions';

export interface TableSpec {
  readonly name: TableName;
  readonly columns: readonly ColumnSpec[];
  /** Logical key: one row per distinct value. */
  readonly key: readonly string[];
  /**
   * Extra key columns that count only for rows whose `id` is -1 (venue gave no trade id):
   * such a trade is identified by its content, so a replay after a crash does not double it.
   */
  readonly contentKeyWhenNoId?: readonly string[];
  /** `replace`: the newest write of a key wins (revised bars). `ignore`: the first one stays. */
  readonly onConflict: 'replace' | 'ignore';
  /** Epoch-ms column: range filter for conflict checks and the lake's date partition. */
  readonly time: string;
  /** Columns naming a series (rows of one series arrive in time order); absent for small tables. */
  readonly series?: readonly string[];
  /** The column that, with `time`, orders a series strictly (trades: several per ms). */
  readonly tiebreak?: string;
  /** Lake partitioning: by instrument and date, or by date only. */
  readonly lakeByInstrument: boolean;
}

const f = (name: string, sql: string): ColumnSpec => ({ name, sql, kind: 'f64' });
const d = (name: string): ColumnSpec => ({ name, sql: 'VARCHAR NOT NULL', kind: 'dict' });
const s = (name: string): ColumnSpec => ({ name, sql: 'VARCHAR NOT NULL', kind: 'str' });
const dbl = (name: string): ColumnSpec => f(name, 'DOUBLE NOT NULL');
const dblNull = (name: string): ColumnSpec => f(name, 'DOUBLE');
const big = (name: string): ColumnSpec => f(name, 'BIGINT NOT NULL');

export const BARS: TableSpec = {
  name: 'bars',
  columns: [
    d('instrument'),
    d('interval'),
    big('start'),
    big('end'),
    dbl('open'),
    dbl('high'),
    dbl('low'),
    dbl('close'),
    dbl('volume'),
    dbl('quote_volume'),
    dbl('buy_volume'),
    dbl('sell_volume'),
    f('trades', 'BIGINT NOT NULL CHECK (trades >= 0)'),
    dbl('vwap'),
    big('first_trade_id'),
    big('last_trade_id'),
    f('revision', 'INTEGER NOT NULL CHECK (revision >= 0)'),
  ],
  key: ['instrument', 'interval', 'start'],
  onConflict: 'replace',
  time: 'start',
  series: ['instrument', 'interval'],
  lakeByInstrument: true,
};

export const INDICATORS: TableSpec = {
  name: 'indicators',
  columns: [
    d('instrument'),
    d('interval'),
    big('start'),
    dbl('close'),
    ...[
      'sma',
      'ema_fast',
      'ema_slow',
      'rsi',
      'macd',
      'macd_signal',
      'macd_hist',
      'bb_upper',
      'bb_middle',
      'bb_lower',
      'atr',
      'log_return',
      'realized_vol',
    ].map(dblNull),
  ],
  key: ['instrument', 'interval', 'start'],
  onConflict: 'replace',
  time: 'start',
  series: ['instrument', 'interval'],
  lakeByInstrument: true,
};

export const ALERTS: TableSpec = {
  name: 'alerts',
  columns: [
    d('instrument'),
    d('interval'),
    big('start'),
    big('time'),
    d('kind'),
    d('severity'),
    dbl('value'),
    dbl('threshold'),
    s('message'),
  ],
  key: ['instrument', 'interval', 'start', 'kind'],
  onConflict: 'replace',
  time: 'start',
  lakeByInstrument: true,
};

export const WINDOWS: TableSpec = {
  name: 'windows',
  columns: [
    d('instrument'),
    big('size'),
    big('slide'),
    big('start'),
    big('end'),
    big('trades'),
    dbl('volume'),
    dbl('avg_price'),
    dbl('vwap'),
    dbl('min_price'),
    dbl('max_price'),
    dbl('spread'),
  ],
  key: ['instrument', 'size', 'slide', 'start'],
  onConflict: 'replace',
  time: 'start',
  lakeByInstrument: true,
};

export const LATE_TRADES: TableSpec = {
  name: 'late_trades',
  columns: [
    d('instrument'),
    big('id'),
    big('ts'),
    big('local_ts'),
    dbl('price'),
    dbl('size'),
    f('side', 'TINYINT NOT NULL'),
    big('watermark'),
  ],
  key: ['instrument', 'id', 'ts'],
  contentKeyWhenNoId: ['price', 'size', 'side'],
  onConflict: 'ignore',
  time: 'ts',
  lakeByInstrument: true,
};

export const REJECTS: TableSpec = {
  name: 'rejects',
  columns: [s('source'), s('position'), d('reason'), s('message'), s('raw'), big('time')],
  key: ['source', 'position', 'reason'],
  onConflict: 'ignore',
  time: 'time',
  lakeByInstrument: false,
};

export const TRADES: TableSpec = {
  name: 'trades',
  columns: [d('instrument'), big('id'), big('ts'), big('local_ts'), dbl('price'), dbl('size'), f('side', 'TINYINT NOT NULL')],
  key: ['instrument', 'id', 'ts'],
  contentKeyWhenNoId: ['price', 'size', 'side'],
  onConflict: 'ignore',
  time: 'ts',
  series: ['instrument'],
  tiebreak: 'id',
  lakeByInstrument: true,
};

/** Stretches of an instrument's trades a live feed did not deliver (core/feed-gap.ts). */
export const FEED_GAPS: TableSpec = {
  name: 'feed_gaps',
  columns: [d('instrument'), big('start'), big('end'), d('kind'), big('missing'), s('source'), big('time')],
  key: ['instrument', 'start', 'end', 'kind'],
  onConflict: 'ignore',
  time: 'start',
  lakeByInstrument: false,
};

/** Each model's forecast of the next bar (core/model-records.ts); the outcome is joined from bars. */
export const PREDICTIONS: TableSpec = {
  name: 'predictions',
  columns: [
    d('instrument'),
    d('interval'),
    d('model'),
    big('start'),
    big('target'),
    dbl('close'),
    dbl('forecast_return'),
    f('p_up', 'DOUBLE NOT NULL CHECK (p_up >= 0 AND p_up <= 1)'),
    dbl('predicted_close'),
    f('champion', 'TINYINT NOT NULL'),
  ],
  key: ['instrument', 'interval', 'start', 'model'],
  onConflict: 'replace',
  time: 'start',
  lakeByInstrument: true,
};

/** The two metric sets of a model-metrics or model-version record, as columns: cumulative, then rolling (r_). */
export const METRIC_COLUMNS = ['n', 'rmse', 'mae', 'directional_accuracy', 'log_loss', 'brier', 'auc'] as const;
const metricColumns = (prefix: string): ColumnSpec[] =>
  METRIC_COLUMNS.map((m) => (m === 'n' ? big(`${prefix}n`) : dblNull(`${prefix}${m}`)));

/** Each model's test-then-train scores over time. */
export const MODEL_METRICS: TableSpec = {
  name: 'model_metrics',
  columns: [
    d('instrument'),
    d('interval'),
    d('model'),
    d('kind'),
    big('time'),
    d('status'),
    big('updates'),
    ...metricColumns(''),
    ...metricColumns('r_'),
  ],
  key: ['instrument', 'interval', 'model', 'time'],
  onConflict: 'replace',
  time: 'time',
  lakeByInstrument: true,
};

/** The model registry: every saved version, with its parameters, scores and serialized state (JSON text). */
export const MODEL_VERSIONS: TableSpec = {
  name: 'model_versions',
  columns: [
    d('instrument'),
    d('interval'),
    d('model'),
    d('kind'),
    big('version'),
    big('time'),
    d('reason'),
    d('status'),
    s('params'),
    s('features'),
    f('trained_from', 'BIGINT'),
    f('trained_to', 'BIGINT'),
    big('updates'),
    ...metricColumns(''),
    ...metricColumns('r_'),
    s('detail'),
    s('state'),
  ],
  key: ['instrument', 'interval', 'model', 'version'],
  onConflict: 'replace',
  time: 'time',
  lakeByInstrument: false,
};

/** In commit order. */
export const TABLES: readonly TableSpec[] = [
  BARS,
  INDICATORS,
  ALERTS,
  WINDOWS,
  LATE_TRADES,
  REJECTS,
  TRADES,
  FEED_GAPS,
  PREDICTIONS,
  MODEL_METRICS,
  MODEL_VERSIONS,
];

export function isTableName(s: string): s is TableName {
  return TABLES.some((t) => t.name === s);
}

export function tableSpec(name: TableName): TableSpec {
  const t = TABLES.find((x) => x.name === name);
  if (t === undefined) throw new Error(`unknown table ${name}`);
  return t;
}

/**
 * Every stored table also has `commit_seq BIGINT`: the number of the commit that wrote the
 * row (upsert.ts sets it, one constant per commit, which DuckDB stores as a constant segment,
 * so it costs next to nothing). The lake exports new rows by it (lake.ts). It is not one of
 * `columns`, so neither queries nor lake files show it.
 */
export const COMMIT_SEQ = 'commit_seq';

/** Double-quotes an identifier we defined ourselves (column names like `end` are keywords). */
export function q(ident: string): string {
  return `"${ident.replaceAll('"', '""')}"`;
}
