// mlflow: optional tracking of model versions in MLflow, through its REST API (no Python
// in tickflow). Off unless MLFLOW_TRACKING_URI is set; logs in the background and never fails or
// slows the pipeline when the server is down. docs/MLFLOW.md maps tickflow's concepts to MLflow's.
export {
  MlflowTracker,
  MlflowTrackerSettingsSchema,
  type MlflowTrackerOptions,
  type MlflowTrackerSettings,
  type MlflowTrackerStats,
} from './tracker.js';
export { mlflowFromEnv, mlflowConnectionFromEnv, DEFAULT_EXPERIMENT_NAME, type MlflowConnection } from './env.js';
export { runKey, registeredModelName, mlflowKey, versionParams, versionTags, metricInputs, type TrackedModelVersion } from './mapping.js';
export { MlflowRestClient, MlflowApiError, isMlflowCode, type MlflowClientOptions, type MlflowErrorDetails } from './rest-client.js';
export type {
  MlflowExperiment,
  MlflowRun,
  MlflowRunInfo,
  MlflowRunStatus,
  MlflowModelVersion,
  MlflowRegisteredModel,
  MlflowMetric,
  MlflowKeyValue,
} from './api-types.js';
export { MlflowModelTracking, trackedVersion } from './model-tracking.js';
