import { TickflowError } from '../core/index.js';
import type { Logger } from '../obs/index.js';
import { MlflowTracker, type MlflowTrackerOptions } from './tracker.js';

/** Where and as whom to log, read from MLflow's own environment variables. */
export interface MlflowConnection {
  /** Base URL of the tracking server, without credentials or a trailing slash. */
  readonly trackingUri: string;
  readonly experimentName: string;
  /** `Authorization` (and nothing else) when credentials were given. */
  readonly headers: Readonly<Record<string, string>>;
}

export const DEFAULT_EXPERIMENT_NAME = 'tickflow';

/**
 * The connection described by the environment, or null when `MLFLOW_TRACKING_URI` is unset or
 * empty (MLflow tracking is off). The variables are MLflow's own, so one environment serves
 * tickflow and MLflow's Python client alike:
 *
 *   MLFLOW_TRACKING_URI        http(s)://host[:port][/prefix] of a tracking server
 *   MLFLOW_EXPERIMENT_NAME     experiment to log to (default `tickflow`), created when missing
 *   MLFLOW_TRACKING_TOKEN      sent as `Authorization: Bearer <token>`
 *   MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD   HTTP basic auth (wins over the token, as in MLflow's client)
 *
 * A URI that is not an http(s) URL (MLflow's `file:`, `sqlite:` or `databricks` stores have no
 * REST API for tickflow to talk to) is refused with CONFIG_INVALID. Credentials written into
 * the URL (`http://user:pass@host`) become basic auth, since fetch refuses such URLs.
 */
export function mlflowConnectionFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): MlflowConnection | null {
  const get = (k: string): string | undefined => {
    const v = env[k]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const raw = get('MLFLOW_TRACKING_URI');
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(raw, 'it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(raw, `tickflow talks to a tracking server over its REST API, and '${url.protocol}' is not http: or https:`);
  }
  if (url.hostname === '') throw invalid(raw, 'it names no host');
  if (url.search !== '' || url.hash !== '') throw invalid(raw, 'it has a query or fragment');

  let username = get('MLFLOW_TRACKING_USERNAME');
  let password = get('MLFLOW_TRACKING_PASSWORD');
  if (url.username !== '' || url.password !== '') {
    username ??= decodeURIComponent(url.username);
    password ??= decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new TickflowError(
      'CONFIG_INVALID',
      'MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD go together: set both for basic auth, or neither',
    );
  }
  const headers: Record<string, string> = {};
  const token = get('MLFLOW_TRACKING_TOKEN');
  if (username !== undefined && password !== undefined) {
    headers['Authorization'] = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  } else if (token !== undefined) {
    headers['Authorization'] = `Bearer ${token}`;
  }
  return {
    trackingUri: url.toString().replace(/\/+$/, ''),
    experimentName: get('MLFLOW_EXPERIMENT_NAME') ?? DEFAULT_EXPERIMENT_NAME,
    headers,
  };
}

/**
 * An MlflowTracker for the tracking server the environment names, or null when
 * `MLFLOW_TRACKING_URI` is unset (tracking off). Throws CONFIG_INVALID for a malformed setting,
 * so a typo stops the start instead of silently logging nowhere; the server being down does not.
 */
export function mlflowFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
  opts: Omit<MlflowTrackerOptions, 'trackingUri' | 'experimentName' | 'headers' | 'logger'> = {},
): MlflowTracker | null {
  const conn = mlflowConnectionFromEnv(env);
  if (conn === null) return null;
  logger.info({ trackingUri: conn.trackingUri, experiment: conn.experimentName }, 'mlflow: tracking model versions');
  return new MlflowTracker({ ...opts, ...conn, logger });
}

function invalid(raw: string, why: string): TickflowError {
  return new TickflowError(
    'CONFIG_INVALID',
    `MLFLOW_TRACKING_URI='${redact(raw)}' is not usable: ${why} (expected http(s)://host[:port][/path] of an MLflow tracking server)`,
  );
}

/** The URI as it may be logged: a password in it is replaced. */
function redact(raw: string): string {
  return raw.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:***@');
}
