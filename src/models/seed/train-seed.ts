import { fitOls } from './ols.js';
import { featureVector, isoDay, SEED_FEATURES, type DailyRow } from './features.js';
import type { DailyDataset } from './daily-csv.js';
import { regressionMetrics } from './regression-metrics.js';
import { DEFAULT_TEST_FRACTION, timeOrderedSplit } from './split.js';
import { SEED_MODEL_FORMAT, SEED_MODEL_VERSION, predictClose, type SeedModel } from './seed-model.js';

export interface TrainSeedOptions {
  /** Share of the newest days held out for the test metrics (default 0.2). */
  readonly testFraction?: number;
  /** Where the rows came from, recorded in the model. */
  readonly datasetPath: string;
  readonly datasetSha256: string;
  /** Recorded as the model's creation time (default now). */
  readonly createdAt?: Date;
  /** e.g. `tickflow 0.1.0`. */
  readonly createdBy: string;
}

/**
 * The seed's model: close regressed on the same day's open, high, low and volume, fitted by OLS on
 * the older days and scored on the newest ones. The served model is the one the test metrics
 * describe (it is not refitted on the test days afterwards).
 */
export function trainSeedModel(data: DailyDataset, opts: TrainSeedOptions): SeedModel {
  const testFraction = opts.testFraction ?? DEFAULT_TEST_FRACTION;
  const { train, test } = timeOrderedSplit(data.rows, testFraction);
  const fit = fitOls(
    train.map(featureVector),
    train.map((r) => r.close),
    SEED_FEATURES,
  );
  const [open, high, low, volume] = fit.coefficients as [number, number, number, number];
  const coef = { intercept: fit.intercept, coefficients: { open, high, low, volume } };
  const score = (rows: readonly DailyRow[], predict: (r: DailyRow) => number) =>
    regressionMetrics(
      rows.map((r) => r.close),
      rows.map(predict),
    );
  const first = data.rows[0];
  const last = data.rows[data.rows.length - 1];
  return {
    format: SEED_MODEL_FORMAT,
    version: SEED_MODEL_VERSION,
    estimator: 'same-bar',
    method: 'ols',
    target: 'close',
    features: [...SEED_FEATURES],
    ...coef,
    split: { kind: 'time-ordered', testFraction, train: window(train), test: window(test) },
    metrics: {
      train: score(train, (r) => predictClose(coef, r)),
      test: score(test, (r) => predictClose(coef, r)),
      baselines: {
        open: score(test, (r) => r.open),
        midrange: score(test, (r) => (r.high + r.low) / 2),
      },
    },
    dataset: {
      path: opts.datasetPath,
      sha256: opts.datasetSha256,
      format: data.format,
      ...(data.symbol === undefined ? {} : { symbol: data.symbol }),
      rows: data.rows.length,
      from: isoDay(first?.day ?? NaN),
      to: isoDay(last?.day ?? NaN),
    },
    createdAt: (opts.createdAt ?? new Date()).toISOString(),
    createdBy: opts.createdBy,
  };
}

function window(rows: readonly DailyRow[]): { from: string; to: string; rows: number } {
  return { from: isoDay(rows[0]?.day ?? NaN), to: isoDay(rows[rows.length - 1]?.day ?? NaN), rows: rows.length };
}
