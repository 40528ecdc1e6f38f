import { MLFLOW_LIMITS, type MlflowKeyValue, type MlflowMetricInput } from './api-types.js';

// How tickflow's model versions map onto MLflow's entities (docs/MLFLOW.md has the table):
// one run per model version, one registered model per (instrument, interval, model), one
// registered model version per tickflow version. Pure functions, no I/O.

/** A saved model version as the tracker takes it (the fields of a `model-version` record it logs). */
export interface TrackedModelVersion {
  /** Instrument id, e.g. `binance:BTCUSDT`. */
  readonly instrument: string;
  readonly interval: string;
  /** The model's name in its series (`rls`, `logistic`, `zero`, …). */
  readonly model: string;
  /** Its class (`rls`, `logistic`, `baseline`, …). */
  readonly kind: string;
  /** tickflow's version number of this model (MLflow numbers its registered versions itself). */
  readonly version: number;
  readonly params: Readonly<Record<string, string | number | boolean | null>>;
  readonly features: readonly string[];
  /** Start (epoch ms) of the first / last bar whose label it learned; null before it learned any. */
  readonly trainedFrom: number | null;
  readonly trainedTo: number | null;
  /** Scores at the time of saving, e.g. `cumulative.rmse`; null and non-finite values are not logged. */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** The model's serialized state (its toJSON), uploaded as `model/state.json` when the server proxies artifacts. */
  readonly state: unknown;
  /** True when this version is its series' champion: the registered model's `champion` alias points at it. */
  readonly champion: boolean;
  /** When it was saved (epoch ms): the run's start and the metrics' timestamp. Default: now. */
  readonly time?: number;
  /** Step of the metrics logged with it (e.g. labels learned). Default 0. */
  readonly step?: number;
  /** Why it was saved (`snapshot`, `champion`, `retrain`, …), a tag when given. */
  readonly reason?: string;
  /** `champion`, `challenger` or `quarantined`, a tag when given. */
  readonly status?: string;
  /** A sentence on why (the champion test, the quarantine reason), the run's description when given. */
  readonly detail?: string | null;
}

type VersionId = Pick<TrackedModelVersion, 'instrument' | 'interval' | 'model' | 'version'>;

/** The key a run is known by (also its name and its `tickflow.key` tag): `binance:BTCUSDT 1m rls v3`. */
export function runKey(v: VersionId): string {
  return `${v.instrument} ${v.interval} ${v.model} v${v.version}`;
}

/** The model across its versions: `binance:BTCUSDT 1m rls`. */
export function seriesModelKey(v: Omit<VersionId, 'version'>): string {
  return `${v.instrument} ${v.interval} ${v.model}`;
}

/** The series a champion is chosen in: `binance:BTCUSDT 1m`. */
export function seriesKey(v: Pick<VersionId, 'instrument' | 'interval'>): string {
  return `${v.instrument} ${v.interval}`;
}

/**
 * `tickflow.<instrument>.<interval>.<model>`, e.g. `tickflow.binance.BTCUSDT.1m.rls`. MLflow's
 * registered-model names may not hold '/' or ':', so the instrument's ':' becomes '.' and any
 * other character outside [A-Za-z0-9_.-] becomes '-'. The exact values are in the tags.
 */
export function registeredModelName(v: Omit<VersionId, 'version'>): string {
  const part = (s: string): string => s.replace(/:/g, '.').replace(/[^A-Za-z0-9_.-]/g, '-');
  return `tickflow.${part(v.instrument)}.${part(v.interval)}.${part(v.model)}`;
}

/**
 * A param, metric or tag key MLflow accepts: alphanumerics, `_ - . /` and spaces, no empty or
 * `.`/`..` path segment, at most 250 characters. Other characters become '_'.
 */
export function mlflowKey(key: string): string {
  const cleaned = key
    .replace(/[^\w.\- /]/g, '_')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s === '.' || s === '..' ? '_' : s))
    .join('/');
  return (cleaned === '' ? '_' : cleaned).slice(0, MLFLOW_LIMITS.keyLength);
}

/** Epoch ms as an ISO string, the form an MLflow page shows best. */
function iso(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

/**
 * The run's params: the model's own, then `features` (comma-separated, in order),
 * `feature_count`, `trained_from` and `trained_to` (ISO). A model param of the same name wins.
 * Values are cut to MLflow's 6000 characters.
 */
export function versionParams(v: TrackedModelVersion): MlflowKeyValue[] {
  const out = new Map<string, string>();
  const put = (k: string, value: string | number | boolean | null): void => {
    const key = mlflowKey(k);
    if (!out.has(key)) out.set(key, String(value).slice(0, MLFLOW_LIMITS.paramValueLength));
  };
  for (const [k, value] of Object.entries(v.params)) put(k, value);
  put('features', v.features.join(','));
  put('feature_count', v.features.length);
  const from = iso(v.trainedFrom);
  const to = iso(v.trainedTo);
  if (from !== null) put('trained_from', from);
  if (to !== null) put('trained_to', to);
  return [...out].map(([key, value]) => ({ key, value }));
}

/** Tags of the run and of the registered version. */
export function versionTags(v: TrackedModelVersion): MlflowKeyValue[] {
  const tags: [string, string][] = [
    ['instrument', v.instrument],
    ['interval', v.interval],
    ['model', v.model],
    ['kind', v.kind],
    ['tickflow.version', String(v.version)],
    ['champion', String(v.champion)],
  ];
  if (v.reason !== undefined) tags.push(['reason', v.reason]);
  if (v.status !== undefined) tags.push(['status', v.status]);
  return tags.map(([key, value]) => ({ key, value: value.slice(0, MLFLOW_LIMITS.tagValueLength) }));
}

/** Tags only the run has: its key (found again after a restart) and its description. */
export function runOnlyTags(v: TrackedModelVersion): MlflowKeyValue[] {
  const tags: MlflowKeyValue[] = [
    { key: 'tickflow.key', value: runKey(v) },
    { key: 'mlflow.source.name', value: 'tickflow' },
  ];
  if (v.detail) tags.push({ key: 'mlflow.note.content', value: v.detail.slice(0, MLFLOW_LIMITS.tagValueLength) });
  return tags;
}

/**
 * Metrics as log-batch takes them. Null, NaN and ±Infinity are left out and counted: JSON has no
 * NaN (it would arrive as null and fail the whole batch), and MLflow stores ±Infinity as
 * ±1.8e308, which flattens every chart of the metric.
 */
export function metricInputs(
  metrics: Readonly<Record<string, number | null>>,
  step: number,
  timestamp: number,
): { metrics: MlflowMetricInput[]; skipped: number } {
  const out: MlflowMetricInput[] = [];
  let skipped = 0;
  const s = Number.isFinite(step) ? Math.trunc(step) : 0;
  const t = Math.trunc(timestamp);
  for (const [k, value] of Object.entries(metrics)) {
    if (value === null || !Number.isFinite(value)) {
      skipped++;
      continue;
    }
    out.push({ key: mlflowKey(k), value, timestamp: t, step: s });
  }
  return { metrics: out, skipped };
}

/** The registered version's description: what it is in one line. */
export function versionDescription(v: TrackedModelVersion): string {
  const from = iso(v.trainedFrom);
  const to = iso(v.trainedTo);
  const window = from !== null && to !== null ? `, trained on bars from ${from} to ${to}` : ', not trained yet';
  return `${v.kind} model '${v.model}' of ${v.instrument} ${v.interval}, tickflow version ${v.version}${window}`;
}

/**
 * An MLflow filter string comparing a tag with a value, or null when the value cannot be quoted
 * safely (MLflow's filter grammar has no escape for a quote).
 */
export function tagFilter(key: string, value: string): string | null {
  if (/['"`\\]/.test(value) || /[`\\]/.test(key)) return null;
  return `tags.\`${key}\` = '${value}'`;
}
