import Type from 'typebox';
import { TickflowError, assert } from '../core/index.js';
import { Drift, SignPersistence, ZeroReturn } from './baselines.js';
import { Champion, type ChampionChange, type ChampionOptions, type ChampionState } from './champion.js';
import {
  FEATURE_COUNT,
  FeatureBuilder,
  type FeatureBar,
  type FeatureIndicators,
  type FeatureOptions,
  type FeatureState,
} from './features.js';
import { OnlineLogistic } from './logistic.js';
import { modelFromJSON } from './model-from-json.js';
import { checkModelState, type OnlineModel } from './online-model.js';
import { Prequential, type ModelReport, type PrequentialOptions, type PrequentialState } from './prequential.js';
import { RecursiveLeastSquares } from './rls.js';

/** The baselines (always on) and the two online linear models, for feature vectors of length dim. */
export function defaultModels(dim: number = FEATURE_COUNT): OnlineModel[] {
  return [
    new ZeroReturn(),
    new Drift(),
    new SignPersistence(),
    new RecursiveLeastSquares({ dim, lambda: 0.999, ridge: 10 }),
    new OnlineLogistic({ dim, learningRate: 0.05, l2: 1e-4 }),
  ];
}

export interface SeriesForecasterOptions {
  readonly instrument: string;
  readonly interval: string;
  readonly features?: FeatureOptions;
  /**
   * The models of this series, or a function that makes them (called when the series first
   * forecasts; see SeriesForecaster); default `defaultModels()`. Must include the champion's
   * `initial` (default 'zero').
   */
  readonly models?: readonly OnlineModel[] | (() => readonly OnlineModel[]);
  readonly prequential?: PrequentialOptions;
  readonly champion?: ChampionOptions;
}

export interface ModelForecast {
  readonly model: string;
  /** Forecast log return of the next bar. */
  readonly return: number;
  readonly pUp: number;
  /** close * exp(return): the median next close if the log return is symmetric about the forecast. */
  readonly predictedClose: number;
}

export interface NextBarForecast {
  readonly instrument: string;
  readonly interval: string;
  /** Start of the bar that just closed, the last one the forecast uses. */
  readonly barStart: number;
  /** `end` of that bar: for time bars the start of the bar forecast. */
  readonly forecastFor: number;
  readonly close: number;
  /** The model to serve (see Champion); its forecast is among `forecasts` unless it has none. */
  readonly champion: string;
  /** Every model that forecast, in model order; quarantined models are absent. */
  readonly forecasts: readonly ModelForecast[];
  /** Set when the champion changed at this bar. */
  readonly championChange: ChampionChange | null;
}

// The parts check their own state; this only checks the envelope.
const SeriesStateSchema = Type.Object(
  {
    kind: Type.Literal('seriesForecaster'),
    version: Type.Literal(1),
    instrument: Type.String(),
    interval: Type.String(),
    prevClose: Type.Union([Type.Number(), Type.Null()]),
    lastStart: Type.Union([Type.Number(), Type.Null()]),
    features: Type.Unknown(),
    models: Type.Array(Type.Unknown()),
    prequential: Type.Unknown(),
    champion: Type.Unknown(),
  },
  { additionalProperties: false },
);

export interface SeriesForecasterState {
  readonly kind: 'seriesForecaster';
  readonly version: 1;
  readonly instrument: string;
  readonly interval: string;
  readonly prevClose: number | null;
  readonly lastStart: number | null;
  readonly features: FeatureState;
  readonly models: readonly ReturnType<OnlineModel['toJSON']>[];
  readonly prequential: PrequentialState;
  readonly champion: ChampionState;
}

/** A series' models, their test-then-train evaluation and the champion choice. */
interface Evaluation {
  readonly prequential: Prequential;
  readonly champion: Champion;
}

/**
 * Everything one (instrument, interval) series needs at each bar close, in the order that keeps it
 * honest: the label of the bar that just closed is scored and learned, then its features are built
 * and the next bar is forecast. Pure and synchronous: the stream calls `onBar` with each final bar
 * and the indicator set computed at it, once, in order.
 *
 * The models and their evaluation are made at the first feature vector: the features warm up for
 * ~84 bars first (84 minutes of 1m bars, 84 days of 1d bars), and with 1,000 instruments there
 * are 5,000 series, whose model, evaluation and champion objects held ~8 MB before any of them
 * forecast (their arrays, ~30 MB, are made at first use: see RecursiveLeastSquares).
 * Reading `prequential` or `champion` makes them sooner; a series restored from a checkpoint
 * has them already.
 */
export class SeriesForecaster {
  readonly instrument: string;
  readonly interval: string;
  readonly features: FeatureBuilder;
  private evaluation: Evaluation | null = null;
  private readonly makeEvaluation: () => Evaluation;
  /** The champion before the evaluation is made. */
  private readonly startChampion: string;
  private prevClose = NaN;
  private lastStart = NaN;

  constructor(options: SeriesForecasterOptions) {
    this.instrument = options.instrument;
    this.interval = options.interval;
    this.features = new FeatureBuilder(options.features);
    const models = options.models ?? defaultModels;
    this.makeEvaluation = () => {
      const prequential = new Prequential(typeof models === 'function' ? models() : models, options.prequential);
      return { prequential, champion: new Champion(prequential, options.champion) };
    };
    // Made once now so that bad options fail here, not at the series' 84th bar.
    this.startChampion = this.makeEvaluation().champion.name;
  }

  /** The models' evaluation (made now if the series has not forecast yet). */
  get prequential(): Prequential {
    return (this.evaluation ??= this.makeEvaluation()).prequential;
  }

  /** The champion choice (made now if the series has not forecast yet). */
  get champion(): Champion {
    return (this.evaluation ??= this.makeEvaluation()).champion;
  }

  /** Labels scored so far (Prequential.steps), without making the models. */
  get steps(): number {
    return this.evaluation?.prequential.steps ?? 0;
  }

  /** The model served now, without making the models. */
  get championName(): string {
    return this.evaluation?.champion.name ?? this.startChampion;
  }

  /** The forecasts of the next bar, or null while the features warm up (and for a bar with an unusable close). */
  onBar(bar: FeatureBar, indicators: FeatureIndicators): NextBarForecast | null {
    // Misuse is refused before anything changes, so a caller that catches the error keeps a consistent series.
    assert(indicators.start === bar.start, `indicators of the bar at ${indicators.start} given with the bar at ${bar.start}`);
    if (bar.start < this.lastStart) {
      throw new TickflowError(
        'BAD_TIMESTAMP',
        `${this.instrument} ${this.interval}: bar at ${bar.start} arrived after the bar at ${this.lastStart}; forecasts need each final bar once, in order`,
      );
    }
    const close = bar.close;
    if (!(close > 0 && Number.isFinite(close))) return null;
    this.lastStart = bar.start;
    const prev = this.prevClose;
    this.prevClose = close;
    let change: ChampionChange | null = null;
    // Before the first forecast there is nothing to score or learn.
    const ev = this.evaluation;
    if (!Number.isNaN(prev) && ev !== null) {
      ev.prequential.observe(Math.log(close / prev));
      change = ev.champion.onStep();
    }
    const x = this.features.onBar(bar, indicators);
    if (x === null) {
      ev?.prequential.forecast(null);
      return null;
    }
    const { prequential, champion } = (this.evaluation ??= this.makeEvaluation());
    const fs = prequential.forecast(x);
    const forecasts: ModelForecast[] = [];
    const models = prequential.models;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i];
      const m = models[i];
      if (f === null || f === undefined || m === undefined) continue;
      forecasts.push({ model: m.name, return: f.return, pUp: f.pUp, predictedClose: close * Math.exp(f.return) });
    }
    return {
      instrument: this.instrument,
      interval: this.interval,
      barStart: bar.start,
      forecastFor: bar.end,
      close,
      champion: champion.name,
      forecasts,
      championChange: change,
    };
  }

  report(): ModelReport[] {
    return this.prequential.report();
  }

  /**
   * The whole series state, JSON-safe: a checkpoint to restore with `fromJSON` and continue bit
   * for bit. Before the first forecast the models' part is that of freshly made ones.
   */
  toJSON(): SeriesForecasterState {
    const { prequential, champion } = this.evaluation ?? this.makeEvaluation();
    return {
      kind: 'seriesForecaster',
      version: 1,
      instrument: this.instrument,
      interval: this.interval,
      prevClose: Number.isNaN(this.prevClose) ? null : this.prevClose,
      lastStart: Number.isNaN(this.lastStart) ? null : this.lastStart,
      features: this.features.toJSON(),
      models: prequential.models.map((m) => m.toJSON()),
      prequential: prequential.toJSON(),
      champion: champion.toJSON(),
    };
  }

  static fromJSON(state: unknown): SeriesForecaster {
    const s = checkModelState(SeriesStateSchema, state, 'series forecaster');
    const sf = Object.create(SeriesForecaster.prototype) as SeriesForecaster;
    const models = s.models.map(modelFromJSON);
    const prequential = Prequential.fromJSON(s.prequential, models);
    const champion = Champion.fromJSON(s.champion, prequential);
    const evaluation: Evaluation = { prequential, champion };
    Object.assign(sf, {
      instrument: s.instrument,
      interval: s.interval,
      prevClose: s.prevClose ?? NaN,
      lastStart: s.lastStart ?? NaN,
      features: FeatureBuilder.fromJSON(s.features),
      evaluation,
      makeEvaluation: () => evaluation,
      startChampion: champion.name,
    });
    return sf;
  }
}
