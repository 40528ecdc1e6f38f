/** Number and time formatting shared by the panels. Times are shown in UTC, as the chart does. */

const EM_DASH = '—';

/**
 * Decimals that show a price's meaningful digits: 2 for 43210.5, 4 for 1.2345, 6 for 0.0512.
 * @param {number} price
 */
export function priceDecimals(price) {
  if (!Number.isFinite(price) || price === 0) return 2;
  const d = Math.ceil(-Math.log10(Math.abs(price))) + 4;
  return Math.min(8, Math.max(2, d));
}

/**
 * @param {number | null | undefined} x
 * @param {number} [decimals] default: from the magnitude
 */
export function fmtPrice(x, decimals) {
  if (x === null || x === undefined || !Number.isFinite(x)) return EM_DASH;
  const d = decimals ?? priceDecimals(x);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/**
 * Compact count or volume: 950, 12.3k, 4.56M, 7.8B.
 * @param {number | null | undefined} x
 */
export function fmtCompact(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return EM_DASH;
  const a = Math.abs(x);
  if (a < 1000) return a >= 100 || Number.isInteger(x) ? String(Math.round(x)) : x.toPrecision(3).replace(/\.?0+$/, '');
  const units = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [n, u] of units) {
    if (a >= Number(n)) {
      const v = x / Number(n);
      return `${Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)}${u}`;
    }
  }
  return String(x);
}

/** @param {number | null | undefined} x */
export function fmtInt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return EM_DASH;
  return Math.round(x).toLocaleString('en-US');
}

/**
 * A fraction as a percentage: 0.01234 → "1.23%".
 * @param {number | null | undefined} fraction
 * @param {{decimals?: number, signed?: boolean}} [opts]
 */
export function fmtPct(fraction, { decimals = 2, signed = false } = {}) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return EM_DASH;
  const p = fraction * 100;
  const s = Math.abs(p).toFixed(decimals);
  return `${signed ? (p > 0 ? '+' : p < 0 ? '−' : '') : p < 0 ? '−' : ''}${s}%`;
}

/**
 * A length of time: 850 ms, 4.2 s, 3 m 05 s, 2 h 10 m, 3 d 4 h.
 * @param {number | null | undefined} ms
 */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return EM_DASH;
  const sign = ms < 0 ? '−' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)} m ${String(Math.floor((a % 60_000) / 1000)).padStart(2, '0')} s`;
  if (a < 86_400_000) return `${sign}${Math.floor(a / 3_600_000)} h ${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, '0')} m`;
  return `${sign}${Math.floor(a / 86_400_000)} d ${Math.floor((a % 86_400_000) / 3_600_000)} h`;
}

/**
 * Window sizes and intervals in ms as the CLI spells them: 300000 → "5m".
 * @param {number} ms
 */
export function fmtSpan(ms) {
  for (const [n, u] of /** @type {[number, string][]} */ ([
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ])) {
    if (ms >= n && ms % n === 0) return `${ms / n}${u}`;
  }
  return `${ms}ms`;
}

/**
 * UTC clock time, with the date when it is not today (UTC).
 * @param {number | null | undefined} ms
 * @param {{seconds?: boolean, now?: number}} [opts]
 */
export function fmtTime(ms, { seconds = true, now = Date.now() } = {}) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return EM_DASH;
  const iso = new Date(ms).toISOString();
  const clock = iso.slice(11, seconds ? 19 : 16);
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? clock : `${iso.slice(0, 10)} ${clock}`;
}
