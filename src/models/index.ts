// models: next-bar forecasts for one (instrument, interval) series — causal features from bars and
// indicators, online models with naive baselines, test-then-train scoring and a Diebold-Mariano
// champion. Pure and synchronous, no I/O: the stream calls it at each bar close.
export {
  FEATURE_NAMES,
  FEATURE_COUNT,
  FeatureBuilder,
  type FeatureName,
  type FeatureBar,
  type FeatureIndicators,
  type FeatureOptions,
  type FeatureState,
} from './features.js';
export { type Forecast, type OnlineModel, type ModelKind, type ModelStateBase, logistic } from './online-model.js';
export { ZeroReturn, Drift, SignPersistence, type ZeroState, type DriftState, type SignPersistenceState } from './baselines.js';
export { RecursiveLeastSquares, type RlsOptions, type RlsState } from './rls.js';
export { OnlineLogistic, type LogisticOptions, type LogisticState } from './logistic.js';
export { modelFromJSON } from './model-from-json.js';
export {
  ForestModel,
  WorkerRetrainer,
  SyncRetrainer,
  sharedRetrainer,
  closeSharedRetrainer,
  type ForestOptions,
  type ForestState,
  type ForestVersion,
  type ForestEvent,
  type Retrainer,
  type RetrainMode,
} from './forest/index.js';
export { PROB_EPS, logLoss, brier, directionHit, aucExact, BinnedAuc } from './metrics.js';
export {
  Prequential,
  type PrequentialOptions,
  type PrequentialState,
  type MetricSet,
  type ModelReport,
  type LossKind,
} from './prequential.js';
export { dieboldMariano, type DmOptions, type DmResult, type DmAlternative } from './diebold-mariano.js';
export { Champion, type ChampionOptions, type ChampionChange, type ChampionState } from './champion.js';
export { erf, erfc, normalCdf } from './normal.js';
export {
  SeriesForecaster,
  defaultModels,
  type SeriesForecasterOptions,
  type SeriesForecasterState,
  type ModelForecast,
  type NextBarForecast,
} from './series-forecaster.js';
export {
  ForecastSeries,
  MODEL_FACTORIES,
  forestModel,
  type ForecastSeriesOptions,
  type WarmStart,
  type ForecastSink,
} from './forecast-series.js';
export { MODEL_NAMES, BASELINE_MODELS, DEFAULT_MODELS, resolveModels, type ModelName } from './model-names.js';
