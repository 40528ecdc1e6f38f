import { checkPrice, recordError, type RecordError } from '../record-checks.js';

/** A bar whose low is above its open (and the like) cannot be turned into trades that aggregate back to it. */
export function checkOhlc(o: number, h: number, l: number, c: number): RecordError | undefined {
  const bad = checkPrice(o, 'open') ?? checkPrice(h, 'high') ?? checkPrice(l, 'low') ?? checkPrice(c, 'close');
  if (bad) return bad;
  if (l > o || l > c || h < o || h < c) return recordError('BAD_PRICE', `inconsistent OHLC: open ${o} high ${h} low ${l} close ${c}`);
  return undefined;
}
