import type { AlertBar } from '../../../src/stream/alerts/index.js';

export const T0 = Date.UTC(2026, 1, 1);
export const MINUTE = 60_000;

export interface BarSpecRow {
  readonly close: number;
  /** default: the previous close (no gap) */
  readonly open?: number | undefined;
  /** default 10 */
  readonly volume?: number;
  /** default: one minute after the previous bar */
  readonly start?: number;
}

/** 1-minute bars from rows; opens default to the previous close so only intended gaps exist. */
export function minuteBars(rows: readonly BarSpecRow[]): AlertBar[] {
  let prevClose: number | undefined;
  let prevStart = T0 - MINUTE;
  return rows.map((r) => {
    const start = r.start ?? prevStart + MINUTE;
    const open = r.open ?? prevClose ?? r.close;
    prevClose = r.close;
    prevStart = start;
    return { start, end: start + MINUTE, open, close: r.close, volume: r.volume ?? 10 };
  });
}

/** Closes whose log returns alternate +r, -r, ... (mean ~0, population sigma ~r over an even count). */
export function zigzag(n: number, r = 0.01, from = 100): number[] {
  const out: number[] = [from];
  for (let i = 1; i < n; i++) out.push((out[i - 1] ?? from) * Math.exp(i % 2 === 1 ? r : -r));
  return out;
}
