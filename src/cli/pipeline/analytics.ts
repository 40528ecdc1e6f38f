import { TickflowError, type Bar, type ModelVersion } from '../../core/index.js';
import { ForecastSeries, type ForecastSeriesOptions, type WarmStart } from '../../models/index.js';
import { AlertEngine } from '../../stream/alerts/index.js';
import { IndicatorEngine } from '../../stream/indicators/index.js';
import type { AnalyticsFactory, BarAnalytics, ProcessorOutputs } from '../../stream/index.js';

interface SavedAnalytics {
  indicators: unknown;
  alerts: unknown;
  forecast?: unknown;
}

/** Which series forecast the next bar, and with what. */
export interface ForecastSettings {
  readonly intervals: readonly string[];
  /** Model names (the baselines included); see resolveModels. */
  readonly models: readonly string[];
  /** Level of the Diebold-Mariano test a challenger must pass to become champion. */
  readonly alpha: number;
  readonly metricsEvery?: number;
  readonly versionEvery?: number;
  /** Called with each forecasting series the factory makes (`tickflow backtest` reads their final scores). */
  readonly onSeries?: (series: ForecastSeries) => void;
  /** The models by name (default MODEL_FACTORIES). */
  readonly factories?: ForecastSeriesOptions['factories'];
  /** A series without saved analytics state starts from these (the registry's newest versions). */
  readonly warm?: (instrument: string, interval: string) => WarmStart | undefined;
}

/** Warm starts by series from the registry's newest versions (Store.latestModelVersions). */
export function warmStarts(versions: readonly ModelVersion[]): (instrument: string, interval: string) => WarmStart | undefined {
  const by = new Map<string, { states: Map<string, unknown>; versions: Map<string, number>; champion?: string }>();
  for (const v of versions) {
    const key = `${v.instrument}|${v.interval}`;
    let w = by.get(key);
    if (!w) by.set(key, (w = { states: new Map(), versions: new Map() }));
    w.states.set(v.model, v.state);
    w.versions.set(v.model, v.version);
    if (v.status === 'champion') w.champion = v.model;
  }
  return (instrument, interval) => by.get(`${instrument}|${interval}`);
}

/** Indicators at every final bar of an (instrument, interval); anomaly detectors and forecasters where configured. */
class BarAnalyticsImpl implements BarAnalytics {
  private lastStart = NaN;

  constructor(
    private readonly series: string,
    private readonly indicators: IndicatorEngine,
    private readonly alerts: AlertEngine | null,
    private readonly forecast: ForecastSeries | null,
  ) {}

  onFinalBar(bar: Bar, out: ProcessorOutputs): void {
    const ind = this.indicators.onBar(bar);
    out.indicators.push(ind);
    if (this.alerts) for (const a of this.alerts.onBar(bar)) out.alerts.push(a);
    if (this.forecast) {
      this.forecast.onBar(bar, ind, out);
      this.lastStart = bar.start;
    }
  }

  snapshot(out: ProcessorOutputs): void {
    if (this.forecast && !Number.isNaN(this.lastStart)) this.forecast.snapshot(this.lastStart, out);
  }

  promote(model: string, out: ProcessorOutputs): unknown {
    // Not "already champion" (200, changed: false): nothing forecasts this series to promote in.
    if (!this.forecast) {
      throw new TickflowError('NOT_FOUND', `${this.series} has no forecasting models; --forecast-intervals names the intervals that have`);
    }
    return this.forecast.promote(model, Number.isNaN(this.lastStart) ? Date.now() : this.lastStart, out);
  }

  toJSON(): SavedAnalytics {
    return { indicators: this.indicators.toJSON(), alerts: this.alerts?.toJSON() ?? null, forecast: this.forecast?.toJSON() ?? null };
  }
}

/**
 * Scores are written about once per hour of bar time, at most every bar and at least every 60 bars
 * (a report costs O(rolling window) per model: at every 1m bar it was 8 times the forecasting).
 */
export function metricsEveryFor(intervalMs: number | null): number {
  if (intervalMs === null) return 10;
  return Math.max(1, Math.min(60, Math.round(3_600_000 / intervalMs)));
}

// The pipeline keeps less per-step history than the library default: it is in every checkpoint.
const PIPELINE_PREQUENTIAL = { window: 500, history: 1000, aucBins: 256 } as const;

export function analyticsFactory(alertIntervals: readonly string[], forecast?: ForecastSettings): AnalyticsFactory {
  const alerting = new Set(alertIntervals);
  const forecasting = new Set(forecast?.intervals ?? []);
  return (instrument, interval, ms, saved) => {
    const s = saved as SavedAnalytics | undefined;
    const indicators = s ? IndicatorEngine.fromJSON(s.indicators) : new IndicatorEngine({ instrument, interval });
    let alerts: AlertEngine | null = null;
    if (alerting.has(interval)) alerts = s?.alerts ? AlertEngine.fromJSON(s.alerts) : new AlertEngine({ instrument, interval });
    let fs: ForecastSeries | null = null;
    if (forecast && forecasting.has(interval)) {
      if (s?.forecast) fs = ForecastSeries.fromJSON(s.forecast);
      else {
        const warm = forecast.warm?.(instrument, interval);
        const o: ForecastSeriesOptions = {
          instrument,
          interval,
          models: forecast.models,
          prequential: PIPELINE_PREQUENTIAL,
          champion: { alpha: forecast.alpha },
          metricsEvery: forecast.metricsEvery ?? metricsEveryFor(ms),
          ...(warm ? { warm } : {}),
          ...(forecast.factories ? { factories: forecast.factories } : {}),
          ...(forecast.versionEvery !== undefined ? { versionEvery: forecast.versionEvery } : {}),
        };
        fs = new ForecastSeries(o);
      }
      forecast.onSeries?.(fs);
    }
    return new BarAnalyticsImpl(`${instrument} ${interval}`, indicators, alerts, fs);
  };
}
