import Type, { type Static } from 'typebox';
import {
  MetricSetSchema,
  ModelMetricsSchema,
  ModelStatusSchema,
  ModelVersionSchema,
  PredictionSchema,
  TickflowError,
  parseModelId,
} from '../../core/index.js';
import type { ModelSeriesQuery, ModelSummary } from '../../store/store.js';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';
import { cursorOf, resolveInstrument, resolveInterval, timeRange } from '../params.js';
import { CursorParam, InstrumentParam, IntervalParam, limitParam, OrderParam, timeParam } from '../query-params.js';

const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'pass as `cursor` for the next page; null at the end' });

const ModelSummarySchema = Type.Object({
  id: Type.String({ description: '<instrument>~<interval>~<model>: URL-encode it in paths' }),
  instrument: Type.String(),
  interval: Type.String(),
  model: Type.String(),
  kind: Type.String(),
  status: ModelStatusSchema,
  updates: Type.Number({ description: 'labels learned from' }),
  time: Type.Number({ description: 'bar start of the newest scores' }),
  cumulative: MetricSetSchema,
  rolling: MetricSetSchema,
  versions: Type.Number({ description: 'versions saved in the registry' }),
  latestVersion: Type.Union([Type.Number(), Type.Null()]),
});

const ModelVersionInfoSchema = Type.Omit(ModelVersionSchema, ['state']);

// One object, not an allOf of the record and `outcome`: PredictionSchema forbids additional
// properties, so as a member of allOf it would refuse the `outcome` every answer carries.
const PredictionWithOutcomeSchema = Type.Object(
  {
    ...PredictionSchema.properties,
    outcome: Type.Union(
      [
        Type.Object({
          start: Type.Number({ description: 'start of the next bar of the series' }),
          close: Type.Number(),
          return: Type.Number({ description: 'ln(outcome close / close): what the forecast was scored against' }),
          error: Type.Number({ description: 'outcome return - forecast return' }),
        }),
        Type.Null(),
      ],
      { description: 'null until the next bar of the series is stored' },
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ minLength: 5, maxLength: 200, description: 'model id from /api/models (URL-encoded)' }) });

const ModelsQuery = Type.Object(
  {
    instrument: Type.Optional(InstrumentParam),
    interval: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'only this interval' })),
  },
  { additionalProperties: false },
);

const SeriesQuery = Type.Object(
  {
    from: Type.Optional(timeParam('from')),
    to: Type.Optional(timeParam('to')),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
    order: Type.Optional(OrderParam),
  },
  { additionalProperties: false },
);

const PredictionsQuery = Type.Object(
  {
    instrument: InstrumentParam,
    interval: Type.Optional(IntervalParam),
    model: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z0-9*_-]+$',
        default: 'champion',
        description: "a model name, 'champion' (the forecast served at each bar, default) or '*' (every model)",
      }),
    ),
    from: Type.Optional(timeParam('from')),
    to: Type.Optional(timeParam('to')),
    limit: Type.Optional(limitParam(500)),
    cursor: Type.Optional(CursorParam),
    order: Type.Optional(OrderParam),
  },
  { additionalProperties: false },
);

function parseId(raw: string): { instrument: string; interval: string; model: string } {
  const p = parseModelId(raw);
  if (p === null) {
    throw new TickflowError('NOT_FOUND', `'${raw}' is not a model id: expected <instrument>~<interval>~<model> as listed by /api/models`);
  }
  return p;
}

async function summaryOf(ctx: ApiContext, raw: string): Promise<ModelSummary> {
  const p = parseId(raw);
  const instrument = await resolveInstrument(ctx, p.instrument);
  const m = (await ctx.store.models({ instrument, interval: p.interval })).find((x) => x.model === p.model);
  if (m === undefined)
    throw new TickflowError('NOT_FOUND', `no model '${p.model}' forecasts ${instrument} ${p.interval} (see /api/models)`);
  return m;
}

/** The store query of a model's records over time from a route's SeriesQuery. */
function seriesQuery(m: ModelSummary, q: Static<typeof SeriesQuery>): ModelSeriesQuery {
  return {
    instrument: m.instrument,
    interval: m.interval,
    model: m.model,
    limit: q.limit ?? 500,
    desc: q.order === 'desc',
    ...timeRange(q.from, q.to),
    ...cursorOf(q.cursor),
  };
}

export function registerModelRoutes(app: ApiServer, ctx: ApiContext): void {
  app.get(
    '/api/models',
    {
      schema: {
        tags: ['models'],
        summary: 'every forecasting model of every series: status (champion, challenger, quarantined) and test-then-train scores',
        description:
          'Scores are prequential: each forecast was scored on the next bar before the model learned from it. `cumulative` covers every step since the series started, `rolling` the last 500. Baselines (zero = random walk, drift, sign-persistence) are listed like any model: a model is only worth serving if it beats them.',
        querystring: ModelsQuery,
        response: { 200: Type.Object({ models: Type.Array(ModelSummarySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const instrument = q.instrument === undefined ? undefined : await resolveInstrument(ctx, q.instrument);
      const interval = q.interval === undefined ? undefined : resolveInterval(ctx, q.interval);
      const models = await ctx.store.models({
        ...(instrument === undefined ? {} : { instrument }),
        ...(interval === undefined ? {} : { interval }),
      });
      return { models };
    },
  );

  app.get(
    '/api/models/:id',
    {
      schema: {
        tags: ['models'],
        summary: 'one model: its summary and its scores over time',
        params: IdParams,
        querystring: SeriesQuery,
        response: {
          200: Type.Object({ model: ModelSummarySchema, metrics: Type.Array(ModelMetricsSchema), nextCursor: NextCursor }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const m = await summaryOf(ctx, request.params.id);
      const page = await ctx.store.modelMetrics(seriesQuery(m, request.query));
      return { model: m, metrics: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/models/:id/versions',
    {
      schema: {
        tags: ['models'],
        summary: "a model's registry entries: parameters, feature set, training window and scores of each saved version",
        params: IdParams,
        querystring: SeriesQuery,
        response: {
          200: Type.Object({ id: Type.String(), versions: Type.Array(ModelVersionInfoSchema), nextCursor: NextCursor }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const m = await summaryOf(ctx, request.params.id);
      const page = await ctx.store.modelVersions(seriesQuery(m, request.query));
      return { id: m.id, versions: page.items, nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/models/:id/versions/:version',
    {
      schema: {
        tags: ['models'],
        summary: 'one saved version with its serialized state (what reloading it needs)',
        params: Type.Object({ id: IdParams.properties.id, version: Type.Integer({ minimum: 1 }) }),
        response: { 200: ModelVersionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const m = await summaryOf(ctx, request.params.id);
      const v = await ctx.store.modelVersion(m.instrument, m.interval, m.model, request.params.version);
      if (v === undefined) throw new TickflowError('NOT_FOUND', `${m.id} has no version ${request.params.version} (it has ${m.versions})`);
      return v;
    },
  );

  app.post(
    '/api/models/:id/promote',
    {
      schema: {
        tags: ['models'],
        summary: "make a model its series' champion (the forecast served), overriding the Diebold-Mariano selection",
        description:
          'The tests go on afterwards: a challenger that significantly beats the promoted model replaces it. 409 CONFLICT for a quarantined model; 503 UNAVAILABLE on a server without the processor (split `serve`).',
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            champion: Type.String(),
            changed: Type.Boolean({ description: 'false when it already was the champion' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const p = parseId(request.params.id);
      const control = ctx.models;
      if (control === undefined) {
        throw new TickflowError(
          'UNAVAILABLE',
          'this server runs no forecasters (a split deployment serves from the store): promote on the process that runs them, or use `tickflow run`',
        );
      }
      const instrument = await resolveInstrument(ctx, p.instrument);
      const interval = resolveInterval(ctx, p.interval);
      const change = await control.promote(instrument, interval, p.model);
      return { id: `${instrument}~${interval}~${p.model}`, champion: p.model, changed: change !== null };
    },
  );

  app.get(
    '/api/predictions',
    {
      schema: {
        tags: ['models'],
        summary: 'forecasts of an (instrument, interval) series with their outcome and error',
        description:
          "Each forecast was made at the close of the bar at `start` from data up to it; `outcome` is the series' next bar as stored now (null until it closes). By default the champion's forecasts, the ones served live.",
        querystring: PredictionsQuery,
        response: {
          200: Type.Object({
            instrument: Type.String(),
            interval: Type.String(),
            model: Type.String(),
            predictions: Type.Array(PredictionWithOutcomeSchema),
            nextCursor: NextCursor,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const interval = resolveInterval(ctx, q.interval ?? '1m');
      const instrument = await resolveInstrument(ctx, q.instrument);
      const model = q.model ?? 'champion';
      const page = await ctx.store.predictions({
        instrument,
        interval,
        model,
        limit: q.limit ?? 500,
        desc: q.order === 'desc',
        ...timeRange(q.from, q.to),
        ...cursorOf(q.cursor),
      });
      return { instrument, interval, model, predictions: page.items, nextCursor: page.nextCursor };
    },
  );
}
