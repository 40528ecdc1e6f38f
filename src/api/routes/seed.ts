import { readFile } from 'node:fs/promises';
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { TickflowError } from '../../core/index.js';
import {
  DayWindowSchema,
  parseSeedModel,
  predictClose,
  RegressionMetricsSchema,
  SAME_BAR_LABEL,
  SAME_BAR_NOTE,
  SEED_FEATURES,
  type SeedBar,
  type SeedModel,
} from '../../models/seed/index.js';
import type { ApiContext, ApiServer } from '../context.js';
import { errorResponses } from '../errors.js';

/**
 * The seed's prediction API (seeds/000, FastAPI): GET /model/info, POST /predict, POST
 * /batch_predict, POST /model/reload, same paths and request shapes; /health (routes/system.ts)
 * carries the seed's `model_loaded`. The model is the seed's linear regression of a day's close on
 * the same day's open, high, low and volume, trained by `tickflow train` (src/models/seed): a
 * same-bar estimator, not a forecast, and every answer says so.
 *
 * Bodies are checked by TypeBox's compiler, not by Fastify's Ajv: Ajv coerces types, so
 * `"open": null` would arrive as 0 and `"open": "89000"` as a number. Prices must be finite and
 * positive, volume finite and non-negative, and open within [low, high]. Unknown fields are
 * ignored, as the seed's pydantic models ignored them.
 */

/** Most bars one /batch_predict takes; more is a 400 (documented in docs/SEED_API.md). */
export const MAX_BATCH = 1000;
// 1000 bars of four numbers are ~80 KB of JSON; the server's default body limit is 64 KiB.
const BATCH_BODY_LIMIT = 512 * 1024;
const SEED = 'Mirrors the seed (seeds/000) FastAPI route';
const TRAIN_HINT = 'run `tickflow train --dataset <Kaggle daily CSV>` (e.g. ../shared/data/kaggle-daily/coin_Bitcoin.csv)';

const price = (what: string, example: number) =>
  Type.Number({ exclusiveMinimum: 0, description: `${what}, a finite price > 0`, examples: [example] });

export const SeedBarSchema = Type.Object(
  {
    open: price("the bar's opening price", 89000),
    high: price("the bar's highest price (≥ low, ≥ open)", 90000),
    low: price("the bar's lowest price (≤ open)", 88000),
    volume: Type.Number({
      minimum: 0,
      description: "the bar's volume, finite and ≥ 0, in the training file's unit (Kaggle daily files: USD)",
      examples: [45000000000],
    }),
  },
  { description: 'one daily bar without its close' },
);

const BatchRequestSchema = Type.Object({
  data: Type.Array(SeedBarSchema, { maxItems: MAX_BATCH, description: `up to ${MAX_BATCH} bars` }),
});

const Label = Type.Literal(SAME_BAR_LABEL, { description: 'what the number is: an estimate from the same bar, not a forecast' });

const PredictResponseSchema = Type.Object({
  predicted_close: Type.Number({ description: "estimated close of the same bar (the training file's price unit)" }),
  label: Label,
});

const BatchResponseSchema = Type.Object({
  predictions: Type.Array(Type.Object({ predicted_close: Type.Number() }), { description: 'one per input bar, in order' }),
  count: Type.Integer({ minimum: 0 }),
  label: Label,
});

const ModelInfoSchema = Type.Object({
  status: Type.Literal('loaded'),
  model_type: Type.Literal('LinearRegression'),
  label: Label,
  note: Type.String(),
  target: Type.Literal('close'),
  features: Type.Array(Type.String(), { description: 'the regressors, all from the same bar as the close' }),
  intercept: Type.Number(),
  coefficients: Type.Object({ open: Type.Number(), high: Type.Number(), low: Type.Number(), volume: Type.Number() }),
  rmse: Type.Number({ description: 'RMSE of the close on the test days (the newest, unseen in training), price units' }),
  metrics: Type.Object({
    test: RegressionMetricsSchema,
    train: RegressionMetricsSchema,
    baselines: Type.Object(
      {
        open: Type.Intersect([RegressionMetricsSchema], { description: 'close = open, on the test days' }),
        midrange: Type.Intersect([RegressionMetricsSchema], { description: 'close = (high + low) / 2, on the test days' }),
      },
      { description: 'naive estimates scored on the same test days: what the regression has to beat' },
    ),
  }),
  training_window: Type.Object({
    split: Type.Literal('time-ordered'),
    test_fraction: Type.Number(),
    train: DayWindowSchema,
    test: DayWindowSchema,
  }),
  dataset: Type.Object({
    path: Type.String(),
    sha256: Type.String(),
    format: Type.String(),
    symbol: Type.Optional(Type.String()),
    rows: Type.Integer(),
    from: Type.String(),
    to: Type.String(),
  }),
  created_at: Type.String({ description: 'when it was trained (ISO-8601)' }),
  created_by: Type.String(),
  loaded_at: Type.String({ description: 'when this server loaded it (ISO-8601)' }),
  model_path: Type.String(),
  format_version: Type.Integer(),
});
type ModelInfo = Static<typeof ModelInfoSchema>;

const ReloadResponseSchema = Type.Object({
  status: Type.Literal('reloaded'),
  message: Type.String(),
  model_path: Type.String(),
  created_at: Type.String(),
  rmse: Type.Number({ description: 'test RMSE of the model now serving' }),
  label: Label,
});

interface ServingModel {
  readonly model: SeedModel;
  readonly info: ModelInfo;
}

/**
 * The model the seed routes serve, read from one file. A failed load leaves the previous model
 * serving; /health reports `model_loaded` from here.
 */
export class SeedModelSlot {
  private serving: ServingModel | undefined;
  private lastError: string | undefined;

  /** `path` undefined: this server has no model file (the API without a data dir, as in tests). */
  constructor(readonly path: string | undefined) {}

  get loaded(): boolean {
    return this.serving !== undefined;
  }

  get current(): ServingModel | undefined {
    return this.serving;
  }

  /** Reads and checks the file; it serves only once it has passed every check. */
  async load(): Promise<ServingModel> {
    const path = this.path;
    if (path === undefined) {
      throw new TickflowError(
        'MODEL_NOT_LOADED',
        `this server was started without a model file path; ${TRAIN_HINT} and serve with tickflow run or serve`,
      );
    }
    try {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new TickflowError(
          'MODEL_INVALID',
          code === 'ENOENT' ? `no model file at ${path}` : `cannot read ${path}: ${(e as Error).message}`,
        );
      }
      const model = parseSeedModel(text, path);
      const serving = { model, info: modelInfo(model, path, Date.now()) };
      this.serving = serving;
      this.lastError = undefined;
      return serving;
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      throw e;
    }
  }

  /** The model to predict with, or MODEL_NOT_LOADED saying how to get one. */
  require(): ServingModel {
    const s = this.serving;
    if (s !== undefined) return s;
    const why = this.lastError === undefined ? '' : ` (last load: ${this.lastError})`;
    throw new TickflowError('MODEL_NOT_LOADED', `no model is loaded${why}; ${TRAIN_HINT}, then POST /model/reload`);
  }
}

export function registerSeedRoutes(app: ApiServer, ctx: ApiContext): void {
  const slot = ctx.seedModel;

  app.addHook('onReady', async () => {
    if (slot.path === undefined) return;
    try {
      const s = await slot.load();
      app.log.info({ path: slot.path, createdAt: s.model.createdAt, testRmse: s.model.metrics.test.rmse }, 'seed model loaded');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      app.log.info({ path: slot.path }, `seed model not loaded: ${message}; /predict answers 503 until one is (${TRAIN_HINT})`);
    }
  });

  app.get(
    '/model/info',
    {
      schema: {
        tags: ['seed-model'],
        summary: 'the served model: coefficients, test metrics against naive baselines, training window',
        description: `${SEED} GET /model/info. ${SAME_BAR_NOTE} 503 MODEL_NOT_LOADED before \`tickflow train\` has written a model.`,
        response: { 200: ModelInfoSchema, ...errorResponses },
      },
    },
    async () => slot.require().info,
  );

  app.post(
    '/predict',
    {
      logLevel: 'warn',
      config: { waits: false },
      validatorCompiler: typeboxValidator,
      schema: {
        tags: ['seed-model'],
        summary: "estimate a bar's close from its own open, high, low and volume (a same-bar estimate, not a forecast)",
        description:
          `${SEED} POST /predict. 400 BAD_REQUEST for a missing or non-finite field, a price ≤ 0, a negative volume, ` +
          'high < low or open outside [low, high]; 503 MODEL_NOT_LOADED without a model.',
        body: SeedBarSchema,
        response: { 200: PredictResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      checkBar(request.body, 'body');
      const serving = slot.require();
      return { predicted_close: estimate(serving.model, request.body, 'body'), label: SAME_BAR_LABEL };
    },
  );

  app.post(
    '/batch_predict',
    {
      logLevel: 'warn',
      config: { waits: false },
      bodyLimit: BATCH_BODY_LIMIT,
      validatorCompiler: typeboxValidator,
      schema: {
        tags: ['seed-model'],
        summary: `estimates for up to ${MAX_BATCH} bars at once`,
        description: `${SEED} POST /batch_predict with {"data": [bars]}. The whole batch is refused (400, naming the first bad bar) if any bar is; more than ${MAX_BATCH} bars is a 400.`,
        body: BatchRequestSchema,
        response: { 200: BatchResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const bars = request.body.data;
      bars.forEach((b, i) => checkBar(b, `body/data/${i}`));
      const serving = slot.require();
      const predictions = bars.map((b, i) => ({ predicted_close: estimate(serving.model, b, `body/data/${i}`) }));
      return { predictions, count: predictions.length, label: SAME_BAR_LABEL };
    },
  );

  app.post(
    '/model/reload',
    {
      schema: {
        tags: ['seed-model'],
        summary: 'read the model file again (after tickflow train); a bad file leaves the old model serving',
        description: `${SEED} POST /model/reload. 500 MODEL_INVALID when the file is missing or not a valid model; the previous model, if any, keeps serving.`,
        response: { 200: ReloadResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const before = slot.current;
      try {
        const { model } = await slot.load();
        request.log.info({ path: slot.path, createdAt: model.createdAt }, 'seed model reloaded');
        return {
          status: 'reloaded' as const,
          message: `model trained ${model.createdAt} on ${model.dataset.path} is serving`,
          model_path: slot.path ?? '',
          created_at: model.createdAt,
          rmse: model.metrics.test.rmse,
          label: SAME_BAR_LABEL,
        };
      } catch (e) {
        if (!(e instanceof TickflowError) || e.code !== 'MODEL_INVALID') throw e;
        const still = before === undefined ? 'no model is serving' : `the model trained ${before.model.createdAt} is still serving`;
        throw new TickflowError('MODEL_INVALID', `reload failed, ${still}: ${e.message}; ${TRAIN_HINT} to write a valid one`, {
          details: { path: slot.path, serving: before?.model.createdAt ?? null },
        });
      }
    },
  );
}

/** Checks a schema cannot express: the bar's prices are consistent. */
function checkBar(b: SeedBar, where: string): void {
  if (b.high < b.low) {
    throw new TickflowError('BAD_REQUEST', `${where}: high ${b.high} is below low ${b.low}; a bar's high is at least its low`, {
      details: { path: where, rule: 'high >= low' },
    });
  }
  if (b.open < b.low || b.open > b.high) {
    throw new TickflowError('BAD_REQUEST', `${where}: open ${b.open} is outside [low ${b.low}, high ${b.high}]`, {
      details: { path: where, rule: 'low <= open <= high' },
    });
  }
}

function estimate(model: SeedModel, b: SeedBar, where: string): number {
  const y = predictClose(model, b);
  if (!Number.isFinite(y)) {
    throw new TickflowError('BAD_REQUEST', `${where}: the estimate overflows; the inputs are far outside any price or volume range`, {
      details: { path: where },
    });
  }
  return y;
}

function modelInfo(m: SeedModel, path: string, loadedAt: number): ModelInfo {
  return {
    status: 'loaded',
    model_type: 'LinearRegression',
    label: SAME_BAR_LABEL,
    note: SAME_BAR_NOTE,
    target: 'close',
    features: [...SEED_FEATURES],
    intercept: m.intercept,
    coefficients: m.coefficients,
    rmse: m.metrics.test.rmse,
    metrics: m.metrics,
    training_window: { split: m.split.kind, test_fraction: m.split.testFraction, train: m.split.train, test: m.split.test },
    dataset: m.dataset,
    created_at: m.createdAt,
    created_by: m.createdBy,
    loaded_at: new Date(loadedAt).toISOString(),
    model_path: path,
    format_version: m.version,
  };
}

const MAX_REPORTED_ERRORS = 10;

/**
 * TypeBox's compiled check as the route's body validator. Its errors are reshaped to Ajv's, which
 * the API's error mapper (errors.ts) turns into one sentence: one `required` error per missing
 * property, "must be a finite number" where a number was expected (JSON's 1e999 parses to
 * Infinity, which TypeBox refuses as a number), and a hint on the batch limit.
 */
const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = Compile(schema);
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    const errors: FastifySchemaValidationError[] = [];
    for (const e of check.Errors(value)) {
      if (e.keyword === 'boolean') continue;
      const params: Record<string, unknown> = e.params;
      if (e.keyword === 'required' && Array.isArray(params['requiredProperties'])) {
        for (const p of params['requiredProperties']) {
          errors.push({ ...e, params: { missingProperty: String(p) }, message: `must have required property '${String(p)}'` });
        }
      } else if (e.keyword === 'type' && params['type'] === 'number') {
        errors.push({ ...e, message: 'must be a finite number' });
      } else if (e.keyword === 'maxItems') {
        errors.push({ ...e, message: `must not have more than ${String(params['limit'])} items; split the batch` });
      } else if (e.keyword === 'exclusiveMinimum' && params['limit'] === 0) {
        errors.push({ ...e, message: 'must be > 0 (a price)' });
      } else {
        errors.push(e);
      }
      if (errors.length >= MAX_REPORTED_ERRORS) break;
    }
    return { error: errors };
  };
};
