import type { MetricSetRecord, ModelMetrics, ModelVersion } from '../core/index.js';
import type { TrackedModelVersion } from './mapping.js';
import type { MlflowTracker } from './tracker.js';

/** Both metric sets of a record as flat MLflow metric keys: `cumulative.rmse`, `rolling.auc`, … */
function flatMetrics(cumulative: MetricSetRecord, rolling: MetricSetRecord): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [prefix, set] of [
    ['cumulative', cumulative],
    ['rolling', rolling],
  ] as const) {
    for (const [k, v] of Object.entries(set)) out[`${prefix}.${k}`] = v;
  }
  return out;
}

/** A registry entry as the tracker takes it. */
export function trackedVersion(v: ModelVersion): TrackedModelVersion {
  return {
    instrument: v.instrument,
    interval: v.interval,
    model: v.model,
    kind: v.kind,
    version: v.version,
    params: v.params,
    features: v.features,
    trainedFrom: v.trainedFrom,
    trainedTo: v.trainedTo,
    metrics: flatMetrics(v.cumulative, v.rolling),
    state: v.state,
    champion: v.status === 'champion',
    time: v.time,
    step: v.updates,
    reason: v.reason,
    status: v.status,
    detail: v.detail,
  };
}

/**
 * The pipeline's model records → MLflow, after they are stored: each version becomes a run and a
 * registered model version; each scores record is appended to the run of its model's newest
 * version (scores before a model's first version in this process have no run and are skipped).
 * Never throws or waits: the tracker queues and retries in the background.
 */
export class MlflowModelTracking {
  constructor(readonly tracker: MlflowTracker) {}

  record(versions: readonly ModelVersion[], metrics: readonly ModelMetrics[]): void {
    for (const v of versions) this.tracker.logModelVersion(trackedVersion(v));
    for (const m of metrics) {
      const key = this.tracker.openRunOf(m);
      if (key !== undefined) this.tracker.logMetrics(key, flatMetrics(m.cumulative, m.rolling), m.updates, m.time);
    }
  }

  close(timeoutMs?: number): Promise<void> {
    return this.tracker.close(timeoutMs);
  }
}
