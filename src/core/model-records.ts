import Type, { type Static } from 'typebox';

const Num = Type.Union([Type.Number(), Type.Null()]);

/**
 * One model's forecast of the next bar of a series, made when a bar closed, from that bar and
 * the ones before it only. Its outcome is the next final bar of the series: the store joins it
 * at query time (`/api/predictions`), so a forecast is written once, when it is made.
 */
export const PredictionSchema = Type.Object(
  {
    type: Type.Literal('prediction'),
    instrument: Type.String(),
    interval: Type.String(),
    model: Type.String(),
    start: Type.Number({ description: 'start of the bar that just closed: the last one the forecast uses' }),
    target: Type.Number({ description: 'start of the bar forecast (the end of the start bar, for time bars)' }),
    close: Type.Number({ description: 'close of the bar at `start`' }),
    return: Type.Number({ description: 'forecast log return of the next bar, ln(next close / close)' }),
    pUp: Type.Number({ minimum: 0, maximum: 1, description: 'forecast probability that the next close is above `close`' }),
    predictedClose: Type.Number({ description: 'close * exp(return)' }),
    champion: Type.Boolean({ description: 'true for the forecast of the model the series serves (see /api/models)' }),
  },
  { additionalProperties: false },
);
export type Prediction = Static<typeof PredictionSchema>;

/** Test-then-train scores of one model: every forecast was made before its label was seen. */
export const MetricSetSchema = Type.Object(
  {
    n: Type.Number({ description: 'steps scored' }),
    rmse: Num,
    mae: Num,
    directionalAccuracy: Num,
    logLoss: Num,
    brier: Num,
    auc: Num,
  },
  { additionalProperties: false },
);
export type MetricSetRecord = Static<typeof MetricSetSchema>;

export const ModelStatusSchema = Type.Union([Type.Literal('champion'), Type.Literal('challenger'), Type.Literal('quarantined')]);
export type ModelStatus = Static<typeof ModelStatusSchema>;

/** A model's scores at a bar close: the series of these is its metrics over time. */
export const ModelMetricsSchema = Type.Object(
  {
    type: Type.Literal('model-metrics'),
    instrument: Type.String(),
    interval: Type.String(),
    model: Type.String(),
    kind: Type.String(),
    time: Type.Number({ description: 'start of the bar whose label was the last one scored' }),
    status: ModelStatusSchema,
    updates: Type.Number({ description: 'labels the model has learned from' }),
    cumulative: MetricSetSchema,
    rolling: MetricSetSchema,
  },
  { additionalProperties: false },
);
export type ModelMetrics = Static<typeof ModelMetricsSchema>;

export const ModelVersionReasonSchema = Type.Union(
  [Type.Literal('snapshot'), Type.Literal('champion'), Type.Literal('promote'), Type.Literal('retrain'), Type.Literal('quarantine')],
  {
    description:
      'snapshot: periodic save of an online model; champion: it became the champion by a Diebold-Mariano test; promote: made champion by hand; retrain: a new fit of a retrained model; quarantine: its state went non-finite',
  },
);
export type ModelVersionReason = Static<typeof ModelVersionReasonSchema>;

/**
 * A saved model version: everything needed to serve or reload it (kind, parameters, feature
 * set, training window, scores, serialized state). Online models learn at every label, so
 * their versions are snapshots; a retrained model gets one per fit.
 */
export const ModelVersionSchema = Type.Object(
  {
    type: Type.Literal('model-version'),
    instrument: Type.String(),
    interval: Type.String(),
    model: Type.String(),
    kind: Type.String(),
    version: Type.Integer({ minimum: 1 }),
    time: Type.Number({ description: 'start of the bar it was saved at' }),
    reason: ModelVersionReasonSchema,
    status: ModelStatusSchema,
    params: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])),
    features: Type.Array(Type.String()),
    trainedFrom: Type.Union([Type.Number(), Type.Null()], { description: 'start of the first bar whose label it learned' }),
    trainedTo: Type.Union([Type.Number(), Type.Null()], { description: 'start of the last bar whose label it learned' }),
    updates: Type.Number(),
    cumulative: MetricSetSchema,
    rolling: MetricSetSchema,
    detail: Type.Union([Type.String(), Type.Null()], { description: 'why: the champion test statistic, the quarantine reason, …' }),
    state: Type.Unknown({ description: "the model's serialized state (its toJSON)" }),
  },
  { additionalProperties: false },
);
export type ModelVersion = Static<typeof ModelVersionSchema>;

/** A model of one series, as the API names it: `<instrument>~<interval>~<model>` (none of the parts holds a `~`). */
export function modelId(instrument: string, interval: string, model: string): string {
  return `${instrument}~${interval}~${model}`;
}

/** The parts of a model id; null when it is not one. */
export function parseModelId(id: string): { instrument: string; interval: string; model: string } | null {
  const parts = id.split('~');
  if (parts.length !== 3 || parts.some((p) => p === '')) return null;
  const [instrument, interval, model] = parts as [string, string, string];
  return { instrument, interval, model };
}
