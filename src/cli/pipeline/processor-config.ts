import type { Config } from '../config.js';
import type { ProcessorConfig } from '../../stream/index.js';
import { analyticsFactory } from './analytics.js';

/** The processor settings a config implies. */
export function processorConfig(cfg: Config, live: boolean): ProcessorConfig {
  return {
    intervals: cfg.intervals,
    allowedLatenessMs: cfg.lateness,
    idleTimeoutMs: live ? cfg.idleTimeout : Infinity,
    latePolicy: cfg.latePolicy,
    reviseKeep: 64,
    dedupeWindow: 1_000_000,
    windows: cfg.windows,
    analytics: analyticsFactory(cfg.alertIntervals),
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
  };
}
