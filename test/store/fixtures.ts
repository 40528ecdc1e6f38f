import type { Alert, Bar, IndicatorSet, LateTrade, Reject, WindowStats } from '../../src/core/index.js';
import { batchFromTrades, epochMs, instrumentId, type TradeBatch } from '../../src/core/index.js';
import type { EngineOptions } from '../../src/store/duckdb-engine.js';
import type { StoreWrite } from '../../src/store/index.js';

/** Record factories for store tests: deterministic values derived from an index. */
export const T0 = Date.UTC(2024, 2, 1); // 2024-03-01T00:00:00Z
export const MIN = 60_000;
export const BTC = 'binance:BTCUSDT';
export const ETH = 'binance:ETHUSDT';
/** A symbol with '/' and ':' — both need escaping in hive partition paths. */
export const SLASH = 'coinbase:BTC/USD';

/** Options of a writable DuckDbEngine in `dir` (lake in `dir/lake`, 256MB, no cache trim, one thread), with `over` on top. */
export function engineOptions(dir: string, over: Partial<EngineOptions> = {}): EngineOptions {
  return {
    dataDir: dir,
    readOnly: false,
    lakeDir: `${dir}/lake`,
    lakeCompression: 'snappy',
    memoryLimit: '256MB',
    cacheLimit: 0,
    threads: 1,
    ...over,
  };
}

export const EMPTY: StoreWrite = { bars: [], indicators: [], alerts: [], windows: [], late: [], rejects: [], trades: [] };

export function write(parts: Partial<StoreWrite>): StoreWrite {
  return { ...EMPTY, ...parts };
}

export function bar(i: number, instrument = BTC, interval = '1m', ms = MIN): Bar {
  const start = T0 + i * ms;
  return {
    type: 'bar',
    instrument,
    interval,
    start,
    end: start + ms,
    open: 100 + i,
    high: 101.5 + i,
    low: 99.25 + i,
    close: 100.75 + i,
    volume: 3.5,
    quoteVolume: 352.625 + i,
    buyVolume: 2,
    sellVolume: 1.5,
    trades: 7,
    vwap: 100.75 + i / 2,
    firstTradeId: 1000 + i * 7,
    lastTradeId: 1006 + i * 7,
    final: true,
    revision: 0,
  };
}

export function bars(n: number, instrument = BTC, interval = '1m', ms = MIN): Bar[] {
  return Array.from({ length: n }, (_, i) => bar(i, instrument, interval, ms));
}

export function indicatorSet(i: number, instrument = BTC, interval = '1m'): IndicatorSet {
  const warm = i >= 3;
  return {
    type: 'indicators',
    instrument,
    interval,
    start: T0 + i * MIN,
    close: 100.75 + i,
    sma: warm ? 99.5 + i : null,
    emaFast: warm ? 99.6 + i : null,
    emaSlow: warm ? 99.4 + i : null,
    rsi: warm ? 55.5 : null,
    macd: warm ? 0.25 : null,
    macdSignal: warm ? 0.125 : null,
    macdHist: warm ? 0.125 : null,
    bbUpper: warm ? 102 + i : null,
    bbMiddle: warm ? 100 + i : null,
    bbLower: warm ? 98 + i : null,
    atr: warm ? 1.5 : null,
    logReturn: i > 0 ? 0.001 * i : null,
    realizedVol: warm ? 0.45 : null,
  };
}

export function alert(i: number, instrument = BTC, kind: Alert['kind'] = 'return_zscore', severity: Alert['severity'] = 'warning'): Alert {
  const start = T0 + i * MIN;
  return {
    type: 'alert',
    instrument,
    interval: '1m',
    start,
    time: start + MIN,
    kind,
    severity,
    value: 4.5 + i,
    threshold: 4,
    message: `z=${4.5 + i}`,
  };
}

export function windowStats(i: number, instrument = BTC, size = 5 * MIN, slide = MIN): WindowStats {
  const start = T0 + i * slide;
  return {
    type: 'window',
    instrument,
    size,
    slide,
    start,
    end: start + size,
    trades: 40 + i,
    volume: 12.5,
    avgPrice: 100.5,
    vwap: 100.25,
    minPrice: 99,
    maxPrice: 102,
    spread: 3 / 99,
  };
}

export function lateTrade(i: number, id = 5000 + i, instrument = BTC): LateTrade {
  const ts = T0 + i * 1000;
  return {
    type: 'late',
    instrument,
    id,
    timestamp: ts,
    localTimestamp: ts + 5000,
    price: 100 + i / 4,
    size: 0.5,
    side: 1,
    watermark: ts + 4000,
  };
}

export function reject(i: number, reason = 'BAD_PRICE', time = T0 + i): Reject {
  return {
    type: 'reject',
    source: 'trades.csv',
    position: String(10 + i),
    reason,
    message: `price -${i} is not positive`,
    raw: `${i},-${i},1`,
    time,
  };
}

export function tradeBatch(n: number, instrument = BTC, startId = 1, t0 = T0): TradeBatch {
  const inst = instrumentId(instrument.split(':')[0] ?? '', instrument.split(':')[1] ?? '');
  return batchFromTrades(
    Array.from({ length: n }, (_, i) => ({
      type: 'trade' as const,
      instrument: inst,
      id: startId + i,
      timestamp: epochMs(t0 + i * 250),
      localTimestamp: epochMs(t0 + i * 250 + 30),
      price: 100 + (i % 10) / 10,
      size: 0.25,
      side: (i % 2 === 0 ? 1 : -1) as 1 | -1,
    })),
  );
}

/** A deterministic order for comparing sets of records. */
export function byJson<T>(a: T, b: T): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
