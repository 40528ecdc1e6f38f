// models/seed: the seed project's (seeds/000) model, a same-bar linear regression of a daily close
// on that day's open, high, low and volume: OLS fit, time-ordered split and metrics, and the model
// file's format. Pure, no I/O: `tickflow train` reads the CSV and writes the file, the API reads it.
export { SEED_FEATURES, featureVector, isoDay, type SeedFeature, type SeedBar, type DailyRow } from './features.js';
export { parseDailyCsv, type DailyDataset } from './daily-csv.js';
export { fitOls, type LinearFit } from './ols.js';
export { timeOrderedSplit, checkTestFraction, DEFAULT_TEST_FRACTION, MIN_TRAIN_ROWS, MIN_TEST_ROWS, type TimeSplit } from './split.js';
export { regressionMetrics, type RegressionMetrics } from './regression-metrics.js';
export {
  SEED_MODEL_FORMAT,
  SEED_MODEL_VERSION,
  SEED_MODEL_FILE,
  seedModelPath,
  SAME_BAR_LABEL,
  SAME_BAR_NOTE,
  SeedModelSchema,
  RegressionMetricsSchema,
  DayWindowSchema,
  checkSeedModel,
  parseSeedModel,
  serializeSeedModel,
  predictClose,
  type SeedModel,
} from './seed-model.js';
export { trainSeedModel, type TrainSeedOptions } from './train-seed.js';
