import type { Bar } from '../core/index.js';

/**
 * A bar being built. Open and close are chosen by event time (then trade id), not by
 * arrival order, so out-of-order input within the allowed lateness gives the same bar.
 * Volume is summed with Neumaier compensation: a day of a busy market is ~10^6 trades and
 * a plain sum would drift in the 8th decimal that the exchanges publish.
 */
export class BarAcc {
  start = 0;
  end = 0;
  open = 0;
  high = -Infinity;
  low = Infinity;
  close = 0;
  openTs = Infinity;
  openId = Infinity;
  closeTs = -Infinity;
  closeId = -Infinity;
  volume = 0;
  volumeC = 0;
  quoteVolume = 0;
  buyVolume = 0;
  sellVolume = 0;
  priceSum = 0;
  trades = 0;
  firstTradeId = Infinity;
  lastTradeId = -Infinity;
  revision = 0;
  /** Changed since the last interim snapshot. */
  dirty = false;

  reset(start: number, end: number): this {
    this.start = start;
    this.end = end;
    this.open = 0;
    this.high = -Infinity;
    this.low = Infinity;
    this.close = 0;
    this.openTs = Infinity;
    this.openId = Infinity;
    this.closeTs = -Infinity;
    this.closeId = -Infinity;
    this.volume = 0;
    this.volumeC = 0;
    this.quoteVolume = 0;
    this.buyVolume = 0;
    this.sellVolume = 0;
    this.priceSum = 0;
    this.trades = 0;
    this.firstTradeId = Infinity;
    this.lastTradeId = -Infinity;
    this.revision = 0;
    this.dirty = false;
    return this;
  }

  add(ts: number, price: number, size: number, id: number, side: number): void {
    if (ts < this.openTs || (ts === this.openTs && id < this.openId)) {
      this.open = price;
      this.openTs = ts;
      this.openId = id;
    }
    if (ts > this.closeTs || (ts === this.closeTs && id >= this.closeId)) {
      this.close = price;
      this.closeTs = ts;
      this.closeId = id;
    }
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    const v = this.volume;
    const t = v + size;
    this.volumeC += Math.abs(v) >= size ? v - t + size : size - t + v;
    this.volume = t;
    this.quoteVolume += price * size;
    if (side > 0) this.buyVolume += size;
    else if (side < 0) this.sellVolume += size;
    this.priceSum += price;
    this.trades++;
    if (id >= 0) {
      if (id < this.firstTradeId) this.firstTradeId = id;
      if (id > this.lastTradeId) this.lastTradeId = id;
    }
    this.dirty = true;
  }

  /**
   * Folds a finished finer bar into this one (a 1 m bar from its 1 s bars). The result is
   * the bar the trades themselves would give: open/close by (time, id), extremes, sums.
   */
  merge(o: BarAcc): void {
    if (o.trades === 0) return;
    if (o.openTs < this.openTs || (o.openTs === this.openTs && o.openId < this.openId)) {
      this.open = o.open;
      this.openTs = o.openTs;
      this.openId = o.openId;
    }
    if (o.closeTs > this.closeTs || (o.closeTs === this.closeTs && o.closeId >= this.closeId)) {
      this.close = o.close;
      this.closeTs = o.closeTs;
      this.closeId = o.closeId;
    }
    if (o.high > this.high) this.high = o.high;
    if (o.low < this.low) this.low = o.low;
    this.addVolume(o.volume);
    this.addVolume(o.volumeC);
    this.quoteVolume += o.quoteVolume;
    this.buyVolume += o.buyVolume;
    this.sellVolume += o.sellVolume;
    this.priceSum += o.priceSum;
    this.trades += o.trades;
    if (o.firstTradeId < this.firstTradeId) this.firstTradeId = o.firstTradeId;
    if (o.lastTradeId > this.lastTradeId) this.lastTradeId = o.lastTradeId;
    this.dirty = true;
  }

  private addVolume(x: number): void {
    const v = this.volume;
    const t = v + x;
    this.volumeC += Math.abs(v) >= Math.abs(x) ? v - t + x : x - t + v;
    this.volume = t;
  }

  /** Makes this a copy of `o` (reusing this object). */
  copyFrom(o: BarAcc): this {
    return Object.assign(this, o);
  }

  totalVolume(): number {
    return this.volume + this.volumeC;
  }

  toBar(instrument: string, interval: string, final: boolean): Bar {
    const volume = this.totalVolume();
    return {
      type: 'bar',
      instrument,
      interval,
      start: this.start,
      end: this.end,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume,
      quoteVolume: this.quoteVolume,
      buyVolume: this.buyVolume,
      sellVolume: this.sellVolume,
      trades: this.trades,
      vwap: volume > 0 ? this.quoteVolume / volume : this.priceSum / this.trades,
      firstTradeId: this.firstTradeId === Infinity ? -1 : this.firstTradeId,
      lastTradeId: this.lastTradeId === -Infinity ? -1 : this.lastTradeId,
      final,
      revision: this.revision,
    };
  }

  toJSON(): number[] {
    return [
      this.start,
      this.end,
      this.open,
      this.high,
      this.low,
      this.close,
      this.openTs,
      this.openId,
      this.closeTs,
      this.closeId,
      this.volume,
      this.volumeC,
      this.quoteVolume,
      this.buyVolume,
      this.sellVolume,
      this.priceSum,
      this.trades,
      this.firstTradeId,
      this.lastTradeId,
      this.revision,
    ];
  }

  static fromJSON(a: readonly (number | null)[]): BarAcc {
    // JSON turns ±Infinity into null; the fields that can hold them are restored by position.
    const n = (i: number, inf: number): number => {
      const v = a[i];
      return v === null || v === undefined ? inf : v;
    };
    const b = new BarAcc();
    b.start = n(0, 0);
    b.end = n(1, 0);
    b.open = n(2, 0);
    b.high = n(3, -Infinity);
    b.low = n(4, Infinity);
    b.close = n(5, 0);
    b.openTs = n(6, Infinity);
    b.openId = n(7, Infinity);
    b.closeTs = n(8, -Infinity);
    b.closeId = n(9, -Infinity);
    b.volume = n(10, 0);
    b.volumeC = n(11, 0);
    b.quoteVolume = n(12, 0);
    b.buyVolume = n(13, 0);
    b.sellVolume = n(14, 0);
    b.priceSum = n(15, 0);
    b.trades = n(16, 0);
    b.firstTradeId = n(17, Infinity);
    b.lastTradeId = n(18, -Infinity);
    b.revision = n(19, 0);
    return b;
  }
}
