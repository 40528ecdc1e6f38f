import type { Alert, Bar, IndicatorSet, LateTrade, PipelineStats, Reject, WindowStats } from '../../src/core/index.js';

/** Deterministic synthetic records for API tests and the API bench (the store's own tests use real data). */

export const T0 = Date.UTC(2026, 1, 1); // 2026-02-01T00:00:00Z

const INTERVAL_MS: Record<string, number> = { '1s': 1000, '1m': 60_000, '5m': 300_000, '1h': 3_600_000 };

export function intervalMs(interval: string): number {
  return INTERVAL_MS[interval] ?? 60_000;
}

/** A small PRNG so every run sees the same series. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function makeBar(
  instrument: string,
  interval: string,
  start: number,
  open: number,
  close: number,
  overrides: Partial<Bar> = {},
): Bar {
  const ms = intervalMs(interval);
  const volume = 1 + ((start / ms) % 7);
  return {
    type: 'bar',
    instrument,
    interval,
    start,
    end: start + ms,
    open,
    high: Math.max(open, close) * 1.001,
    low: Math.min(open, close) * 0.999,
    close,
    volume,
    quoteVolume: (volume * (open + close)) / 2,
    buyVolume: volume * 0.6,
    sellVolume: volume * 0.4,
    trades: 10,
    vwap: (open + close) / 2,
    firstTradeId: start,
    lastTradeId: start + 9,
    final: true,
    revision: 0,
    ...overrides,
  };
}

/** `n` consecutive final bars starting at `start`, a random walk from `price`. */
export function barSeries(instrument: string, interval: string, n: number, start = T0, price = 100): Bar[] {
  const rnd = prng(hash(`${instrument}|${interval}`));
  const ms = intervalMs(interval);
  const out: Bar[] = [];
  let p = price;
  for (let i = 0; i < n; i++) {
    const next = p * (1 + (rnd() - 0.5) * 0.004);
    out.push(makeBar(instrument, interval, start + i * ms, p, next));
    p = next;
  }
  return out;
}

export function indicatorsFor(bars: readonly Bar[]): IndicatorSet[] {
  return bars.map((b, i) => {
    const prev = bars[i - 1];
    const logReturn = prev === undefined ? null : Math.log(b.close / prev.close);
    return {
      type: 'indicators',
      instrument: b.instrument,
      interval: b.interval,
      start: b.start,
      close: b.close,
      sma: i >= 4 ? b.close : null,
      emaFast: b.close,
      emaSlow: b.close,
      rsi: i >= 14 ? 50 : null,
      macd: null,
      macdSignal: null,
      macdHist: null,
      bbUpper: null,
      bbMiddle: null,
      bbLower: null,
      atr: null,
      logReturn,
      realizedVol: i >= 3 ? 0.5 + (i % 5) / 100 : null,
    };
  });
}

export function makeAlert(
  instrument: string,
  start: number,
  kind: Alert['kind'] = 'volume_spike',
  severity: Alert['severity'] = 'warning',
): Alert {
  return {
    type: 'alert',
    instrument,
    interval: '1m',
    start,
    time: start + 60_000,
    kind,
    severity,
    value: 5.2,
    threshold: 3,
    message: `${kind} on ${instrument}`,
  };
}

export function makeWindow(instrument: string, start: number, size = 300_000): WindowStats {
  return {
    type: 'window',
    instrument,
    size,
    slide: 60_000,
    start,
    end: start + size,
    trades: 42,
    volume: 3.5,
    avgPrice: 100.5,
    vwap: 100.4,
    minPrice: 99,
    maxPrice: 102,
    spread: 3 / 99,
  };
}

export function makeReject(time: number, reason = 'BAD_PRICE'): Reject {
  return {
    type: 'reject',
    source: 'trades.csv',
    position: `line ${time % 1000}`,
    reason,
    message: 'price must be > 0',
    raw: '1,-5,0.1',
    time,
  };
}

export function makeLate(instrument: string, timestamp: number): LateTrade {
  return {
    type: 'late',
    instrument,
    id: timestamp,
    timestamp,
    localTimestamp: timestamp + 5000,
    price: 100,
    size: 0.1,
    side: 1,
    watermark: timestamp + 3000,
  };
}

export function makeStats(time = T0): PipelineStats {
  return {
    type: 'stats',
    time,
    startedAt: time - 60_000,
    mode: 'run',
    log: 'memory',
    stages: [{ name: 'bars', records: 1000, perSecond: 50 }],
    trades: { received: 1000, accepted: 990, rejected: 5, late: 3, duplicates: 2 },
    rejectsByReason: { BAD_PRICE: 5 },
    watermark: { instruments: 2, minEventTime: time - 5000, maxEventTime: time, maxLagMs: 2100 },
    queues: [{ name: 'trades', depth: 3, capacity: 1024 }],
    barsFinal: { '1m': 10 },
    alerts: 1,
    store: { commits: 4, lastCommitAt: time - 1000, rowsWritten: 1200 },
  };
}
