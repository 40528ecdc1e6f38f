import type { BarSpec } from '../core/index.js';
import { BarAcc } from './bar-acc.js';

/**
 * Information-driven bars (tick, volume, dollar): a bar closes as soon as its threshold is
 * reached, by the trade that reaches it. They follow arrival order, so unlike time bars
 * they depend on the order trades come in.
 */
export class InfoSeries {
  cur: BarAcc = new BarAcc().reset(0, 0);
  private readonly metric: 0 | 1 | 2;
  readonly threshold: number;

  constructor(readonly spec: Exclude<BarSpec, { kind: 'time' }>) {
    this.metric = spec.kind === 'tick' ? 0 : spec.kind === 'volume' ? 1 : 2;
    this.threshold = spec.threshold;
  }

  /** Adds a trade; returns the finished bar when this trade completes it. */
  add(ts: number, price: number, size: number, id: number, side: number): BarAcc | undefined {
    const b = this.cur;
    if (b.trades === 0) {
      b.start = ts;
      b.end = ts;
    }
    b.add(ts, price, size, id, side);
    if (ts < b.start) b.start = ts;
    if (ts > b.end) b.end = ts;
    const reached = this.metric === 0 ? b.trades : this.metric === 1 ? b.totalVolume() : b.quoteVolume;
    if (reached < this.threshold) return undefined;
    this.cur = new BarAcc().reset(0, 0);
    return b;
  }
}
