import { join } from 'node:path';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { TickflowError } from '../../core/index.js';
import type { SeedBar } from './features.js';

/** The model file `tickflow train` writes and the API serves, one JSON document. */
export const SEED_MODEL_FORMAT = 'tickflow/seed-linear';
export const SEED_MODEL_VERSION = 1;
/** Where the model lives under the data dir, unless `tickflow train --out` says otherwise. */
export const SEED_MODEL_FILE = 'models/seed-linear.json';

/** The model file of a data dir: what `tickflow train` writes by default and `run`/`serve` load. */
export function seedModelPath(dataDir: string): string {
  return join(dataDir, SEED_MODEL_FILE);
}

/** Said wherever the model is described (/model/info, /predict, the train summary, docs/SEED_API.md). */
export const SAME_BAR_LABEL = 'same-bar estimator, not a forecast' as const;
export const SAME_BAR_NOTE =
  "Estimates a daily bar's close from the same bar's open, high, low and volume. High, low and volume are known only once " +
  'the bar has closed, when its close is known too, so this cannot forecast a future price; a low error here says nothing ' +
  'about how predictable the market is.';

const DayString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day YYYY-MM-DD' });

export const RegressionMetricsSchema = Type.Object(
  {
    rows: Type.Integer({ minimum: 1, description: 'days scored' }),
    rmse: Type.Number({ minimum: 0, description: 'root mean squared error of the close, price units' }),
    mae: Type.Number({ minimum: 0, description: 'mean absolute error of the close, price units' }),
    r2: Type.Union([Type.Number(), Type.Null()], {
      description: 'coefficient of determination on these rows (null if their closes are all equal)',
    }),
  },
  { additionalProperties: false },
);

export const DayWindowSchema = Type.Object(
  { from: DayString, to: DayString, rows: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false, description: 'first and last day (inclusive) and the number of days' },
);

export const SeedModelSchema = Type.Object(
  {
    format: Type.Literal(SEED_MODEL_FORMAT),
    version: Type.Literal(SEED_MODEL_VERSION),
    estimator: Type.Literal('same-bar', { description: SAME_BAR_LABEL }),
    method: Type.Literal('ols', {
      description: 'ordinary least squares, normal equations on standardized features (src/models/seed/ols.ts)',
    }),
    target: Type.Literal('close'),
    features: Type.Tuple([Type.Literal('open'), Type.Literal('high'), Type.Literal('low'), Type.Literal('volume')]),
    intercept: Type.Number(),
    coefficients: Type.Object(
      { open: Type.Number(), high: Type.Number(), low: Type.Number(), volume: Type.Number() },
      { additionalProperties: false, description: 'close = intercept + Σ coefficient × feature, in the units of the training file' },
    ),
    split: Type.Object(
      {
        kind: Type.Literal('time-ordered', { description: 'the newest days are the test set; nothing is shuffled' }),
        testFraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
        train: DayWindowSchema,
        test: DayWindowSchema,
      },
      { additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        train: RegressionMetricsSchema,
        test: RegressionMetricsSchema,
        baselines: Type.Object(
          {
            open: Type.Intersect([RegressionMetricsSchema], { description: 'close = open, on the test days' }),
            midrange: Type.Intersect([RegressionMetricsSchema], { description: 'close = (high + low) / 2, on the test days' }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    dataset: Type.Object(
      {
        path: Type.String({ minLength: 1, description: 'absolute path of the training file when it was trained' }),
        sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        format: Type.Union([Type.Literal('kaggle-daily'), Type.Literal('daily-ohlcv')]),
        symbol: Type.Optional(Type.String()),
        rows: Type.Integer({ minimum: 1 }),
        from: DayString,
        to: DayString,
      },
      { additionalProperties: false },
    ),
    createdAt: Type.String({ description: 'ISO-8601 time of training' }),
    createdBy: Type.String({ description: 'tickflow version that trained it' }),
  },
  { additionalProperties: false },
);
export type SeedModel = Static<typeof SeedModelSchema>;

/** Checks a parsed model document; MODEL_INVALID says what is wrong and where. */
export function checkSeedModel(value: unknown, source: string): SeedModel {
  if (typeof value === 'object' && value !== null && 'format' in value && value.format === SEED_MODEL_FORMAT) {
    const v = 'version' in value ? value.version : undefined;
    if (v !== SEED_MODEL_VERSION) {
      throw new TickflowError(
        'MODEL_INVALID',
        `${source}: model file version ${String(v)}; this tickflow reads version ${SEED_MODEL_VERSION}: train it again`,
      );
    }
  }
  if (Value.Check(SeedModelSchema, value)) return value;
  const errors = Value.Errors(SeedModelSchema, value);
  const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
  const where = first === undefined ? '' : ` at '${first.instancePath || '/'}': ${first.message}`;
  throw new TickflowError('MODEL_INVALID', `${source} is not a tickflow seed model${where}`, { details: first });
}

/** Parses the text of a model file (see `checkSeedModel`). */
export function parseSeedModel(text: string, source: string): SeedModel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TickflowError('MODEL_INVALID', `${source} is not JSON (${(e as Error).message}); train it again with tickflow train`);
  }
  return checkSeedModel(value, source);
}

export function serializeSeedModel(model: SeedModel): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}

/** The estimated close of a bar; may overflow to ±Infinity for inputs far outside any price range. */
export function predictClose(model: Pick<SeedModel, 'intercept' | 'coefficients'>, bar: SeedBar): number {
  const c = model.coefficients;
  return model.intercept + c.open * bar.open + c.high * bar.high + c.low * bar.low + c.volume * bar.volume;
}
