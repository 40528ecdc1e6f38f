// Number and name formatting shared by the Markdown report, the terminal table and the chart.

/** 4 significant digits; scientific below 0.001 (1m log returns are ~1e-3). */
export function fmtNum(x: number | null): string {
  if (x === null) return 'n/a';
  if (x === 0) return '0';
  return Math.abs(x) < 1e-3 ? x.toExponential(3) : x.toPrecision(4);
}

/** A share in [0, 1] as a percentage with 2 decimals. */
export function fmtShare(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`;
}

export function fmtFixed(x: number | null, digits = 4): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** An instrument id as a file name: `binance:LTCUSDT` → `binance_LTCUSDT` (a colon would read as a URL scheme in a link). */
export function fileSafe(instrument: string): string {
  return instrument.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** `2026-02-01T00:00:00.000Z` → `2026-02-01 00:00`. */
export function fmtTime(iso: string | null): string {
  return iso === null ? 'n/a' : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** A p-value for prose: 2 significant digits, scientific below 0.001. */
export function fmtP(p: number | null): string {
  if (p === null) return 'n/a';
  return p < 0.001 ? p.toExponential(1) : p.toPrecision(2);
}

/** A signed percentage with enough digits to show a small difference. */
export function fmtPct(x: number | null): string {
  if (x === null) return 'n/a';
  const a = Math.abs(x);
  const s = a >= 10 ? x.toFixed(1) : a >= 0.1 ? x.toFixed(2) : x.toFixed(3);
  return `${x > 0 ? '+' : ''}${s} %`;
}

/** A test level as a percentage: 0.05 → `5%`. */
export function fmtLevel(alpha: number): string {
  return `${+(alpha * 100).toPrecision(3)}%`;
}
