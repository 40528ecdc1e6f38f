import type { DailyRow } from '../../../src/models/seed/index.js';
import { Prng } from '../../../src/sources/prng.js';

const DAY_MS = 86_400_000;
export const DAY0 = Date.UTC(2020, 0, 1);

/** Consistent daily bars from a seeded random walk: low ≤ open, close ≤ high; volume in the 1e9s like Kaggle's USD volumes. */
export function randomWalkDays(n: number, seed = 7, start = DAY0): DailyRow[] {
  const rng = new Prng(seed);
  const rows: DailyRow[] = [];
  let price = 10_000;
  for (let i = 0; i < n; i++) {
    const open = price;
    const close = open * Math.exp(0.03 * rng.normal());
    const high = Math.max(open, close) * (1 + 0.02 * Math.abs(rng.normal()));
    const low = Math.min(open, close) * (1 - 0.02 * Math.abs(rng.normal()));
    const volume = 1e9 * (1 + 4 * Math.abs(rng.normal()));
    rows.push({ day: start + i * DAY_MS, open, high, low, close, volume });
    price = close;
  }
  return rows;
}

/** The rows as a Kaggle "Cryptocurrency Historical Prices" file (SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap). */
export function kaggleCsv(rows: readonly DailyRow[], symbol = 'BTC', eol = '\n'): string {
  const lines = ['SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap'];
  rows.forEach((r, i) =>
    lines.push(
      [
        i + 1,
        'Bitcoin',
        symbol,
        new Date(r.day).toISOString().slice(0, 10),
        r.high,
        r.low,
        r.open,
        r.close,
        r.volume,
        r.close * 1.8e7,
      ].join(','),
    ),
  );
  return lines.join(eol) + eol;
}
