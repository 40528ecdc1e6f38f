import {
  assert,
  type Alert,
  type Bar,
  type FeedGap,
  type IndicatorSet,
  type LateTrade,
  type MetricSetRecord,
  type ModelMetrics,
  type ModelVersion,
  type Prediction,
  type Reject,
  type TradeBatch,
  type WindowStats,
} from '../core/index.js';
import type { Checkpoint, StoreWrite } from './store.js';
import {
  ALERTS,
  BARS,
  FEED_GAPS,
  INDICATORS,
  LATE_TRADES,
  MODEL_METRICS,
  MODEL_VERSIONS,
  PREDICTIONS,
  REJECTS,
  TRADES,
  WINDOWS,
  type TableName,
  type TableSpec,
} from './tables.js';

/**
 * A `StoreWrite` turned into columns: typed arrays that move to the store's worker thread
 * without a copy (they are transferred), plus one string dictionary for the low-cardinality
 * text columns. Packing is the only per-row work a commit costs the pipeline's thread.
 */
export type PackedColumn = Float64Array | Uint32Array | string[];

export interface PackedTable {
  readonly table: TableName;
  readonly rows: number;
  /** In the order of the table's `columns`. */
  readonly columns: readonly PackedColumn[];
}

export interface PackedWrite {
  readonly dict: readonly string[];
  readonly tables: readonly PackedTable[];
  readonly checkpoint?: Checkpoint;
  /** Interim (non-final) bars dropped: only final bars are stored. */
  readonly droppedInterim: number;
}

class Dict {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();

  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

/** null (indicator not warmed up) travels as NaN; see ColumnKind. */
const orNaN = (v: number | null): number => (v === null ? NaN : v);

/** BARS' numeric columns in table order (after instrument and interval). */
const BAR_NUMBERS = [
  'start',
  'end',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quote_volume',
  'buy_volume',
  'sell_volume',
  'trades',
  'vwap',
  'first_trade_id',
  'last_trade_id',
  'revision',
] as const;

function checkOrder(spec: TableSpec, names: readonly string[]): void {
  const f64 = spec.columns.filter((c) => c.kind === 'f64').map((c) => c.name);
  assert(f64.join() === names.join(), `store: the ${spec.name} packer's columns differ from the table's`);
}
checkOrder(BARS, BAR_NUMBERS);

/**
 * Columns of one table that grow as rows are added: a checkpoint's worth of rows lives in
 * typed arrays rather than as objects, so the objects the processor emits die young (the
 * young-generation GC copies survivors; 400k buffered Bar objects made it the replay's
 * largest cost) and packing at commit is a copy per column.
 */
class GrowingColumns {
  rows = 0;
  private cap = 0;
  /** Rows `take` handed over since the last `shrinkIfOver` (0 when it was not called). */
  private taken = 0;
  ids: Uint32Array[];
  nums: Float64Array[];

  constructor(dictColumns: number, numColumns: number) {
    this.ids = Array.from({ length: dictColumns }, () => new Uint32Array(0));
    this.nums = Array.from({ length: numColumns }, () => new Float64Array(0));
  }

  /** Makes room for `k` more rows (the arrays may be replaced: re-read `ids`/`nums` after). */
  reserve(k: number): void {
    const need = this.rows + k;
    if (need <= this.cap) return;
    const cap = Math.max(need, this.cap * 2, 1024);
    this.ids = this.ids.map((a) => grow(a, new Uint32Array(cap), this.rows));
    this.nums = this.nums.map((a) => grow(a, new Float64Array(cap), this.rows));
    this.cap = cap;
  }

  /** Exact-length copies (transferable without dragging the spare capacity along); keeps the buffers for reuse. */
  take(): PackedColumn[] {
    const n = this.rows;
    this.rows = 0;
    this.taken = n;
    return [...this.ids.map((a) => a.slice(0, n)), ...this.nums.map((a) => a.slice(0, n))];
  }

  /**
   * Gives the memory back when a burst made the buffers much larger than usual: over `maxCap`
   * rows of capacity and the `take` since the last call used under a quarter of it. Under a steady load larger
   * than `maxCap` the buffers stay (reallocating them at every commit churned ~20 MB of arrays
   * per second through the young generation in the split pipeline's sink).
   */
  shrinkIfOver(maxCap: number): void {
    const used = this.taken;
    this.taken = 0;
    if (this.cap <= maxCap || this.rows > 0 || used * 4 >= this.cap) return;
    this.ids = this.ids.map(() => new Uint32Array(0));
    this.nums = this.nums.map(() => new Float64Array(0));
    this.cap = 0;
  }
}

function grow<A extends Uint32Array | Float64Array>(from: A, to: A, rows: number): A {
  to.set(from.subarray(0, rows));
  return to;
}

/** Remembers the last string's dictionary id: rows of one series come in runs. */
class DictCache {
  private last = '';
  private lastId = -1;

  id(dict: Dict, s: string): number {
    if (s !== this.last || this.lastId < 0) {
      this.last = s;
      this.lastId = dict.id(s);
    }
    return this.lastId;
  }

  reset(): void {
    this.lastId = -1;
  }
}

/** INDICATORS' numeric columns in table order. */
const INDICATOR_NUMBERS = [
  'start',
  'close',
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
] as const;

checkOrder(INDICATORS, INDICATOR_NUMBERS);

/** The Bar / IndicatorSet fields of the numeric columns above (their camelCase names), in the same order. */
const camel = (column: string): string => column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const BAR_FIELDS = BAR_NUMBERS.map(camel);
const INDICATOR_FIELDS = INDICATOR_NUMBERS.map(camel);

/**
 * Rows that arrive as columns (a decoded column record of the split deployment's output
 * topics): a column per field, numbers with NaN for null, strings by row.
 */
export interface ColumnSource {
  readonly length: number;
  num(field: string): Float64Array;
  /** The string of a row, by row index (the column is looked up once, here). */
  strings(field: string): (row: number) => string;
  bool(field: string): Uint8Array;
}

/**
 * Packs small tables column by column from accessors; their volume (alerts, windows, late
 * trades, rejects) is too low for the per-call overhead to matter.
 */
type Getter<R> = { kind: 'f64'; get: (r: R) => number } | { kind: 'dict' | 'str'; get: (r: R) => string };

function packGeneric<R>(spec: TableSpec, rows: readonly R[], getters: readonly Getter<R>[], dict: Dict): PackedTable {
  const n = rows.length;
  const columns: PackedColumn[] = getters.map((g) => {
    if (g.kind === 'f64') {
      const a = new Float64Array(n);
      rows.forEach((r, i) => (a[i] = g.get(r)));
      return a;
    }
    if (g.kind === 'dict') {
      const a = new Uint32Array(n);
      rows.forEach((r, i) => (a[i] = dict.id(g.get(r))));
      return a;
    }
    return rows.map(g.get);
  });
  return { table: spec.name, rows: n, columns };
}

const num = <R>(get: (r: R) => number): Getter<R> => ({ kind: 'f64', get });
const dic = <R>(get: (r: R) => string): Getter<R> => ({ kind: 'dict', get });
const str = <R>(get: (r: R) => string): Getter<R> => ({ kind: 'str', get });

const ALERT_GETTERS: readonly Getter<Alert>[] = [
  dic((a) => a.instrument),
  dic((a) => a.interval),
  num((a) => a.start),
  num((a) => a.time),
  dic((a) => a.kind),
  dic((a) => a.severity),
  num((a) => a.value),
  num((a) => a.threshold),
  str((a) => a.message),
];

const WINDOW_GETTERS: readonly Getter<WindowStats>[] = [
  dic((w) => w.instrument),
  num((w) => w.size),
  num((w) => w.slide),
  num((w) => w.start),
  num((w) => w.end),
  num((w) => w.trades),
  num((w) => w.volume),
  num((w) => w.avgPrice),
  num((w) => w.vwap),
  num((w) => w.minPrice),
  num((w) => w.maxPrice),
  num((w) => w.spread),
];

const LATE_GETTERS: readonly Getter<LateTrade>[] = [
  dic((t) => t.instrument),
  num((t) => t.id),
  num((t) => t.timestamp),
  num((t) => t.localTimestamp),
  num((t) => t.price),
  num((t) => t.size),
  num((t) => t.side),
  num((t) => t.watermark),
];

const REJECT_GETTERS: readonly Getter<Reject>[] = [
  str((r) => r.source),
  str((r) => r.position),
  dic((r) => r.reason),
  str((r) => r.message),
  str((r) => r.raw),
  num((r) => r.time),
];

const GAP_GETTERS: readonly Getter<FeedGap>[] = [
  dic((g) => g.instrument),
  num((g) => g.start),
  num((g) => g.end),
  dic((g) => g.kind),
  num((g) => g.missing),
  str((g) => g.source),
  num((g) => g.time),
];

const PREDICTION_GETTERS: readonly Getter<Prediction>[] = [
  dic((p) => p.instrument),
  dic((p) => p.interval),
  dic((p) => p.model),
  num((p) => p.start),
  num((p) => p.target),
  num((p) => p.close),
  num((p) => p.return),
  num((p) => p.pUp),
  num((p) => p.predictedClose),
  num((p) => (p.champion ? 1 : 0)),
];

/** n, rmse, mae, directional accuracy, log loss, Brier, AUC of one metric set (tables.ts METRIC_COLUMNS). */
function metricGetters<R>(get: (r: R) => MetricSetRecord): Getter<R>[] {
  return [
    num((r) => get(r).n),
    num((r) => orNaN(get(r).rmse)),
    num((r) => orNaN(get(r).mae)),
    num((r) => orNaN(get(r).directionalAccuracy)),
    num((r) => orNaN(get(r).logLoss)),
    num((r) => orNaN(get(r).brier)),
    num((r) => orNaN(get(r).auc)),
  ];
}

const MODEL_METRICS_GETTERS: readonly Getter<ModelMetrics>[] = [
  dic((m) => m.instrument),
  dic((m) => m.interval),
  dic((m) => m.model),
  dic((m) => m.kind),
  num((m) => m.time),
  dic((m) => m.status),
  num((m) => m.updates),
  ...metricGetters<ModelMetrics>((m) => m.cumulative),
  ...metricGetters<ModelMetrics>((m) => m.rolling),
];

const MODEL_VERSION_GETTERS: readonly Getter<ModelVersion>[] = [
  dic((m) => m.instrument),
  dic((m) => m.interval),
  dic((m) => m.model),
  dic((m) => m.kind),
  num((m) => m.version),
  num((m) => m.time),
  dic((m) => m.reason),
  dic((m) => m.status),
  str((m) => JSON.stringify(m.params)),
  str((m) => JSON.stringify(m.features)),
  num((m) => orNaN(m.trainedFrom)),
  num((m) => orNaN(m.trainedTo)),
  num((m) => m.updates),
  ...metricGetters<ModelVersion>((m) => m.cumulative),
  ...metricGetters<ModelVersion>((m) => m.rolling),
  str((m) => m.detail ?? ''),
  str((m) => JSON.stringify(m.state)),
];

// The generic packers' getters must match their table's columns, kind for kind.
for (const [spec, getters] of [
  [ALERTS, ALERT_GETTERS],
  [WINDOWS, WINDOW_GETTERS],
  [LATE_TRADES, LATE_GETTERS],
  [REJECTS, REJECT_GETTERS],
  [FEED_GAPS, GAP_GETTERS],
  [PREDICTIONS, PREDICTION_GETTERS],
  [MODEL_METRICS, MODEL_METRICS_GETTERS],
  [MODEL_VERSIONS, MODEL_VERSION_GETTERS],
] as const) {
  const kinds = (getters as readonly { kind: string }[]).map((g) => g.kind).join();
  assert(kinds === spec.columns.map((c) => c.kind).join(), `store: the ${spec.name} packer's columns differ from the table's`);
}

function packTrades(batches: readonly TradeBatch[], dict: Dict): PackedTable {
  let n = 0;
  for (const b of batches) n += b.length;
  const inst = new Uint32Array(n);
  const id = new Float64Array(n);
  const ts = new Float64Array(n);
  const localTs = new Float64Array(n);
  const price = new Float64Array(n);
  const size = new Float64Array(n);
  const side = new Float64Array(n);
  let off = 0;
  for (const b of batches) {
    const len = b.length;
    const map = b.instruments.map((s) => dict.id(s));
    for (let i = 0; i < len; i++) inst[off + i] = map[b.inst[i] ?? 0] ?? 0;
    id.set(b.id.subarray(0, len), off);
    ts.set(b.ts.subarray(0, len), off);
    localTs.set(b.localTs.subarray(0, len), off);
    price.set(b.price.subarray(0, len), off);
    size.set(b.size.subarray(0, len), off);
    for (let i = 0; i < len; i++) side[off + i] = b.side[i] ?? 0;
    off += len;
  }
  return { table: TRADES.name, rows: n, columns: [inst, id, ts, localTs, price, size, side] };
}

/** Above this many rows of capacity, buffers left over from a burst are released after a take. */
const KEEP_CAPACITY = 65_536;

/**
 * Accumulates one checkpoint's outputs in columnar form, ready for the store; `take()`
 * hands over a `PackedWrite` and starts over. Bars and indicators (the bulk) are packed as
 * they are added; the small tables are kept as objects and packed at `take()`.
 */
export class WriteBuffer {
  private dict = new Dict();
  private readonly bars = new GrowingColumns(2, BAR_NUMBERS.length);
  private readonly indicators = new GrowingColumns(2, INDICATOR_NUMBERS.length);
  private readonly caches = [new DictCache(), new DictCache(), new DictCache(), new DictCache()];
  private alerts: Alert[] = [];
  private windows: WindowStats[] = [];
  private late: LateTrade[] = [];
  private rejects: Reject[] = [];
  private gaps: FeedGap[] = [];
  private predictions: Prediction[] = [];
  private modelMetrics: ModelMetrics[] = [];
  private modelVersions: ModelVersion[] = [];
  private trades: TradeBatch[] = [];
  private tradeRows = 0;
  private droppedInterim = 0;

  /** Rows buffered, all tables. */
  get rows(): number {
    return (
      this.bars.rows +
      this.indicators.rows +
      this.alerts.length +
      this.windows.length +
      this.late.length +
      this.rejects.length +
      this.gaps.length +
      this.predictions.length +
      this.modelMetrics.length +
      this.modelVersions.length +
      this.tradeRows
    );
  }

  /** Only final bars are stored; interim ones are counted as dropped. */
  addBars(bars: readonly Bar[]): void {
    const t = this.bars;
    t.reserve(bars.length);
    const [inst, interval] = t.ids as [Uint32Array, Uint32Array];
    const [start, end, open, high, low, close, volume, quote, buy, sell, trades, vwap, first, last, revision] = t.nums as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const [ci, cv] = this.caches as [DictCache, DictCache];
    const dict = this.dict;
    let i = t.rows;
    for (const b of bars) {
      if (!b.final) {
        this.droppedInterim++;
        continue;
      }
      inst[i] = ci.id(dict, b.instrument);
      interval[i] = cv.id(dict, b.interval);
      start[i] = b.start;
      end[i] = b.end;
      open[i] = b.open;
      high[i] = b.high;
      low[i] = b.low;
      close[i] = b.close;
      volume[i] = b.volume;
      quote[i] = b.quoteVolume;
      buy[i] = b.buyVolume;
      sell[i] = b.sellVolume;
      trades[i] = b.trades;
      vwap[i] = b.vwap;
      first[i] = b.firstTradeId;
      last[i] = b.lastTradeId;
      revision[i] = b.revision;
      i++;
    }
    t.rows = i;
  }

  addIndicators(rows: readonly IndicatorSet[]): void {
    const t = this.indicators;
    t.reserve(rows.length);
    const [inst, interval] = t.ids as [Uint32Array, Uint32Array];
    const [start, close, sma, emaFast, emaSlow, rsi, macd, macdSignal, macdHist, bbUpper, bbMiddle, bbLower, atr, logReturn, realizedVol] =
      t.nums as [
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
        Float64Array,
      ];
    const [, , ci, cv] = this.caches as [DictCache, DictCache, DictCache, DictCache];
    const dict = this.dict;
    let i = t.rows;
    for (const r of rows) {
      inst[i] = ci.id(dict, r.instrument);
      interval[i] = cv.id(dict, r.interval);
      start[i] = r.start;
      close[i] = r.close;
      sma[i] = orNaN(r.sma);
      emaFast[i] = orNaN(r.emaFast);
      emaSlow[i] = orNaN(r.emaSlow);
      rsi[i] = orNaN(r.rsi);
      macd[i] = orNaN(r.macd);
      macdSignal[i] = orNaN(r.macdSignal);
      macdHist[i] = orNaN(r.macdHist);
      bbUpper[i] = orNaN(r.bbUpper);
      bbMiddle[i] = orNaN(r.bbMiddle);
      bbLower[i] = orNaN(r.bbLower);
      atr[i] = orNaN(r.atr);
      logReturn[i] = orNaN(r.logReturn);
      realizedVol[i] = orNaN(r.realizedVol);
      i++;
    }
    t.rows = i;
  }

  /**
   * The final bars of a column record (copies columns, no object per row); returns how many.
   * The interim ones are skipped without counting them as dropped: the split deployment's sink
   * receives them for the live feed, on purpose (`addBars` counts interim bars it is given,
   * which the store warns about).
   */
  addBarColumns(src: ColumnSource): number {
    return this.addColumns(this.bars, src, BAR_FIELDS, 0, src.bool('final'));
  }

  /** Indicator sets as columns (null as NaN, as `addIndicators`). */
  addIndicatorColumns(src: ColumnSource): void {
    this.addColumns(this.indicators, src, INDICATOR_FIELDS, 2, undefined);
  }

  /** Appends the rows `keep` marks (all without it); returns how many. */
  private addColumns(t: GrowingColumns, src: ColumnSource, fields: readonly string[], cache: number, keep: Uint8Array | undefined): number {
    const n = src.length;
    let kept = n;
    if (keep) {
      kept = 0;
      for (let j = 0; j < n; j++) kept += keep[j] === 1 ? 1 : 0;
    }
    if (kept === 0) return 0;
    t.reserve(kept);
    const at = t.rows;
    const [inst, interval] = t.ids as [Uint32Array, Uint32Array];
    const ci = this.caches[cache] as DictCache;
    const cv = this.caches[cache + 1] as DictCache;
    const dict = this.dict;
    const instOf = src.strings('instrument');
    const intervalOf = src.strings('interval');
    let i = at;
    for (let j = 0; j < n; j++) {
      if (keep && keep[j] !== 1) continue;
      inst[i] = ci.id(dict, instOf(j));
      interval[i] = cv.id(dict, intervalOf(j));
      i++;
    }
    fields.forEach((f, c) => {
      const from = src.num(f);
      const to = t.nums[c] as Float64Array;
      if (kept === n) to.set(from, at);
      else {
        let k = at;
        for (let j = 0; j < n; j++) if ((keep as Uint8Array)[j] === 1) to[k++] = from[j] as number;
      }
    });
    t.rows = at + kept;
    return kept;
  }

  addAlerts(rows: readonly Alert[]): void {
    for (const r of rows) this.alerts.push(r);
  }

  addWindows(rows: readonly WindowStats[]): void {
    for (const r of rows) this.windows.push(r);
  }

  addLate(rows: readonly LateTrade[]): void {
    for (const r of rows) this.late.push(r);
  }

  addRejects(rows: readonly Reject[]): void {
    for (const r of rows) this.rejects.push(r);
  }

  addGaps(rows: readonly FeedGap[]): void {
    for (const r of rows) this.gaps.push(r);
  }

  addPredictions(rows: readonly Prediction[]): void {
    for (const r of rows) this.predictions.push(r);
  }

  addModelMetrics(rows: readonly ModelMetrics[]): void {
    for (const r of rows) this.modelMetrics.push(r);
  }

  addModelVersions(rows: readonly ModelVersion[]): void {
    for (const r of rows) this.modelVersions.push(r);
  }

  /** Keeps a reference: the batch must not be reused by its producer. */
  addTrades(batch: TradeBatch): void {
    if (batch.length === 0) return;
    this.trades.push(batch);
    this.tradeRows += batch.length;
  }

  add(w: StoreWrite): void {
    this.addBars(w.bars);
    this.addIndicators(w.indicators);
    this.addAlerts(w.alerts);
    this.addWindows(w.windows);
    this.addLate(w.late);
    this.addRejects(w.rejects);
    if (w.gaps) this.addGaps(w.gaps);
    if (w.predictions) this.addPredictions(w.predictions);
    if (w.modelMetrics) this.addModelMetrics(w.modelMetrics);
    if (w.modelVersions) this.addModelVersions(w.modelVersions);
    for (const b of w.trades) this.addTrades(b);
  }

  /** The buffered rows as one write (with `checkpoint`, if given); the buffer starts over. */
  take(checkpoint?: Checkpoint): PackedWrite {
    const dict = this.dict;
    const tables: PackedTable[] = [];
    if (this.bars.rows > 0) tables.push({ table: BARS.name, rows: this.bars.rows, columns: this.bars.take() });
    if (this.indicators.rows > 0) tables.push({ table: INDICATORS.name, rows: this.indicators.rows, columns: this.indicators.take() });
    if (this.alerts.length > 0) tables.push(packGeneric(ALERTS, this.alerts, ALERT_GETTERS, dict));
    if (this.windows.length > 0) tables.push(packGeneric(WINDOWS, this.windows, WINDOW_GETTERS, dict));
    if (this.late.length > 0) tables.push(packGeneric(LATE_TRADES, this.late, LATE_GETTERS, dict));
    if (this.rejects.length > 0) tables.push(packGeneric(REJECTS, this.rejects, REJECT_GETTERS, dict));
    if (this.tradeRows > 0) tables.push(packTrades(this.trades, dict));
    if (this.gaps.length > 0) tables.push(packGeneric(FEED_GAPS, this.gaps, GAP_GETTERS, dict));
    if (this.predictions.length > 0) tables.push(packGeneric(PREDICTIONS, this.predictions, PREDICTION_GETTERS, dict));
    if (this.modelMetrics.length > 0) tables.push(packGeneric(MODEL_METRICS, this.modelMetrics, MODEL_METRICS_GETTERS, dict));
    if (this.modelVersions.length > 0) tables.push(packGeneric(MODEL_VERSIONS, this.modelVersions, MODEL_VERSION_GETTERS, dict));
    const droppedInterim = this.droppedInterim;
    this.dict = new Dict();
    for (const c of this.caches) c.reset();
    this.bars.shrinkIfOver(KEEP_CAPACITY);
    this.indicators.shrinkIfOver(KEEP_CAPACITY);
    this.alerts = [];
    this.windows = [];
    this.late = [];
    this.rejects = [];
    this.gaps = [];
    this.predictions = [];
    this.modelMetrics = [];
    this.modelVersions = [];
    this.trades = [];
    this.tradeRows = 0;
    this.droppedInterim = 0;
    return checkpoint === undefined
      ? { dict: dict.strings, tables, droppedInterim }
      : { dict: dict.strings, tables, droppedInterim, checkpoint };
  }
}

export function packWrite(w: StoreWrite): PackedWrite {
  const b = new WriteBuffer();
  b.add(w);
  return b.take(w.checkpoint);
}

/** A write already packed by a `WriteBuffer`, or one to pack. */
export function isPackedWrite(w: StoreWrite | PackedWrite): w is PackedWrite {
  return 'tables' in w;
}

/** The buffers to hand to postMessage's transfer list (the sender loses them). */
export function transferables(w: PackedWrite): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const t of w.tables) {
    for (const c of t.columns) {
      if (!Array.isArray(c) && c.buffer instanceof ArrayBuffer && c.byteLength === c.buffer.byteLength) out.push(c.buffer);
    }
  }
  return out;
}
