/** The seed's regressors, in the order of `/predict`'s body and of the fitted coefficients. */
export const SEED_FEATURES = ['open', 'high', 'low', 'volume'] as const;
export type SeedFeature = (typeof SEED_FEATURES)[number];

/** What `/predict` takes: one bar without its close. */
export interface SeedBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly volume: number;
}

/** One day of a training file. `day` is the bar's UTC midnight, epoch ms. */
export interface DailyRow extends SeedBar {
  readonly day: number;
  readonly close: number;
}

/** The feature vector of a bar, in `SEED_FEATURES` order. */
export function featureVector(bar: SeedBar): [number, number, number, number] {
  return [bar.open, bar.high, bar.low, bar.volume];
}

/** `YYYY-MM-DD` of a day's epoch ms. */
export function isoDay(day: number): string {
  return new Date(day).toISOString().slice(0, 10);
}
