// Synthetic bars for the store benchmarks (bench/store.bench.ts, bench/postgres-store.bench.ts):
// 1-second bars of 10 instruments in time order, and an indicator row for each, as a replay
// finalizes them.
import type { Bar, IndicatorSet } from '../src/core/index.js';

export const INSTRUMENTS = Array.from({ length: 10 }, (_, i) => `binance:SYM${i}USDT`);
export const T0 = Date.UTC(2024, 0, 1);

/** 1-second bars of 10 instruments, in time order, as a replay finalizes them. */
export function makeBars(n: number, offset = 0): Bar[] {
  const out: Bar[] = [];
  for (let i = 0; i < n; i++) {
    const k = offset + i;
    const start = T0 + Math.floor(k / INSTRUMENTS.length) * 1000;
    const p = 100 + Math.sin(k / 1000) * 5;
    out.push({
      type: 'bar',
      instrument: INSTRUMENTS[k % INSTRUMENTS.length] ?? '',
      interval: '1s',
      start,
      end: start + 1000,
      open: p,
      high: p * 1.001,
      low: p * 0.999,
      close: p * 1.0005,
      volume: 3.25,
      quoteVolume: 3.25 * p,
      buyVolume: 2,
      sellVolume: 1.25,
      trades: 17,
      vwap: p,
      firstTradeId: k * 17,
      lastTradeId: k * 17 + 16,
      final: true,
      revision: 0,
    });
  }
  return out;
}

export function makeIndicators(bars: readonly Bar[]): IndicatorSet[] {
  return bars.map((b) => ({
    type: 'indicators',
    instrument: b.instrument,
    interval: b.interval,
    start: b.start,
    close: b.close,
    sma: b.close,
    emaFast: b.close,
    emaSlow: b.close,
    rsi: 50,
    macd: 0.1,
    macdSignal: 0.05,
    macdHist: 0.05,
    bbUpper: b.high,
    bbMiddle: b.close,
    bbLower: b.low,
    atr: 0.2,
    logReturn: 0.0001,
    realizedVol: null,
  }));
}
