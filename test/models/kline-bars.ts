import { readFileSync } from 'node:fs';
import type { Bar, IndicatorSet } from '../../src/core/index.js';
import { IndicatorEngine } from '../../src/stream/indicators/index.js';
import { sharedData } from '../helpers.js';

/**
 * Final 1m bars straight from a Binance kline CSV (open_time, open, high, low, close, volume,
 * close_time, quote_volume, count, taker_buy_volume, ...): vwap = quote volume / volume (the close
 * when nothing traded), buyVolume = taker buy volume. Undefined when the shared data is absent.
 */
export function loadKlineBars(rel: string, instrument: string, limit = Infinity): Bar[] | undefined {
  const path = sharedData(rel);
  if (path === undefined) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  const bars: Bar[] = [];
  for (let i = 1; i < lines.length && bars.length < limit; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const f = line.split(',').map(Number);
    const n = (k: number): number => f[k] ?? NaN;
    const start = n(0);
    const volume = n(5);
    const quoteVolume = n(7);
    const buyVolume = n(9);
    bars.push({
      type: 'bar',
      instrument,
      interval: '1m',
      start,
      end: start + 60_000,
      open: n(1),
      high: n(2),
      low: n(3),
      close: n(4),
      volume,
      quoteVolume,
      buyVolume,
      sellVolume: volume - buyVolume,
      trades: n(8),
      vwap: volume > 0 ? quoteVolume / volume : n(4),
      firstTradeId: 0,
      lastTradeId: 0,
      final: true,
      revision: 0,
    });
  }
  return bars;
}

/** The indicator set the pipeline computes at each bar close (the repo's IndicatorEngine, default periods). */
export function indicatorSets(bars: readonly Bar[], instrument: string): IndicatorSet[] {
  const engine = new IndicatorEngine({ instrument, interval: '1m' });
  return bars.map((b) => engine.onBar(b));
}
