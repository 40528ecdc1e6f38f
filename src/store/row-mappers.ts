import {
  TickflowError,
  type Alert,
  type AlertKind,
  type Bar,
  type FeedGap,
  type IndicatorSet,
  type LateTrade,
  type MetricSetRecord,
  type ModelMetrics,
  type ModelStatus,
  type ModelVersion,
  type ModelVersionReason,
  type Prediction,
  type Reject,
  type Severity,
  type WindowStats,
} from '../core/index.js';

/**
 * Rows read back from the store (DuckDB or PostgreSQL) → core's record shapes: `type` tag included, BIGINT read as
 * number (times and ids are far below 2^53), NULL indicator values as null. Each mapper
 * pairs with the column list it expects, so a query and its mapper cannot drift apart.
 */
export type Row = readonly unknown[];

function num(v: unknown, col: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new TickflowError('INTERNAL', `store: column ${col} is ${v === null ? 'NULL' : typeof v}, expected a number`);
}

function numOrNull(v: unknown, col: string): number | null {
  return v === null ? null : num(v, col);
}

function str(v: unknown, col: string): string {
  if (typeof v === 'string') return v;
  throw new TickflowError('INTERNAL', `store: column ${col} is ${v === null ? 'NULL' : typeof v}, expected text`);
}

const ALERT_KINDS: readonly string[] = ['return_zscore', 'volume_spike', 'price_gap'];
const SEVERITIES: readonly string[] = ['info', 'warning', 'critical'];

const isKind = (s: string): s is AlertKind => ALERT_KINDS.includes(s);
const isSeverity = (s: string): s is Severity => SEVERITIES.includes(s);

export const BAR_COLUMNS = `instrument, interval, start, "end", open, high, low, close, volume, quote_volume, buy_volume, sell_volume, trades, vwap, first_trade_id, last_trade_id, revision`;

export function toBar(r: Row): Bar {
  return {
    type: 'bar',
    instrument: str(r[0], 'instrument'),
    interval: str(r[1], 'interval'),
    start: num(r[2], 'start'),
    end: num(r[3], 'end'),
    open: num(r[4], 'open'),
    high: num(r[5], 'high'),
    low: num(r[6], 'low'),
    close: num(r[7], 'close'),
    volume: num(r[8], 'volume'),
    quoteVolume: num(r[9], 'quote_volume'),
    buyVolume: num(r[10], 'buy_volume'),
    sellVolume: num(r[11], 'sell_volume'),
    trades: num(r[12], 'trades'),
    vwap: num(r[13], 'vwap'),
    firstTradeId: num(r[14], 'first_trade_id'),
    lastTradeId: num(r[15], 'last_trade_id'),
    final: true,
    revision: num(r[16], 'revision'),
  };
}

export const INDICATOR_COLUMNS = `instrument, interval, start, close, sma, ema_fast, ema_slow, rsi, macd, macd_signal, macd_hist, bb_upper, bb_middle, bb_lower, atr, log_return, realized_vol`;

export function toIndicatorSet(r: Row): IndicatorSet {
  return {
    type: 'indicators',
    instrument: str(r[0], 'instrument'),
    interval: str(r[1], 'interval'),
    start: num(r[2], 'start'),
    close: num(r[3], 'close'),
    sma: numOrNull(r[4], 'sma'),
    emaFast: numOrNull(r[5], 'ema_fast'),
    emaSlow: numOrNull(r[6], 'ema_slow'),
    rsi: numOrNull(r[7], 'rsi'),
    macd: numOrNull(r[8], 'macd'),
    macdSignal: numOrNull(r[9], 'macd_signal'),
    macdHist: numOrNull(r[10], 'macd_hist'),
    bbUpper: numOrNull(r[11], 'bb_upper'),
    bbMiddle: numOrNull(r[12], 'bb_middle'),
    bbLower: numOrNull(r[13], 'bb_lower'),
    atr: numOrNull(r[14], 'atr'),
    logReturn: numOrNull(r[15], 'log_return'),
    realizedVol: numOrNull(r[16], 'realized_vol'),
  };
}

export const ALERT_COLUMNS = `instrument, interval, start, time, kind, severity, value, threshold, message`;

export function toAlert(r: Row): Alert {
  const kind = str(r[4], 'kind');
  const severity = str(r[5], 'severity');
  if (!isKind(kind) || !isSeverity(severity)) {
    throw new TickflowError('INTERNAL', `store: alert has unknown kind '${kind}' or severity '${severity}'`);
  }
  return {
    type: 'alert',
    instrument: str(r[0], 'instrument'),
    interval: str(r[1], 'interval'),
    start: num(r[2], 'start'),
    time: num(r[3], 'time'),
    kind,
    severity,
    value: num(r[6], 'value'),
    threshold: num(r[7], 'threshold'),
    message: str(r[8], 'message'),
  };
}

export const WINDOW_COLUMNS = `instrument, size, slide, start, "end", trades, volume, avg_price, vwap, min_price, max_price, spread`;

export function toWindowStats(r: Row): WindowStats {
  return {
    type: 'window',
    instrument: str(r[0], 'instrument'),
    size: num(r[1], 'size'),
    slide: num(r[2], 'slide'),
    start: num(r[3], 'start'),
    end: num(r[4], 'end'),
    trades: num(r[5], 'trades'),
    volume: num(r[6], 'volume'),
    avgPrice: num(r[7], 'avg_price'),
    vwap: num(r[8], 'vwap'),
    minPrice: num(r[9], 'min_price'),
    maxPrice: num(r[10], 'max_price'),
    spread: num(r[11], 'spread'),
  };
}

export const GAP_COLUMNS = `instrument, start, "end", kind, missing, source, time`;

export function toFeedGap(r: Row): FeedGap {
  const kind = str(r[3], 'kind');
  return {
    type: 'gap',
    instrument: str(r[0], 'instrument'),
    start: num(r[1], 'start'),
    end: num(r[2], 'end'),
    kind: kind === 'ids' ? 'ids' : 'disconnect',
    missing: num(r[4], 'missing'),
    source: str(r[5], 'source'),
    time: num(r[6], 'time'),
  };
}

export const LATE_COLUMNS = `instrument, id, ts, local_ts, price, size, side, watermark`;

export function toLateTrade(r: Row): LateTrade {
  return {
    type: 'late',
    instrument: str(r[0], 'instrument'),
    id: num(r[1], 'id'),
    timestamp: num(r[2], 'ts'),
    localTimestamp: num(r[3], 'local_ts'),
    price: num(r[4], 'price'),
    size: num(r[5], 'size'),
    side: num(r[6], 'side'),
    watermark: num(r[7], 'watermark'),
  };
}

export const REJECT_COLUMNS = `source, position, reason, message, raw, time`;

export function toReject(r: Row): Reject {
  return {
    type: 'reject',
    source: str(r[0], 'source'),
    position: str(r[1], 'position'),
    reason: str(r[2], 'reason'),
    message: str(r[3], 'message'),
    raw: str(r[4], 'raw'),
    time: num(r[5], 'time'),
  };
}

export const PREDICTION_COLUMNS = `instrument, interval, model, start, target, close, forecast_return, p_up, predicted_close, champion`;

export function toPrediction(r: Row): Prediction {
  return {
    type: 'prediction',
    instrument: str(r[0], 'instrument'),
    interval: str(r[1], 'interval'),
    model: str(r[2], 'model'),
    start: num(r[3], 'start'),
    target: num(r[4], 'target'),
    close: num(r[5], 'close'),
    return: num(r[6], 'forecast_return'),
    pUp: num(r[7], 'p_up'),
    predictedClose: num(r[8], 'predicted_close'),
    champion: num(r[9], 'champion') === 1,
  };
}

const METRIC_NAMES = ['n', 'rmse', 'mae', 'directional_accuracy', 'log_loss', 'brier', 'auc'];

/** The column list of both metric sets, cumulative then rolling (tables.ts METRIC_COLUMNS). */
export const METRIC_SET_COLUMNS = [...METRIC_NAMES, ...METRIC_NAMES.map((m) => `r_${m}`)].join(', ');

/** A metric set from 7 columns starting at `at`. */
export function toMetricSet(r: Row, at: number): MetricSetRecord {
  return {
    n: num(r[at], 'n'),
    rmse: numOrNull(r[at + 1], 'rmse'),
    mae: numOrNull(r[at + 2], 'mae'),
    directionalAccuracy: numOrNull(r[at + 3], 'directional_accuracy'),
    logLoss: numOrNull(r[at + 4], 'log_loss'),
    brier: numOrNull(r[at + 5], 'brier'),
    auc: numOrNull(r[at + 6], 'auc'),
  };
}

const STATUSES: readonly string[] = ['champion', 'challenger', 'quarantined'];
export function toModelStatus(v: unknown): ModelStatus {
  const s = str(v, 'status');
  return STATUSES.includes(s) ? (s as ModelStatus) : 'challenger';
}

export const MODEL_METRICS_COLUMNS = `instrument, interval, model, kind, time, status, updates, ${METRIC_SET_COLUMNS}`;

export function toModelMetrics(r: Row): ModelMetrics {
  return {
    type: 'model-metrics',
    instrument: str(r[0], 'instrument'),
    interval: str(r[1], 'interval'),
    model: str(r[2], 'model'),
    kind: str(r[3], 'kind'),
    time: num(r[4], 'time'),
    status: toModelStatus(r[5]),
    updates: num(r[6], 'updates'),
    cumulative: toMetricSet(r, 7),
    rolling: toMetricSet(r, 14),
  };
}

export const MODEL_VERSION_COLUMNS = `instrument, interval, model, kind, version, time, reason, status, params, features, trained_from, trained_to, updates, ${METRIC_SET_COLUMNS}, detail`;

const REASONS: readonly string[] = ['snapshot', 'champion', 'promote', 'retrain', 'quarantine'];

function json(v: unknown, col: string): unknown {
  const text = str(v, col);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TickflowError('INTERNAL', `store: column ${col} does not hold JSON`);
  }
}

/** A registry entry from MODEL_VERSION_COLUMNS (+ `state` as column 28 when `withState`). */
export function toModelVersion(r: Row, withState: boolean): ModelVersion | Omit<ModelVersion, 'state'> {
  const reason = str(r[6], 'reason');
  const detail = str(r[27], 'detail');
  const base = {
    type: 'model-version' as const,
    instrument: str(r[0], 'instrument'),
    interval: str(r[1], 'interval'),
    model: str(r[2], 'model'),
    kind: str(r[3], 'kind'),
    version: num(r[4], 'version'),
    time: num(r[5], 'time'),
    reason: (REASONS.includes(reason) ? reason : 'snapshot') as ModelVersionReason,
    status: toModelStatus(r[7]),
    params: json(r[8], 'params') as ModelVersion['params'],
    features: json(r[9], 'features') as string[],
    trainedFrom: numOrNull(r[10], 'trained_from'),
    trainedTo: numOrNull(r[11], 'trained_to'),
    updates: num(r[12], 'updates'),
    cumulative: toMetricSet(r, 13),
    rolling: toMetricSet(r, 20),
    detail: detail === '' ? null : detail,
  };
  return withState ? { ...base, state: json(r[28], 'state') } : base;
}

export { num as readNumber, numOrNull as readNumberOrNull, str as readString };
