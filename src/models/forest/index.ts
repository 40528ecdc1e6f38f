// forest: the retrained model — a random forest (ml-random-forest) refitted on a rolling window,
// off the stream's thread by a shared worker (or inline, for reproducible backtests). Each fitted
// version is a challenger to the one serving until it wins its trial.
export {
  ForestModel,
  type ForestOptions,
  type ForestState,
  type ForestVersion,
  type ForestEvent,
  type TrialResult,
} from './forest-model.js';
export { FittedForest, type FittedForestState, type ForestForecast } from './fitted-forest.js';
export { fitForest, type FitJob, type ForestParams } from './fit-forest.js';
export { SyncRetrainer, runFit, type Retrainer, type RetrainMode, type FitOutcome } from './retrainer.js';
export { WorkerRetrainer, sharedRetrainer, closeSharedRetrainer, type WorkerRetrainerOptions } from './worker-retrainer.js';
export { serveFits } from './serve-fits.js';
