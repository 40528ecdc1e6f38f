import { TickflowError } from '../../core/index.js';

/** Fewer rows than this on either side and the fit or its test metrics mean little. */
export const MIN_TRAIN_ROWS = 20;
export const MIN_TEST_ROWS = 5;
export const DEFAULT_TEST_FRACTION = 0.2;

export interface TimeSplit<T> {
  readonly train: readonly T[];
  readonly test: readonly T[];
}

/**
 * The newest `testFraction` of the rows (rounded, at least MIN_TEST_ROWS) are the test set, the
 * rest the training set. No shuffling: a shuffled split of daily prices would test on days between
 * training days, which flatters any model of a trending series. Rows must be sorted by `day`.
 */
export function timeOrderedSplit<T extends { readonly day: number }>(rows: readonly T[], testFraction: number): TimeSplit<T> {
  checkTestFraction(testFraction);
  for (let i = 1; i < rows.length; i++) {
    if ((rows[i]?.day ?? NaN) <= (rows[i - 1]?.day ?? NaN)) {
      throw new TickflowError('INTERNAL', `timeOrderedSplit: rows are not in strictly increasing time order at index ${i}`);
    }
  }
  const n = rows.length;
  const nTest = Math.max(MIN_TEST_ROWS, Math.round(n * testFraction));
  const nTrain = n - nTest;
  if (nTrain < MIN_TRAIN_ROWS) {
    throw new TickflowError(
      'DATASET_INVALID',
      `${n} rows are too few: a test set of ${nTest} (--test-fraction ${testFraction}) leaves ${Math.max(nTrain, 0)} for training, ` +
        `and at least ${MIN_TRAIN_ROWS} training and ${MIN_TEST_ROWS} test rows are needed`,
    );
  }
  return { train: rows.slice(0, nTrain), test: rows.slice(nTrain) };
}

export function checkTestFraction(f: number): void {
  if (!(f > 0 && f < 1)) throw new TickflowError('USAGE', `--test-fraction ${f} must be a number between 0 and 1 (exclusive), e.g. 0.2`);
}
