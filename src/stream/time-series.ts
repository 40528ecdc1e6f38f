import type { BarAcc as BarAccT } from './bar-acc.js';
import { BarAcc } from './bar-acc.js';

/**
 * The open time bars of one (instrument, interval), oldest first. With lateness shorter
 * than the interval there is one; a 1 s interval with 2 s lateness keeps up to three.
 */
export class TimeSeries {
  readonly open: BarAccT[] = [];
  /** The newest open bar: the one nearly every in-order trade lands in. */
  cur: BarAccT | null = null;
  /** Recently finalized bars, kept only when late data may revise them. */
  readonly recent: BarAccT[] = [];

  constructor(
    readonly name: string,
    readonly ms: number,
  ) {}

  barFor(start: number): BarAccT {
    const cur = this.cur;
    if (cur !== null && cur.start === start) return cur;
    if (cur === null || start > cur.start) {
      const b = new BarAcc().reset(start, start + this.ms);
      this.open.push(b);
      this.cur = b;
      return b;
    }
    // An out-of-order trade for an older bar that is still open (within lateness).
    let i = this.open.length - 1;
    while (i >= 0 && (this.open[i]?.start ?? 0) > start) i--;
    const at = this.open[i];
    if (at && at.start === start) return at;
    const b = new BarAcc().reset(start, start + this.ms);
    this.open.splice(i + 1, 0, b);
    return b;
  }

  /** Removes and returns the oldest open bar if it ends at or before `wm`. */
  popFinal(wm: number): BarAccT | undefined {
    const first = this.open[0];
    if (!first || first.end > wm) return undefined;
    this.open.shift();
    if (this.open.length === 0) this.cur = null;
    return first;
  }

  remember(b: BarAccT, keep: number): void {
    if (keep <= 0) return;
    this.recent.push(b);
    if (this.recent.length > keep) this.recent.shift();
  }

  findRecent(start: number): BarAccT | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const b = this.recent[i];
      if (b && b.start === start) return b;
    }
    return undefined;
  }
}
