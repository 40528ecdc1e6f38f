import Type from 'typebox';
import {
  TickflowError,
  type MetricSetRecord,
  type ModelMetrics,
  type ModelStatus,
  type ModelVersion,
  type ModelVersionReason,
  type Prediction,
} from '../core/index.js';
import { Drift, SignPersistence, ZeroReturn } from './baselines.js';
import { ForestModel, type RetrainMode } from './forest/index.js';
import { DEFAULT_MODELS, type ModelName } from './model-names.js';
import type { ChampionChange, ChampionOptions } from './champion.js';
import { FEATURE_COUNT, FEATURE_NAMES, type FeatureBar, type FeatureIndicators, type FeatureOptions } from './features.js';
import { OnlineLogistic } from './logistic.js';
import { modelFromJSON } from './model-from-json.js';
import { checkModelState, type OnlineModel } from './online-model.js';
import type { MetricSet, ModelReport, PrequentialOptions } from './prequential.js';
import { RecursiveLeastSquares } from './rls.js';
import { SeriesForecaster } from './series-forecaster.js';

/** Where a series' records go: the processor's outputs fit. */
export interface ForecastSink {
  predictions: Prediction[];
  modelMetrics: ModelMetrics[];
  modelVersions: ModelVersion[];
}

/**
 * The pipeline's forest: a 1,000-row window (a fit of ml-random-forest costs seconds and grows with
 * the square of the window: bench/retrain.bench.ts), fitted on the worker thread, or inline where a
 * run must be reproducible (backtests).
 */
export function forestModel(dim: number, mode: RetrainMode = 'worker'): ForestModel {
  return new ForestModel({ dim, window: 1000, mode });
}

/** The models a series can run, by the name the CLI's `--models` takes (model-names.ts). */
export const MODEL_FACTORIES: Readonly<Record<ModelName, (dim: number) => OnlineModel>> = {
  zero: () => new ZeroReturn(),
  drift: () => new Drift(),
  'sign-persistence': () => new SignPersistence(),
  rls: (dim) => new RecursiveLeastSquares({ dim, lambda: 0.999, ridge: 10 }),
  logistic: (dim) => new OnlineLogistic({ dim, learningRate: 0.05, l2: 1e-4 }),
  // opt-in (not in DEFAULT_MODELS)
  forest: (dim) => forestModel(dim),
};

export interface ForecastSeriesOptions {
  readonly instrument: string;
  readonly interval: string;
  /** Model names (see MODEL_FACTORIES); default DEFAULT_MODELS. */
  readonly models?: readonly string[];
  readonly factories?: Readonly<Record<string, (dim: number) => OnlineModel>>;
  readonly features?: FeatureOptions;
  readonly prequential?: PrequentialOptions;
  readonly champion?: ChampionOptions;
  /** A metrics record per model every this many labels. Default 10. */
  readonly metricsEvery?: number;
  /** A version (state snapshot) per model every this many labels. Default 1000. */
  readonly versionEvery?: number;
  /**
   * A warm start from the registry: models with a saved state (their newest versions) continue
   * from it instead of starting untrained, and `champion` serves from the start when it is one of
   * them. The scores start afresh: the test-then-train record covers this run only. A state that
   * does not restore (another kind, a bad one) is ignored: that model starts untrained.
   */
  readonly warm?: WarmStart;
}

export interface WarmStart {
  /** Saved state by model name. */
  readonly states: ReadonlyMap<string, unknown>;
  /** Version numbers by model name: new versions continue from them. */
  readonly versions?: ReadonlyMap<string, number>;
  readonly champion?: string;
}

const StateSchema = Type.Object(
  {
    kind: Type.Literal('forecastSeries'),
    version: Type.Literal(1),
    metricsEvery: Type.Integer({ minimum: 1 }),
    versionEvery: Type.Integer({ minimum: 1 }),
    firstLabel: Type.Union([Type.Number(), Type.Null()]),
    lastLabel: Type.Union([Type.Number(), Type.Null()]),
    labels: Type.Integer({ minimum: 0 }),
    versions: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    forecaster: Type.Unknown(),
  },
  { additionalProperties: false },
);

// Options of each model kind, as saved in a version's params; the rest of its state is learned.
const PARAM_KEYS: Readonly<Record<string, readonly string[]>> = {
  rls: ['dim', 'lambda', 'ridge', 'maxTrace'],
  logistic: ['dim', 'learningRate', 'l2', 'magnitudeRate'],
  forest: ['dim', 'window', 'retrainEvery', 'minRows', 'trial', 'trees', 'maxDepth', 'minSplit', 'features', 'seed'],
};

const metricRecord = (m: MetricSet): MetricSetRecord => {
  const v = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    n: m.n,
    rmse: v(m.rmse),
    mae: v(m.mae),
    directionalAccuracy: v(m.directionalAccuracy),
    logLoss: v(m.logLoss),
    brier: v(m.brier),
    auc: v(m.auc),
  };
};

/**
 * A series' forecaster as the stream runs it: at each final bar it scores, learns and forecasts
 * (SeriesForecaster), and turns that into records: a prediction per model, each model's scores
 * every `metricsEvery` labels, and a saved version of a model every `versionEvery` labels, when
 * it becomes champion and when it is quarantined. Pure and synchronous like the forecaster.
 */
export class ForecastSeries {
  readonly forecaster: SeriesForecaster;
  private readonly metricsEvery: number;
  private readonly versionEvery: number;
  private firstLabel = NaN;
  private lastLabel = NaN;
  private labels = 0;
  private readonly versions = new Map<string, number>();
  private readonly quarantined = new Set<string>();
  /** The fit each retrained model served when last looked at. */
  private readonly fits = new Map<string, number>();

  constructor(options: ForecastSeriesOptions | { restore: unknown }) {
    if ('restore' in options) {
      const s = checkModelState(StateSchema, options.restore, 'forecast series');
      this.forecaster = SeriesForecaster.fromJSON(s.forecaster);
      this.metricsEvery = s.metricsEvery;
      this.versionEvery = s.versionEvery;
      this.firstLabel = s.firstLabel ?? NaN;
      this.lastLabel = s.lastLabel ?? NaN;
      this.labels = s.labels;
      for (const [k, v] of Object.entries(s.versions)) this.versions.set(k, v);
      for (const m of this.forecaster.prequential.models) {
        if (m.quarantined) this.quarantined.add(m.name);
        if (m instanceof ForestModel) this.fits.set(m.name, m.version);
      }
      return;
    }
    const factories: Readonly<Record<string, (dim: number) => OnlineModel>> = options.factories ?? MODEL_FACTORIES;
    const names = options.models ?? DEFAULT_MODELS;
    const warm = options.warm;
    const make = (n: string): OnlineModel => {
      const f = factories[n];
      if (f === undefined) throw new TickflowError('CONFIG_INVALID', `unknown model '${n}' (known: ${Object.keys(factories).join(', ')})`);
      const fresh = f(FEATURE_COUNT);
      const saved = warm?.states.get(n);
      if (saved === undefined) return fresh;
      try {
        const m = modelFromJSON(saved);
        return m.name === fresh.name && m.kind === fresh.kind && m.dim === fresh.dim && !m.quarantined ? m : fresh;
      } catch {
        return fresh;
      }
    };
    // Made when the series first forecasts (see SeriesForecaster); models warm-started from the registry now.
    const models = warm === undefined ? () => names.map(make) : names.map(make);
    for (const [k, v] of warm?.versions ?? []) this.versions.set(k, v);
    const start = warm?.champion !== undefined && names.includes(warm.champion) ? warm.champion : undefined;
    this.forecaster = new SeriesForecaster({
      instrument: options.instrument,
      interval: options.interval,
      models,
      ...(options.features ? { features: options.features } : {}),
      ...(options.prequential ? { prequential: options.prequential } : {}),
      ...(options.champion || start ? { champion: { ...options.champion, ...(start ? { start } : {}) } } : {}),
    });
    this.metricsEvery = options.metricsEvery ?? 10;
    this.versionEvery = options.versionEvery ?? 1000;
    for (const [k, v] of [
      ['metricsEvery', this.metricsEvery],
      ['versionEvery', this.versionEvery],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new TickflowError('CONFIG_INVALID', `${k} must be an integer >= 1, got ${v}`);
    }
  }

  get instrument(): string {
    return this.forecaster.instrument;
  }

  get interval(): string {
    return this.forecaster.interval;
  }

  get champion(): string {
    return this.forecaster.championName;
  }

  /** At each final bar, once, in order: the forecaster's step and the records it implies. */
  onBar(bar: FeatureBar, indicators: FeatureIndicators, out: ForecastSink): void {
    const before = this.forecaster.steps;
    const f = this.forecaster.onBar(bar, indicators);
    const labelled = this.forecaster.steps > before;
    if (labelled) {
      if (Number.isNaN(this.firstLabel)) this.firstLabel = bar.start;
      this.lastLabel = bar.start;
      this.labels++;
    }
    const change = f?.championChange ?? null;
    if (labelled || change) this.record(bar.start, change, labelled, out);
    if (f === null) return;
    const champion = f.champion;
    for (const m of f.forecasts) {
      out.predictions.push({
        type: 'prediction',
        instrument: f.instrument,
        interval: f.interval,
        model: m.model,
        start: f.barStart,
        target: f.forecastFor,
        close: f.close,
        return: m.return,
        pUp: m.pUp,
        predictedClose: m.predictedClose,
        champion: m.model === champion,
      });
    }
  }

  /** Saves a version of every model now (reason 'snapshot'): at shutdown, so a warm start loses nothing. */
  snapshot(time: number, out: ForecastSink): void {
    if (this.labels === 0) return;
    for (const r of this.forecaster.report()) this.saveVersion(r.model, time, 'snapshot', null, out, r);
  }

  /** Makes `model` the champion by hand; its version is saved with reason 'promote'. */
  promote(model: string, time: number, out: ForecastSink): ChampionChange | null {
    const change = this.forecaster.champion.promote(model);
    if (change) this.saveVersion(model, time, 'promote', describeChange(change), out, this.reportOf(model));
    return change;
  }

  private reportOf(model: string): ModelReport | undefined {
    return this.forecaster.report().find((r) => r.model === model);
  }

  private record(time: number, change: ChampionChange | null, labelled: boolean, out: ForecastSink): void {
    const dueMetrics = labelled && this.labels % this.metricsEvery === 0;
    // a retrained model that started serving a new fit gets a registry version of its own
    let retrained: Set<string> | null = null;
    for (const m of this.forecaster.prequential.models) {
      if (!(m instanceof ForestModel) || m.version <= (this.fits.get(m.name) ?? 0)) continue;
      this.fits.set(m.name, m.version);
      (retrained ??= new Set()).add(m.name);
    }
    const dueVersion = labelled && this.labels % this.versionEvery === 0;
    let newly: Set<string> | null = null;
    for (const m of this.forecaster.prequential.models) {
      if (m.quarantined && !this.quarantined.has(m.name)) {
        this.quarantined.add(m.name);
        (newly ??= new Set()).add(m.name);
      } else if (!m.quarantined) this.quarantined.delete(m.name);
    }
    // The report costs O(rolling window) per model: only build it when something is written.
    if (!dueMetrics && !dueVersion && change === null && newly === null && retrained === null) return;
    const champion = this.champion;
    for (const r of this.forecaster.report()) {
      const status: ModelStatus = r.quarantined ? 'quarantined' : r.model === champion ? 'champion' : 'challenger';
      const isNew = newly?.has(r.model) ?? false;
      if (dueMetrics || isNew || (change !== null && (r.model === change.to || r.model === change.from))) {
        out.modelMetrics.push({
          type: 'model-metrics',
          instrument: this.instrument,
          interval: this.interval,
          model: r.model,
          kind: r.kind,
          time,
          status,
          updates: r.updates,
          cumulative: metricRecord(r.cumulative),
          rolling: metricRecord(r.rolling),
        });
      }
      if (isNew) this.saveVersion(r.model, time, 'quarantine', r.quarantineReason, out, r);
      else if (change !== null && r.model === change.to && change.reason !== 'manual')
        this.saveVersion(r.model, time, 'champion', describeChange(change), out, r);
      else if (retrained?.has(r.model)) this.saveVersion(r.model, time, 'retrain', retrainDetail(this.forecaster, r.model), out, r);
      else if (dueVersion) this.saveVersion(r.model, time, 'snapshot', null, out, r);
    }
  }

  private saveVersion(
    model: string,
    time: number,
    reason: ModelVersionReason,
    detail: string | null,
    out: ForecastSink,
    report: ModelReport | undefined,
  ): void {
    const m = this.forecaster.prequential.models.find((x) => x.name === model);
    if (m === undefined || report === undefined) return;
    const version = (this.versions.get(model) ?? 0) + 1;
    this.versions.set(model, version);
    const state = m.toJSON();
    const keys = PARAM_KEYS[m.kind] ?? [];
    const params: Record<string, number | string | boolean | null> = {};
    for (const k of keys) {
      const v = state[k];
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') params[k] = v;
    }
    const champion = this.champion;
    out.modelVersions.push({
      type: 'model-version',
      instrument: this.instrument,
      interval: this.interval,
      model,
      kind: m.kind,
      version,
      time,
      reason,
      status: m.quarantined ? 'quarantined' : model === champion ? 'champion' : 'challenger',
      params,
      features: m.dim > 0 ? [...FEATURE_NAMES] : [],
      trainedFrom: Number.isNaN(this.firstLabel) ? null : this.firstLabel,
      trainedTo: Number.isNaN(this.lastLabel) ? null : this.lastLabel,
      updates: m.updates,
      cumulative: metricRecord(report.cumulative),
      rolling: metricRecord(report.rolling),
      detail,
      state,
    });
  }

  toJSON(): unknown {
    return {
      kind: 'forecastSeries',
      version: 1,
      metricsEvery: this.metricsEvery,
      versionEvery: this.versionEvery,
      firstLabel: Number.isNaN(this.firstLabel) ? null : this.firstLabel,
      lastLabel: Number.isNaN(this.lastLabel) ? null : this.lastLabel,
      labels: this.labels,
      versions: Object.fromEntries(this.versions),
      forecaster: this.forecaster.toJSON(),
    };
  }

  static fromJSON(state: unknown): ForecastSeries {
    return new ForecastSeries({ restore: state });
  }
}

function retrainDetail(f: SeriesForecaster, model: string): string | null {
  const m = f.prequential.models.find((x) => x.name === model);
  if (!(m instanceof ForestModel)) return null;
  return `fit ${m.version}: ${m.trainedRows} rows, up to the model's label ${m.trainedAt}`;
}

function describeChange(c: ChampionChange): string {
  if (c.reason === 'manual') return `promoted by hand over ${c.from} at step ${c.step}`;
  if (c.reason === 'quarantine') return `replaced quarantined ${c.from} at step ${c.step}`;
  const stat = c.statistic === null ? 'n/a' : c.statistic.toFixed(3);
  const p = c.pValue === null ? 'n/a' : c.pValue.toExponential(2);
  return `beat ${c.from} in a Diebold-Mariano test at step ${c.step}: DM ${stat}, p ${p}, n ${c.n}`;
}
