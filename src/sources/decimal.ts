/**
 * Exact decimal arithmetic for the few places that need it: splitting a volume such as
 * `1554.932` into trade sizes that are themselves exact decimals and sum back to it.
 * Doubles cannot do that, so volumes become integers in units of their last decimal place.
 */

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Number of decimal places a decimal string needs (`8.61E+11` → 0, `1.5e-3` → 4); NaN when not a decimal. */
export function decimalPlaces(s: string): number {
  const dot = s.indexOf('.');
  // fast path for the common plain form
  if (s.indexOf('e') < 0 && s.indexOf('E') < 0) return dot < 0 ? 0 : s.length - dot - 1;
  const m = DECIMAL_RE.exec(s);
  if (!m) return NaN;
  const frac = m[3] ?? '';
  return Math.max(0, frac.length - Number(m[4] ?? '0'));
}

/**
 * The value of decimal string `s` times 10^places, as an exact integer. `places` must be at
 * least `decimalPlaces(s)`. Returns undefined when `s` is not a plain decimal.
 */
export function decimalUnits(s: string, places: number): bigint | undefined {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return undefined;
  const shift = places - frac.length + Number(m[4] ?? '0');
  let digits = intPart + frac;
  if (shift >= 0) digits += '0'.repeat(shift);
  else {
    // more decimals than `places`: only trailing zeros may be dropped
    const dropped = digits.slice(digits.length + shift);
    if (!/^0*$/.test(dropped)) return undefined;
    digits = digits.slice(0, digits.length + shift);
  }
  const v = BigInt(digits === '' ? '0' : digits);
  return m[1] === '-' ? -v : v;
}

/**
 * How `total` units (of 10^-places) are shared among `parts` trades, as doubles: trade k
 * gets `big` when k < `extra`, else `small`; the last trade gets `last` instead.
 */
export interface UnitSplit {
  readonly small: number;
  readonly big: number;
  readonly extra: number;
  readonly last: number;
}

export const NO_SPLIT: UnitSplit = { small: 0, big: 0, extra: 0, last: 0 };

/**
 * Splits `total` units of 10^-places into `parts` exact decimals that sum to it.
 *
 * Summing thousands of equal doubles drifts (every addition rounds the same way), enough to
 * miss the 8th decimal of a kline's volume. So, when trades are large enough, the shares are
 * whole multiples of 2^-places (= 5^places units: still a decimal with `places` digits, and
 * exact in binary), whose sums are exact; the non-dyadic remainder rides on the last trade,
 * so a plain running sum rounds at most a few times. Smaller trades fall back to an even
 * split in units, where the sums are small enough for the drift not to reach 1e-8.
 */
export function splitUnits(total: bigint, parts: number, places: number): UnitSplit {
  if (parts <= 0) return NO_SPLIT;
  const scale = 10 ** places;
  const p = BigInt(parts);
  const lastIdx = BigInt(parts - 1);
  const granule = 5n ** BigInt(places);
  const granules = total / granule;
  if (places > 0 && granules >= p) {
    const q = granules / p;
    const r = granules % p;
    const rest = total - granules * granule;
    const lastUnits = (lastIdx < r ? q + 1n : q) * granule + rest;
    return {
      small: toNumber(q * granule, scale),
      big: toNumber((q + 1n) * granule, scale),
      extra: Number(r),
      last: toNumber(lastUnits, scale),
    };
  }
  const q = total / p;
  const r = total % p;
  const small = toNumber(q, scale);
  const big = toNumber(q + 1n, scale);
  return { small, big, extra: Number(r), last: lastIdx < r ? big : small };
}

function toNumber(units: bigint, scale: number): number {
  // an integer below 2^53 divided by an exact power of ten is correctly rounded: the nearest double to the decimal
  return Number(units) / scale;
}
