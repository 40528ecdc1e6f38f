import type { WindowStats } from '../core/index.js';
import type { BarAcc } from './bar-acc.js';

export interface HoppingWindowSpec {
  readonly sizeMs: number;
  readonly slideMs: number;
}

interface Pane {
  start: number;
  trades: number;
  volume: number;
  quote: number;
  priceSum: number;
  min: number;
  max: number;
}

/**
 * A hopping window (size S sliding by H, S a multiple of H) built from panes of length H:
 * each pane is aggregated once and each window combines the last S/H panes, so a trade
 * costs the same whatever the overlap.
 */
export class HoppingWindow {
  private panes: Pane[] = [];

  constructor(readonly spec: HoppingWindowSpec) {}

  /** Called with each final pane (a time bar of length slideMs), in order. */
  onPane(instrument: string, pane: BarAcc): WindowStats {
    const end = pane.start + this.spec.slideMs;
    const from = end - this.spec.sizeMs;
    this.panes.push({
      start: pane.start,
      trades: pane.trades,
      volume: pane.totalVolume(),
      quote: pane.quoteVolume,
      priceSum: pane.priceSum,
      min: pane.low,
      max: pane.high,
    });
    while ((this.panes[0]?.start ?? end) < from) this.panes.shift();
    let trades = 0;
    let volume = 0;
    let quote = 0;
    let priceSum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const p of this.panes) {
      trades += p.trades;
      volume += p.volume;
      quote += p.quote;
      priceSum += p.priceSum;
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
    }
    const avgPrice = priceSum / trades;
    return {
      type: 'window',
      instrument,
      size: this.spec.sizeMs,
      slide: this.spec.slideMs,
      start: from,
      end,
      trades,
      volume,
      avgPrice,
      vwap: volume > 0 ? quote / volume : avgPrice,
      minPrice: min,
      maxPrice: max,
      spread: (max - min) / min,
    };
  }

  toJSON(): number[][] {
    return this.panes.map((p) => [p.start, p.trades, p.volume, p.quote, p.priceSum, p.min, p.max]);
  }

  static fromJSON(spec: HoppingWindowSpec, j: readonly (readonly number[])[]): HoppingWindow {
    const w = new HoppingWindow(spec);
    w.panes = j.map((a) => ({
      start: a[0] ?? 0,
      trades: a[1] ?? 0,
      volume: a[2] ?? 0,
      quote: a[3] ?? 0,
      priceSum: a[4] ?? 0,
      min: a[5] ?? 0,
      max: a[6] ?? 0,
    }));
    return w;
  }
}
