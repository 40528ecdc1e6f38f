import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import Type from 'typebox';
import { TickflowError, type ErrorCode } from '../core/index.js';
import {
  ErrorBodySchema,
  ExperimentSchema,
  LOG_BATCH_LIMITS,
  ModelVersionSchema,
  RegisteredModelSchema,
  RunInfoSchema,
  RunSchema,
  type MlflowExperiment,
  type MlflowKeyValue,
  type MlflowMetricInput,
  type MlflowModelVersion,
  type MlflowRegisteredModel,
  type MlflowRun,
  type MlflowRunInfo,
  type MlflowRunStatus,
} from './api-types.js';

// A typed client over MLflow's REST API 2.0 (https://mlflow.org/docs/latest/rest-api.html) and
// its artifact proxy (`mlflow-artifacts`). One request per method, no retries: MlflowTracker
// decides what to retry. Every failure is an MlflowApiError whose `canRetry` says whether the
// same request may succeed later (network, timeout, 429, 5xx) or not (any other 4xx).

export interface MlflowClientOptions {
  /** Base URL of the tracking server, e.g. `http://127.0.0.1:5000` (a path prefix is kept). */
  readonly trackingUri: string;
  /** Sent with every request to the tracking server (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request deadline. Default 10 s. */
  readonly requestTimeoutMs?: number;
}

export interface MlflowErrorDetails {
  /** The endpoint, e.g. `POST runs/create`. */
  readonly endpoint: string;
  /** HTTP status, or null when no answer came (refused, reset, timed out). */
  readonly httpStatus: number | null;
  /** MLflow's `error_code` (`RESOURCE_ALREADY_EXISTS`, `INVALID_PARAMETER_VALUE`, …) when it sent one. */
  readonly mlflowCode: string | null;
}

export class MlflowApiError extends TickflowError {
  override readonly details: MlflowErrorDetails;

  constructor(code: ErrorCode, message: string, details: MlflowErrorDetails, cause?: unknown) {
    super(code, message, cause === undefined ? { details } : { details, cause });
    this.name = 'MlflowApiError';
    this.details = details;
  }

  get mlflowCode(): string | null {
    return this.details.mlflowCode;
  }

  get httpStatus(): number | null {
    return this.details.httpStatus;
  }
}

export function isMlflowCode(e: unknown, code: string): boolean {
  return e instanceof MlflowApiError && e.mlflowCode === code;
}

type Query = Readonly<Record<string, string | number | undefined>>;

interface CallOptions {
  readonly query?: Query;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

export class MlflowRestClient {
  readonly trackingUri: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #timeoutMs: number;

  constructor(opts: MlflowClientOptions) {
    this.trackingUri = opts.trackingUri.replace(/\/+$/, '');
    this.#headers = opts.headers ?? {};
    this.#timeoutMs = opts.requestTimeoutMs ?? 10_000;
  }

  // experiments ------------------------------------------------------------------------------

  /** The experiment of that name, or null when there is none. */
  async getExperimentByName(name: string, signal?: AbortSignal): Promise<MlflowExperiment | null> {
    try {
      const r = await this.#call('GET', 'experiments/get-by-name', { query: { experiment_name: name }, signal });
      return this.#pick(r, 'experiment', ExperimentSchema, 'GET experiments/get-by-name');
    } catch (e) {
      if (isMlflowCode(e, 'RESOURCE_DOES_NOT_EXIST')) return null;
      throw e;
    }
  }

  /** Creates an experiment and returns its id; RESOURCE_ALREADY_EXISTS when the name is taken. */
  async createExperiment(name: string, tags: readonly MlflowKeyValue[] = [], signal?: AbortSignal): Promise<string> {
    const r = await this.#call('POST', 'experiments/create', { body: { name, tags }, signal });
    return this.#pick(r, 'experiment_id', Type.String(), 'POST experiments/create');
  }

  // runs -------------------------------------------------------------------------------------

  async createRun(
    run: { experimentId: string; runName: string; startTime: number; tags?: readonly MlflowKeyValue[] },
    signal?: AbortSignal,
  ): Promise<MlflowRun> {
    const body = { experiment_id: run.experimentId, run_name: run.runName, start_time: run.startTime, tags: run.tags ?? [] };
    const r = await this.#call('POST', 'runs/create', { body, signal });
    return this.#pick(r, 'run', RunSchema, 'POST runs/create');
  }

  async getRun(runId: string, signal?: AbortSignal): Promise<MlflowRun> {
    const r = await this.#call('GET', 'runs/get', { query: { run_id: runId }, signal });
    return this.#pick(r, 'run', RunSchema, 'GET runs/get');
  }

  /** Runs of the experiments matching an MLflow filter string, newest first. */
  async searchRuns(
    q: { experimentIds: readonly string[]; filter: string; maxResults?: number },
    signal?: AbortSignal,
  ): Promise<MlflowRun[]> {
    const body = {
      experiment_ids: q.experimentIds,
      filter: q.filter,
      max_results: q.maxResults ?? 10,
      order_by: ['attributes.start_time DESC'],
    };
    const r = await this.#call('POST', 'runs/search', { body, signal });
    return this.#pick(r, 'runs', Type.Array(RunSchema), 'POST runs/search', []);
  }

  async updateRun(
    runId: string,
    update: { status?: MlflowRunStatus; endTime?: number; runName?: string },
    signal?: AbortSignal,
  ): Promise<MlflowRunInfo> {
    const body = {
      run_id: runId,
      ...(update.status !== undefined ? { status: update.status } : {}),
      ...(update.endTime !== undefined ? { end_time: update.endTime } : {}),
      ...(update.runName !== undefined ? { run_name: update.runName } : {}),
    };
    const r = await this.#call('POST', 'runs/update', { body, signal });
    return this.#pick(r, 'run_info', RunInfoSchema, 'POST runs/update');
  }

  /**
   * Logs metrics, params and tags of a run, in as many requests as log-batch's limits need
   * (1000 entities, 1000 metrics, 100 params, 100 tags per request). Params go first: a
   * request that fails for a param changed value then fails before any metric was appended.
   */
  async logBatch(
    runId: string,
    batch: { metrics?: readonly MlflowMetricInput[]; params?: readonly MlflowKeyValue[]; tags?: readonly MlflowKeyValue[] },
    signal?: AbortSignal,
  ): Promise<void> {
    const params = [...(batch.params ?? [])];
    const tags = [...(batch.tags ?? [])];
    const metrics = [...(batch.metrics ?? [])];
    while (params.length > 0 || tags.length > 0 || metrics.length > 0) {
      const p = params.splice(0, LOG_BATCH_LIMITS.params);
      const t = tags.splice(0, LOG_BATCH_LIMITS.tags);
      const m = metrics.splice(0, Math.min(LOG_BATCH_LIMITS.metrics, LOG_BATCH_LIMITS.entities - p.length - t.length));
      await this.#call('POST', 'runs/log-batch', { body: { run_id: runId, params: p, tags: t, metrics: m }, signal });
    }
  }

  // model registry ---------------------------------------------------------------------------

  /** RESOURCE_ALREADY_EXISTS when a registered model of that name exists. */
  async createRegisteredModel(
    m: { name: string; description?: string; tags?: readonly MlflowKeyValue[] },
    signal?: AbortSignal,
  ): Promise<MlflowRegisteredModel> {
    const body = { name: m.name, tags: m.tags ?? [], ...(m.description !== undefined ? { description: m.description } : {}) };
    const r = await this.#call('POST', 'registered-models/create', { body, signal });
    return this.#pick(r, 'registered_model', RegisteredModelSchema, 'POST registered-models/create');
  }

  async getRegisteredModel(name: string, signal?: AbortSignal): Promise<MlflowRegisteredModel> {
    const r = await this.#call('GET', 'registered-models/get', { query: { name }, signal });
    return this.#pick(r, 'registered_model', RegisteredModelSchema, 'GET registered-models/get');
  }

  async createModelVersion(
    v: { name: string; source: string; runId?: string; description?: string; tags?: readonly MlflowKeyValue[] },
    signal?: AbortSignal,
  ): Promise<MlflowModelVersion> {
    const body = {
      name: v.name,
      source: v.source,
      tags: v.tags ?? [],
      ...(v.runId !== undefined ? { run_id: v.runId } : {}),
      ...(v.description !== undefined ? { description: v.description } : {}),
    };
    const r = await this.#call('POST', 'model-versions/create', { body, signal });
    return this.#pick(r, 'model_version', ModelVersionSchema, 'POST model-versions/create');
  }

  async getModelVersion(name: string, version: string, signal?: AbortSignal): Promise<MlflowModelVersion> {
    const r = await this.#call('GET', 'model-versions/get', { query: { name, version }, signal });
    return this.#pick(r, 'model_version', ModelVersionSchema, 'GET model-versions/get');
  }

  /** Model versions matching an MLflow filter string (`name = '…' and tags.\`k\` = '…'`). */
  async searchModelVersions(filter: string, maxResults = 10, signal?: AbortSignal): Promise<MlflowModelVersion[]> {
    const r = await this.#call('GET', 'model-versions/search', { query: { filter, max_results: maxResults }, signal });
    return this.#pick(r, 'model_versions', Type.Array(ModelVersionSchema), 'GET model-versions/search', []);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, signal?: AbortSignal): Promise<void> {
    await this.#call('POST', 'model-versions/set-tag', { body: { name, version, key, value }, signal });
  }

  /** Points `alias` of a registered model at a version (MLflow ≥ 2.3); moves it when it pointed elsewhere. */
  async setRegisteredModelAlias(name: string, alias: string, version: string, signal?: AbortSignal): Promise<void> {
    await this.#call('POST', 'registered-models/alias', { body: { name, alias, version }, signal });
  }

  async deleteRegisteredModelAlias(name: string, alias: string, signal?: AbortSignal): Promise<void> {
    // The server reads DELETE's arguments from a JSON body, as MLflow's own client sends them.
    await this.#call('DELETE', 'registered-models/alias', { body: { name, alias }, signal });
  }

  async getModelVersionByAlias(name: string, alias: string, signal?: AbortSignal): Promise<MlflowModelVersion> {
    const r = await this.#call('GET', 'registered-models/alias', { query: { name, alias }, signal });
    return this.#pick(r, 'model_version', ModelVersionSchema, 'GET registered-models/alias');
  }

  // artifacts --------------------------------------------------------------------------------

  /**
   * The URL an artifact of a run is uploaded to and downloaded from, or null when the run's
   * artifact root is not served by MLflow's artifact proxy (`mlflow-artifacts:` or `http(s)://`).
   * An s3://, gs://, file: … root is written by MLflow's clients directly, which tickflow does not do.
   */
  artifactUrl(artifactUri: string, relPath: string): string | null {
    const rel = relPath.split('/').map(encodeURIComponent).join('/');
    if (artifactUri.startsWith('mlflow-artifacts:')) {
      let rest = artifactUri.slice('mlflow-artifacts:'.length);
      let base = this.trackingUri;
      if (rest.startsWith('//')) {
        // mlflow-artifacts://host:port/path names the proxy's host; the scheme is the tracking URI's.
        const slash = rest.indexOf('/', 2);
        const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
        rest = slash < 0 ? '' : rest.slice(slash);
        if (authority !== '') base = `${new URL(this.trackingUri).protocol}//${authority}`;
      }
      const path = rest.replace(/^\/+/, '').replace(/\/+$/, '');
      const encoded = path === '' ? '' : `${path.split('/').map(encodeURIComponent).join('/')}/`;
      return `${base}/api/2.0/mlflow-artifacts/artifacts/${encoded}${rel}`;
    }
    if (/^https?:\/\//.test(artifactUri)) return `${artifactUri.replace(/\/+$/, '')}/${rel}`;
    return null;
  }

  /** Uploads one artifact file; false (nothing sent) when the artifact root is not proxied by MLflow. */
  async uploadArtifact(artifactUri: string, relPath: string, body: string, contentType: string, signal?: AbortSignal): Promise<boolean> {
    const url = this.artifactUrl(artifactUri, relPath);
    if (url === null) return false;
    await this.#fetch('PUT', url, `PUT artifacts/${relPath}`, body, contentType, signal);
    return true;
  }

  /** Reads one artifact file as text; null when the artifact root is not proxied by MLflow. */
  async downloadArtifact(artifactUri: string, relPath: string, signal?: AbortSignal): Promise<string | null> {
    const url = this.artifactUrl(artifactUri, relPath);
    if (url === null) return null;
    return this.#fetch('GET', url, `GET artifacts/${relPath}`, undefined, undefined, signal);
  }

  // transport --------------------------------------------------------------------------------

  async #call(method: 'GET' | 'POST' | 'DELETE', endpoint: string, opts: CallOptions): Promise<unknown> {
    let url = `${this.trackingUri}/api/2.0/mlflow/${endpoint}`;
    if (opts.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) if (v !== undefined) q.set(k, String(v));
      url += `?${q.toString()}`;
    }
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const text = await this.#fetch(
      method,
      url,
      `${method} ${endpoint}`,
      body,
      body === undefined ? undefined : 'application/json',
      opts.signal,
    );
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new MlflowApiError(
        'INTERNAL',
        `MLflow ${method} ${endpoint}: the answer is not JSON`,
        { endpoint: `${method} ${endpoint}`, httpStatus: 200, mlflowCode: null },
        e,
      );
    }
  }

  /** One HTTP exchange; the answer's text on 2xx, an MlflowApiError otherwise. */
  async #fetch(
    method: string,
    url: string,
    endpoint: string,
    body: string | undefined,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    // Credentials go only to the tracking server's own origin, not to another artifact host.
    if (new URL(url).origin === new URL(this.trackingUri).origin) Object.assign(headers, this.#headers);
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const init: RequestInit = { method, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout };
    if (body !== undefined) init.body = body;
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, init);
      text = await res.text();
    } catch (e) {
      const why = timeout.aborted ? `no answer within ${this.#timeoutMs} ms` : signal?.aborted ? 'cancelled' : describeNetworkError(e);
      throw new MlflowApiError('UNAVAILABLE', `MLflow ${endpoint}: ${why}`, { endpoint, httpStatus: null, mlflowCode: null }, e);
    }
    if (res.ok) return text;
    let mlflowCode: string | null = null;
    let message = text.slice(0, 500);
    try {
      const parsed: unknown = JSON.parse(text);
      if (Value.Check(ErrorBodySchema, parsed)) {
        mlflowCode = parsed.error_code;
        message = parsed.message ?? parsed.error_code;
      }
    } catch {
      // not JSON: a proxy's page, a 404 from a server without this endpoint, …
    }
    const code: ErrorCode =
      res.status === 429 || res.status >= 500 ? 'UNAVAILABLE' : res.status === 401 || res.status === 403 ? 'CONFIG_INVALID' : 'INTERNAL';
    const short = message.split('\n')[0] ?? '';
    throw new MlflowApiError(code, `MLflow ${endpoint}: HTTP ${res.status}${mlflowCode ? ` ${mlflowCode}` : ''}: ${short}`, {
      endpoint,
      httpStatus: res.status,
      mlflowCode,
    });
  }

  /** `answer[field]`, checked against its schema; `fallback` when the server omitted it (empty lists). */
  #pick<S extends TSchema>(answer: unknown, field: string, schema: S, endpoint: string, fallback?: Static<S>): Static<S> {
    const v = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>)[field] : undefined;
    if (v === undefined && fallback !== undefined) return fallback;
    if (Value.Check(schema, v)) return v;
    throw new MlflowApiError('INTERNAL', `MLflow ${endpoint}: unexpected answer (no valid '${field}')`, {
      endpoint,
      httpStatus: 200,
      mlflowCode: null,
    });
  }
}

/** `fetch failed` says nothing: the cause (ECONNREFUSED 127.0.0.1:5000, ENOTFOUND host …) does. */
function describeNetworkError(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return e instanceof Error ? e.message : String(e);
}
