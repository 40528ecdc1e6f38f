/** Number and time formatting shared by the panels. Times are shown in UTC, as the charts do. */

const EM_DASH = '—';

type Num = number | null | undefined;

const finite = (x: Num): x is number => x !== null && x !== undefined && Number.isFinite(x);

/** Decimals that show a price's meaningful digits: 2 for 43210.5, 4 for 1.2345, 6 for 0.0512. */
export function priceDecimals(price: number): number {
  if (!Number.isFinite(price) || price === 0) return 2;
  const d = Math.ceil(-Math.log10(Math.abs(price))) + 4;
  return Math.min(8, Math.max(2, d));
}

/** A price with `decimals` digits (default: from its magnitude). */
export function fmtPrice(x: Num, decimals?: number): string {
  if (!finite(x)) return EM_DASH;
  const d = decimals ?? priceDecimals(x);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

const UNITS: readonly (readonly [number, string])[] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** Compact count or volume: 950, 12.3k, 4.56M, 7.8B. */
export function fmtCompact(x: Num): string {
  if (!finite(x)) return EM_DASH;
  const a = Math.abs(x);
  if (a < 1000) return a >= 100 || Number.isInteger(x) ? String(Math.round(x)) : x.toPrecision(3).replace(/\.?0+$/, '');
  for (const [n, u] of UNITS) {
    if (a >= n) {
      const v = x / n;
      return `${Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2)}${u}`;
    }
  }
  return String(x);
}

export function fmtInt(x: Num): string {
  if (!finite(x)) return EM_DASH;
  return Math.round(x).toLocaleString('en-US');
}

/** A fraction as a percentage: 0.01234 → "1.23%". */
export function fmtPct(fraction: Num, { decimals = 2, signed = false }: { decimals?: number; signed?: boolean } = {}): string {
  if (!finite(fraction)) return EM_DASH;
  const p = fraction * 100;
  const s = Math.abs(p).toFixed(decimals);
  // A value that rounds to zero shows no sign.
  const zero = Number(s) === 0;
  return `${zero ? '' : signed ? (p > 0 ? '+' : '−') : p < 0 ? '−' : ''}${s}%`;
}

/** A length of time: 850 ms, 4.2 s, 3 m 05 s, 2 h 10 m, 3 d 4 h. */
export function fmtDuration(ms: Num): string {
  if (!finite(ms)) return EM_DASH;
  const sign = ms < 0 ? '−' : '';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)} m ${String(Math.floor((a % 60_000) / 1000)).padStart(2, '0')} s`;
  if (a < 86_400_000) return `${sign}${Math.floor(a / 3_600_000)} h ${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, '0')} m`;
  return `${sign}${Math.floor(a / 86_400_000)} d ${Math.floor((a % 86_400_000) / 3_600_000)} h`;
}

const SPANS: readonly (readonly [number, string])[] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'm'],
  [1000, 's'],
];

/** Window sizes and intervals in ms as the CLI spells them: 300000 → "5m". */
export function fmtSpan(ms: number): string {
  for (const [n, u] of SPANS) if (ms >= n && ms % n === 0) return `${ms / n}${u}`;
  return `${ms}ms`;
}

/** The length of a time interval name ("1s", "5m", "250ms", "1d") in ms; null for tick/volume/dollar bars. */
export function intervalMs(name: string): number | null {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(name);
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** UTC clock time, with the date when it is not today (UTC). */
export function fmtTime(ms: Num, { seconds = true, now = Date.now() }: { seconds?: boolean; now?: number } = {}): string {
  if (!finite(ms)) return EM_DASH;
  const iso = new Date(ms).toISOString();
  const clock = iso.slice(11, seconds ? 19 : 16);
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? clock : `${iso.slice(0, 10)} ${clock}`;
}

/** The symbol part of an instrument id: "binance:BTCUSDT" → "BTCUSDT". */
export function symbolOf(instrument: string): string {
  return instrument.slice(instrument.indexOf(':') + 1);
}
