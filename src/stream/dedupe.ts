/**
 * Drops repeated trade ids of one instrument within a bounded window. Venues number trades
 * in increasing order, so the state is the highest id seen plus the ids *skipped* below it
 * (holes: trades that may still arrive out of order), not every id seen: a contiguous feed
 * costs one comparison per trade. Ids more than `window` below the highest are outside the
 * window: they are accepted and counted as unchecked rather than dropped, since a guess
 * must never lose a real trade.
 */
export class TradeIdDeduper {
  private maxId = -1;
  /** Ids below this are outside the window. */
  private floor = 0;
  /** Hole ranges [lo, hi] (inclusive) below maxId, ascending, flattened pairs. */
  private holes: number[] = [];
  unchecked = 0;

  constructor(private readonly window = 1_000_000) {}

  /** Returns true when the trade is new (and records it), false when it is a duplicate. */
  accept(id: number): boolean {
    if (id < 0) return true;
    const max = this.maxId;
    if (max < 0) {
      // Ids below the first one seen may still arrive (out of order): they are holes.
      this.floor = Math.max(0, id - this.window);
      if (id > this.floor) this.holes.push(this.floor, id - 1);
      this.maxId = id;
      return true;
    }
    if (id === max + 1) {
      this.maxId = id;
      return true;
    }
    if (id > max) {
      this.holes.push(max + 1, id - 1);
      this.maxId = id;
      this.evict();
      return true;
    }
    if (id === max) return false;
    if (id < this.floor) {
      this.unchecked++;
      return true;
    }
    return this.fill(id);
  }

  private fill(id: number): boolean {
    const h = this.holes;
    // Holes are few; a linear scan from the newest end is cheap and usually hits at once.
    for (let i = h.length - 2; i >= 0; i -= 2) {
      const lo = h[i] ?? 0;
      const hi = h[i + 1] ?? 0;
      if (id > hi) return false;
      if (id < lo) continue;
      if (lo === hi) h.splice(i, 2);
      else if (id === lo) h[i] = lo + 1;
      else if (id === hi) h[i + 1] = hi - 1;
      else h.splice(i, 2, lo, id - 1, id + 1, hi);
      return true;
    }
    return false;
  }

  private evict(): void {
    this.floor = Math.max(this.floor, this.maxId - this.window);
    const h = this.holes;
    let k = 0;
    while (k < h.length && (h[k + 1] ?? 0) < this.floor) k += 2;
    if (h.length - k > 2048) {
      k = h.length - 2048;
      this.floor = (h[k - 1] ?? 0) + 1;
    }
    if (k > 0) h.splice(0, k);
  }

  toJSON(): [number, number, number[], number] {
    return [this.maxId, this.floor, this.holes, this.unchecked];
  }

  static fromJSON(j: readonly [number, number, number[], number], window?: number): TradeIdDeduper {
    const d = new TradeIdDeduper(window);
    d.maxId = j[0];
    d.floor = j[1];
    d.holes = [...j[2]];
    d.unchecked = j[3];
    return d;
  }
}
