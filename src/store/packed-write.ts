import {
  assert,
  type Alert,
  type Bar,
  type IndicatorSet,
  type LateTrade,
  type Reject,
  type TradeBatch,
  type WindowStats,
} from '../core/index.js';
import type { Checkpoint, StoreWrite } from './store.js';
import { ALERTS, BARS, INDICATORS, LATE_TRADES, REJECTS, TRADES, WINDOWS, type TableName, type TableSpec } from './tables.js';

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

/** Named Float64Array columns of `n` rows, in the order of `names`. */
function floatColumns<K extends string>(n: number, names: readonly K[]): Record<K, Float64Array> {
  return Object.fromEntries(names.map((k) => [k, new Float64Array(n)])) as Record<K, Float64Array>;
}

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

function packBars(bars: readonly Bar[], dict: Dict): { table: PackedTable; dropped: number } {
  let n = 0;
  for (const b of bars) if (b.final) n++;
  const inst = new Uint32Array(n);
  const interval = new Uint32Array(n);
  const c = floatColumns(n, BAR_NUMBERS);
  // Bars of one series come in runs; remembering the last pair skips most map lookups.
  let lastInst = '';
  let lastInstId = -1;
  let lastInterval = '';
  let lastIntervalId = -1;
  let i = 0;
  for (const b of bars) {
    if (!b.final) continue;
    if (b.instrument !== lastInst || lastInstId < 0) {
      lastInst = b.instrument;
      lastInstId = dict.id(b.instrument);
    }
    if (b.interval !== lastInterval || lastIntervalId < 0) {
      lastInterval = b.interval;
      lastIntervalId = dict.id(b.interval);
    }
    inst[i] = lastInstId;
    interval[i] = lastIntervalId;
    c.start[i] = b.start;
    c.end[i] = b.end;
    c.open[i] = b.open;
    c.high[i] = b.high;
    c.low[i] = b.low;
    c.close[i] = b.close;
    c.volume[i] = b.volume;
    c.quote_volume[i] = b.quoteVolume;
    c.buy_volume[i] = b.buyVolume;
    c.sell_volume[i] = b.sellVolume;
    c.trades[i] = b.trades;
    c.vwap[i] = b.vwap;
    c.first_trade_id[i] = b.firstTradeId;
    c.last_trade_id[i] = b.lastTradeId;
    c.revision[i] = b.revision;
    i++;
  }
  return { table: { table: BARS.name, rows: n, columns: [inst, interval, ...BAR_NUMBERS.map((k) => c[k])] }, dropped: bars.length - n };
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

function packIndicators(rows: readonly IndicatorSet[], dict: Dict): PackedTable {
  const n = rows.length;
  const inst = new Uint32Array(n);
  const interval = new Uint32Array(n);
  const c = floatColumns(n, INDICATOR_NUMBERS);
  let i = 0;
  for (const r of rows) {
    inst[i] = dict.id(r.instrument);
    interval[i] = dict.id(r.interval);
    c.start[i] = r.start;
    c.close[i] = r.close;
    c.sma[i] = orNaN(r.sma);
    c.ema_fast[i] = orNaN(r.emaFast);
    c.ema_slow[i] = orNaN(r.emaSlow);
    c.rsi[i] = orNaN(r.rsi);
    c.macd[i] = orNaN(r.macd);
    c.macd_signal[i] = orNaN(r.macdSignal);
    c.macd_hist[i] = orNaN(r.macdHist);
    c.bb_upper[i] = orNaN(r.bbUpper);
    c.bb_middle[i] = orNaN(r.bbMiddle);
    c.bb_lower[i] = orNaN(r.bbLower);
    c.atr[i] = orNaN(r.atr);
    c.log_return[i] = orNaN(r.logReturn);
    c.realized_vol[i] = orNaN(r.realizedVol);
    i++;
  }
  return { table: INDICATORS.name, rows: n, columns: [inst, interval, ...INDICATOR_NUMBERS.map((k) => c[k])] };
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

export function packWrite(w: StoreWrite): PackedWrite {
  const dict = new Dict();
  const tables: PackedTable[] = [];
  let droppedInterim = 0;
  if (w.bars.length > 0) {
    const { table, dropped } = packBars(w.bars, dict);
    droppedInterim = dropped;
    if (table.rows > 0) tables.push(table);
  }
  if (w.indicators.length > 0) tables.push(packIndicators(w.indicators, dict));
  if (w.alerts.length > 0) tables.push(packGeneric(ALERTS, w.alerts, ALERT_GETTERS, dict));
  if (w.windows.length > 0) tables.push(packGeneric(WINDOWS, w.windows, WINDOW_GETTERS, dict));
  if (w.late.length > 0) tables.push(packGeneric(LATE_TRADES, w.late, LATE_GETTERS, dict));
  if (w.rejects.length > 0) tables.push(packGeneric(REJECTS, w.rejects, REJECT_GETTERS, dict));
  const tradeRows = w.trades.reduce((a, b) => a + b.length, 0);
  if (tradeRows > 0) tables.push(packTrades(w.trades, dict));
  return w.checkpoint === undefined
    ? { dict: dict.strings, tables, droppedInterim }
    : { dict: dict.strings, tables, droppedInterim, checkpoint: w.checkpoint };
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
