import type { DuckDBValue } from '@duckdb/node-api';
import {
  TickflowError,
  type Alert,
  type AlertKind,
  type Bar,
  type FeedGap,
  type IndicatorSet,
  type LateTrade,
  type Reject,
  type Severity,
  type WindowStats,
} from '../core/index.js';

/**
 * Rows read back from DuckDB → core's record shapes: `type` tag included, BIGINT read as
 * number (times and ids are far below 2^53), NULL indicator values as null. Each mapper
 * pairs with the column list it expects, so a query and its mapper cannot drift apart.
 */
type Row = readonly DuckDBValue[];

function num(v: DuckDBValue | undefined, col: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new TickflowError('INTERNAL', `store: column ${col} is ${v === null ? 'NULL' : typeof v}, expected a number`);
}

function numOrNull(v: DuckDBValue | undefined, col: string): number | null {
  return v === null ? null : num(v, col);
}

function str(v: DuckDBValue | undefined, col: string): string {
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

export { num as readNumber, numOrNull as readNumberOrNull, str as readString };
