import type { Config } from '../config.js';
import type { ProcessorConfig } from '../../stream/index.js';
import { analyticsFactory, type ForecastSettings } from './analytics.js';

/** The processor settings a config implies. */
export function processorConfig(cfg: Config, live: boolean, warm?: ForecastSettings['warm']): ProcessorConfig {
  return {
    intervals: cfg.intervals,
    allowedLatenessMs: cfg.lateness,
    idleTimeoutMs: live ? cfg.idleTimeout : Infinity,
    latePolicy: cfg.latePolicy,
    reviseKeep: 64,
    dedupeWindow: 1_000_000,
    windows: cfg.windows,
    analytics: analyticsFactory(cfg.alertIntervals, {
      intervals: cfg.forecastIntervals,
      models: cfg.models,
      alpha: cfg.championAlpha,
      ...(warm ? { warm } : {}),
    }),
  };
}

/** The settings that shape outputs: a checkpoint is only resumed under the same ones. */
export function outputShapingSettings(cfg: Config): unknown {
  return {
    intervals: cfg.intervals.map((s) => s.name),
    lateness: cfg.lateness,
    latePolicy: cfg.latePolicy,
    windows: cfg.windows,
    alertIntervals: cfg.alertIntervals,
    forecastIntervals: cfg.forecastIntervals,
    models: cfg.models,
    championAlpha: cfg.championAlpha,
  };
}
