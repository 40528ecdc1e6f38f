import type { Side, TradeBatch } from '../core/index.js';
import { NO_SPLIT, splitUnits, type UnitSplit } from './decimal.js';

/**
 * Turns one OHLCV bar into trades that aggregate back to exactly that bar: the project's
 * oracle (DESIGN.md). First trade at open, last at close, the path touches low and high in
 * between (low first when the bar closes up, as prices tend to dip before a rally), every
 * price within [low, high]. Sizes are exact decimals in units of the volume's last decimal
 * place and sum to the volume; aggressor-buy sizes sum to the taker-buy volume.
 *
 * Any trade of a bar can be produced on its own (`write(from, to)`), so a bar with 30,000
 * trades can span several batches and a resume can start in the middle of it.
 */

export class OhlcSynthesizer {
  /** Bars whose trade count cannot show every one of open, close, high, low (open wins, then close, high, low). */
  warnings = 0;
  /** Trades of the current bar. */
  count = 0;

  private t0 = 0;
  private iv = 0;
  // key points of the price path: trade index and price (at most 4: open, extreme, extreme, close)
  private m = 0;
  private readonly kIdx = [0, 0, 0, 0];
  private readonly kPrice = [0, 0, 0, 0];
  private readonly kUnits = [0, 0, 0, 0];
  private pscale = 1;
  // sizes
  private taker = true;
  private quote = false;
  private nb = 0;
  private buy: UnitSplit = NO_SPLIT;
  private sell: UnitSplit = NO_SPLIT;
  private even: UnitSplit = NO_SPLIT;

  /**
   * Sets the price path of a bar starting at `t0` lasting `intervalMs`. `count` ≥ 0 asks
   * for exactly that many trades (klines); `count` < 0 for the 4-point path open, extreme,
   * extreme, close with repeated prices dropped (bars that do not say how many trades).
   */
  bar(t0: number, intervalMs: number, o: number, h: number, l: number, c: number, priceDecimals: number, count: number): void {
    this.t0 = t0;
    this.iv = intervalMs;
    this.pscale = 10 ** priceDecimals;
    const up = c >= o;
    const e1 = up ? l : h;
    const e2 = up ? h : l;
    const k = this.kIdx;
    const p = this.kPrice;
    if (count < 0) {
      let m = 0;
      for (const x of [o, e1, e2, c]) {
        if (m === 0 || p[m - 1] !== x) {
          p[m] = x;
          k[m] = m;
          m++;
        }
      }
      this.m = m;
      this.count = m;
    } else if (count >= 4) {
      this.m = 4;
      this.count = count;
      k[0] = 0;
      k[1] = Math.floor((count - 1) / 3);
      k[2] = Math.floor((2 * (count - 1)) / 3);
      k[3] = count - 1;
      p[0] = o;
      p[1] = e1;
      p[2] = e2;
      p[3] = c;
    } else {
      this.count = count;
      this.m = count;
      k[0] = 0;
      k[1] = 1;
      k[2] = 2;
      const hasH = h === o || h === c;
      const hasL = l === o || l === c;
      if (count === 3) {
        p[0] = o;
        p[2] = c;
        p[1] = !hasH ? h : !hasL ? l : o;
        if (!hasH && !hasL) this.warnings++;
      } else if (count === 2) {
        p[0] = o;
        p[1] = c;
        if (!hasH || !hasL) this.warnings++;
      } else if (count === 1) {
        p[0] = o;
        if (c !== o || h !== o || l !== o) this.warnings++;
      }
    }
    for (let i = 0; i < this.m; i++) this.kUnits[i] = Math.round((p[i] ?? 0) * this.pscale);
  }

  /**
   * Sizes from a base volume with a taker-buy share (Binance klines), both in units of
   * 10^-places. Buy trades are spread evenly through the bar (Bresenham), so the buy count is
   * proportional to the buy volume.
   */
  takerSplit(volumeUnits: bigint, buyUnits: bigint, places: number): void {
    const n = this.count;
    this.taker = true;
    this.quote = false;
    let nb: number;
    if (buyUnits <= 0n) nb = 0;
    else if (buyUnits >= volumeUnits) nb = n;
    else if (n < 2) {
      // one trade cannot carry both a buy and a sell share
      this.warnings++;
      nb = buyUnits * 2n >= volumeUnits ? n : 0;
    } else {
      nb = Math.min(n - 1, Math.max(1, Math.round((n * Number(buyUnits)) / Number(volumeUnits))));
    }
    this.nb = nb;
    if (nb === n) this.buy = splitUnits(volumeUnits, n, places);
    else if (nb === 0) this.buy = NO_SPLIT;
    else this.buy = splitUnits(buyUnits, nb, places);
    if (nb === 0) this.sell = splitUnits(volumeUnits, n, places);
    else if (nb === n) this.sell = NO_SPLIT;
    else this.sell = splitUnits(volumeUnits - buyUnits, n - nb, places);
  }

  /**
   * Even split of a volume, aggressor side from the direction of the move. With `quote`
   * the volume is in quote currency (USD) and each size is its share divided by the price.
   */
  evenSplit(units: bigint, places: number, quote: boolean): void {
    this.taker = false;
    this.quote = quote;
    this.even = splitUnits(units, this.count, places);
  }

  tsAt(i: number): number {
    return this.t0 + Math.floor((i * this.iv) / this.count);
  }

  /**
   * Writes trades [from, to) of the bar at the end of `b`, stopping before the first one
   * stamped at or after `maxTs`. Returns how many were written; the caller ensures room.
   */
  write(b: TradeBatch, inst: number, from: number, to: number, maxTs: number, idBase: number, localTs: number): number {
    if (this.taker && !this.quote && this.m === 4 && this.count > 4) return this.writeKline(b, inst, from, to, maxTs, idBase, localTs);
    let w = b.length;
    let i = from;
    for (; i < to; i++) {
      const ts = this.tsAt(i);
      if (ts >= maxTs) break;
      const price = this.priceAt(i);
      let side: Side;
      let size: number;
      if (this.taker) {
        const before = Math.floor((i * this.nb) / this.count);
        const isBuy = Math.floor(((i + 1) * this.nb) / this.count) > before;
        side = isBuy ? 1 : -1;
        size = isBuy ? pick(this.buy, before, this.nb) : pick(this.sell, i - before, this.count - this.nb);
      } else {
        side = this.directionSide(i);
        const share = pick(this.even, i, this.count);
        size = this.quote ? share / price : share;
      }
      b.inst[w] = inst;
      b.ts[w] = ts;
      b.localTs[w] = localTs;
      b.price[w] = price;
      b.size[w] = size;
      b.id[w] = idBase + i;
      b.side[w] = side;
      w++;
    }
    b.length = w;
    return i - from;
  }

  /** The hot path: a kline with more trades than key points. Straight typed-array writes, no allocation. */
  private writeKline(b: TradeBatch, inst: number, from: number, to: number, maxTs: number, idBase: number, localTs: number): number {
    const n = this.count;
    const t0 = this.t0;
    const iv = this.iv;
    const nb = this.nb;
    const k1 = this.kIdx[1] ?? 0;
    const k2 = this.kIdx[2] ?? 0;
    const k3 = this.kIdx[3] ?? 0;
    const p0 = this.kPrice[0] ?? 0;
    const p1 = this.kPrice[1] ?? 0;
    const p2 = this.kPrice[2] ?? 0;
    const p3 = this.kPrice[3] ?? 0;
    const u0 = this.kUnits[0] ?? 0;
    const u1 = this.kUnits[1] ?? 0;
    const u2 = this.kUnits[2] ?? 0;
    const u3 = this.kUnits[3] ?? 0;
    const ps = this.pscale;
    const bSmall = this.buy.small;
    const bBig = this.buy.big;
    const bExtra = this.buy.extra;
    const bLast = this.buy.last;
    const bLastIdx = nb - 1;
    const sSmall = this.sell.small;
    const sBig = this.sell.big;
    const sExtra = this.sell.extra;
    const sLast = this.sell.last;
    const sLastIdx = n - nb - 1;
    const { inst: bi, ts: bts, localTs: bl, price: bp, size: bs, id: bid, side: bsd } = b;
    let w = b.length;
    let i = from;
    for (; i < to; i++) {
      const ts = t0 + Math.floor((i * iv) / n);
      if (ts >= maxTs) break;
      let price: number;
      if (i === 0) price = p0;
      else if (i < k1) price = (u0 + Math.round(((u1 - u0) * i) / k1)) / ps;
      else if (i === k1) price = p1;
      else if (i < k2) price = (u1 + Math.round(((u2 - u1) * (i - k1)) / (k2 - k1))) / ps;
      else if (i === k2) price = p2;
      else if (i < k3) price = (u2 + Math.round(((u3 - u2) * (i - k2)) / (k3 - k2))) / ps;
      else price = p3;
      const before = Math.floor((i * nb) / n);
      if (Math.floor(((i + 1) * nb) / n) > before) {
        bsd[w] = 1;
        bs[w] = before === bLastIdx ? bLast : before < bExtra ? bBig : bSmall;
      } else {
        bsd[w] = -1;
        const k = i - before;
        bs[w] = k === sLastIdx ? sLast : k < sExtra ? sBig : sSmall;
      }
      bi[w] = inst;
      bts[w] = ts;
      bl[w] = localTs;
      bp[w] = price;
      bid[w] = idBase + i;
      w++;
    }
    b.length = w;
    return i - from;
  }

  private priceAt(i: number): number {
    const k = this.kIdx;
    for (let s = 0; s < this.m; s++) {
      const ks = k[s] ?? 0;
      if (i === ks) return this.kPrice[s] ?? 0;
      const ke = k[s + 1] ?? 0;
      if (i < ke) {
        const ua = this.kUnits[s] ?? 0;
        const ub = this.kUnits[s + 1] ?? 0;
        return (ua + Math.round(((ub - ua) * (i - ks)) / (ke - ks))) / this.pscale;
      }
    }
    return this.kPrice[this.m - 1] ?? 0;
  }

  /** A trade that moves the price up was most likely a buyer lifting the offer. */
  private directionSide(i: number): Side {
    for (let j = i; j > 0; j--) {
      const d = this.priceAt(j) - this.priceAt(j - 1);
      if (d !== 0) return d > 0 ? 1 : -1;
    }
    for (let j = i + 1; j < this.count; j++) {
      const d = this.priceAt(j) - this.priceAt(j - 1);
      if (d !== 0) return d > 0 ? 1 : -1;
    }
    return 1;
  }
}

/** Share k of `parts`. */
function pick(s: UnitSplit, k: number, parts: number): number {
  return k === parts - 1 ? s.last : k < s.extra ? s.big : s.small;
}
