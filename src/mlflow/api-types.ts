import Type, { type Static } from 'typebox';

// The parts of MLflow's REST API 2.0 entities that tickflow reads. The server sends more
// fields (and omits empty ones), so objects allow extra properties and most fields are optional.
// Field names are MLflow's own (snake_case): these types never leave src/mlflow/.

const KeyValue = Type.Object({ key: Type.String(), value: Type.String() });
export type MlflowKeyValue = Static<typeof KeyValue>;

export const ExperimentSchema = Type.Object({
  experiment_id: Type.String(),
  name: Type.String(),
  artifact_location: Type.Optional(Type.String()),
  lifecycle_stage: Type.Optional(Type.String()),
});
export type MlflowExperiment = Static<typeof ExperimentSchema>;

export const RunStatusSchema = Type.Union([
  Type.Literal('RUNNING'),
  Type.Literal('SCHEDULED'),
  Type.Literal('FINISHED'),
  Type.Literal('FAILED'),
  Type.Literal('KILLED'),
]);
export type MlflowRunStatus = Static<typeof RunStatusSchema>;

export const RunInfoSchema = Type.Object({
  run_id: Type.String(),
  experiment_id: Type.String(),
  run_name: Type.Optional(Type.String()),
  status: Type.Optional(RunStatusSchema),
  start_time: Type.Optional(Type.Number()),
  end_time: Type.Optional(Type.Number()),
  artifact_uri: Type.Optional(Type.String()),
  lifecycle_stage: Type.Optional(Type.String()),
});
export type MlflowRunInfo = Static<typeof RunInfoSchema>;

/** MLflow writes NaN as the string "NaN" (and ±Infinity as ±Double.MAX_VALUE). */
const MetricValue = Type.Union([Type.Number(), Type.String()]);

export const MetricSchema = Type.Object({
  key: Type.String(),
  value: MetricValue,
  timestamp: Type.Number(),
  step: Type.Optional(Type.Number()),
});
export type MlflowMetric = Static<typeof MetricSchema>;

export const RunSchema = Type.Object({
  info: RunInfoSchema,
  data: Type.Optional(
    Type.Object({
      metrics: Type.Optional(Type.Array(MetricSchema)),
      params: Type.Optional(Type.Array(KeyValue)),
      tags: Type.Optional(Type.Array(KeyValue)),
    }),
  ),
});
export type MlflowRun = Static<typeof RunSchema>;

export const ModelVersionSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  source: Type.Optional(Type.String()),
  run_id: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  tags: Type.Optional(Type.Array(KeyValue)),
  aliases: Type.Optional(Type.Array(Type.String())),
});
export type MlflowModelVersion = Static<typeof ModelVersionSchema>;

export const RegisteredModelSchema = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  tags: Type.Optional(Type.Array(KeyValue)),
  aliases: Type.Optional(Type.Array(Type.Object({ alias: Type.String(), version: Type.String() }))),
  latest_versions: Type.Optional(Type.Array(ModelVersionSchema)),
});
export type MlflowRegisteredModel = Static<typeof RegisteredModelSchema>;

/** The body of an error answer: `{ "error_code": "RESOURCE_ALREADY_EXISTS", "message": "…" }`. */
export const ErrorBodySchema = Type.Object({ error_code: Type.String(), message: Type.Optional(Type.String()) });

/** A metric as log-batch takes it: epoch-ms timestamp, integer step. */
export interface MlflowMetricInput {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

/** Request limits of runs/log-batch (MLflow's `MAX_METRICS_PER_BATCH`, `MAX_PARAMS_TAGS_PER_BATCH`, …). */
export const LOG_BATCH_LIMITS = { entities: 1000, metrics: 1000, params: 100, tags: 100 } as const;

/** Length limits MLflow checks (keys of params, metrics and tags; values of params and tags). */
export const MLFLOW_LIMITS = { keyLength: 250, paramValueLength: 6000, tagValueLength: 8000 } as const;
