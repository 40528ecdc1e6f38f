import type { Alert, Bar, IndicatorSet, LateTrade, ModelMetrics, ModelVersion, Prediction, WindowStats } from '../core/index.js';

export interface DrainedOutputs {
  bars: Bar[];
  indicators: IndicatorSet[];
  alerts: Alert[];
  windows: WindowStats[];
  late: LateTrade[];
  predictions: Prediction[];
  modelMetrics: ModelMetrics[];
  modelVersions: ModelVersion[];
}

/**
 * What the processor produced since the caller last drained it. Arrays are reused; the
 * caller takes ownership by calling `drain()`.
 */
export class ProcessorOutputs implements DrainedOutputs {
  bars: Bar[] = [];
  indicators: IndicatorSet[] = [];
  alerts: Alert[] = [];
  windows: WindowStats[] = [];
  late: LateTrade[] = [];
  predictions: Prediction[] = [];
  modelMetrics: ModelMetrics[] = [];
  modelVersions: ModelVersion[] = [];

  isEmpty(): boolean {
    return (
      this.bars.length +
        this.indicators.length +
        this.alerts.length +
        this.windows.length +
        this.late.length +
        this.predictions.length +
        this.modelMetrics.length +
        this.modelVersions.length ===
      0
    );
  }

  drain(): DrainedOutputs {
    const d: DrainedOutputs = {
      bars: this.bars,
      indicators: this.indicators,
      alerts: this.alerts,
      windows: this.windows,
      late: this.late,
      predictions: this.predictions,
      modelMetrics: this.modelMetrics,
      modelVersions: this.modelVersions,
    };
    this.bars = [];
    this.indicators = [];
    this.alerts = [];
    this.windows = [];
    this.late = [];
    this.predictions = [];
    this.modelMetrics = [];
    this.modelVersions = [];
    return d;
  }
}

/**
 * Per-(instrument, interval) analytics run on each final bar (indicators, anomaly
 * detectors, forecasters). Supplied by the pipeline so the bar engine stays independent of them.
 */
export interface BarAnalytics {
  onFinalBar(bar: Bar, out: ProcessorOutputs): void;
  toJSON(): unknown;
  /** Makes `model` the series' champion (forecasting series only); see ForecastSeries.promote. */
  promote?(model: string, out: ProcessorOutputs): unknown;
  /** Saves every model's state now (forecasting series only): at shutdown. */
  snapshot?(out: ProcessorOutputs): void;
}

export type AnalyticsFactory = (instrument: string, intervalName: string, intervalMs: number | null, saved: unknown) => BarAnalytics | null;
