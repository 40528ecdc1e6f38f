import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { TickflowError } from '../core/index.js';
import { silentLogger, type Logger } from '../obs/index.js';
import type { MlflowModelVersion, MlflowRun, MlflowRunStatus } from './api-types.js';
import {
  metricInputs,
  registeredModelName,
  runKey,
  runOnlyTags,
  seriesKey,
  seriesModelKey,
  tagFilter,
  versionDescription,
  versionParams,
  versionTags,
  type TrackedModelVersion,
} from './mapping.js';
import { isMlflowCode, MlflowRestClient } from './rest-client.js';
import { withRetry } from './retry.js';
import { TaskQueue, type QueuedTask } from './task-queue.js';

export const MlflowTrackerSettingsSchema = Type.Object(
  {
    trackingUri: Type.String({ pattern: '^https?://', description: 'base URL of the tracking server' }),
    experimentName: Type.Optional(Type.String({ minLength: 1, description: "default 'tickflow'" })),
    maxQueued: Type.Optional(Type.Integer({ minimum: 1, description: 'tasks that may wait; the oldest is dropped beyond (default 1000)' })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, description: 'tries of one request, the first included (default 5)' })),
    retryBaseMs: Type.Optional(Type.Integer({ minimum: 0, description: 'first retry delay, doubled each time (default 250)' })),
    retryMaxMs: Type.Optional(Type.Integer({ minimum: 0, description: 'longest retry delay (default 8000)' })),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, description: 'deadline of one request (default 10000)' })),
    uploadState: Type.Optional(Type.Boolean({ description: 'upload model/state.json to the artifact proxy (default true)' })),
    warnEveryMs: Type.Optional(Type.Integer({ minimum: 0, description: 'failures are logged at warn at most this often (default 30000)' })),
  },
  { additionalProperties: false },
);
export type MlflowTrackerSettings = Static<typeof MlflowTrackerSettingsSchema>;

export interface MlflowTrackerOptions extends MlflowTrackerSettings {
  /** Sent with every request (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

export interface MlflowTrackerStats {
  /** Tasks waiting to be sent. */
  readonly queued: number;
  /** Tasks done (every request of it answered). */
  readonly completed: number;
  /** Tasks given up after their retries, or refused by the server. */
  readonly failed: number;
  /** Tasks never sent: pushed out of a full queue, or left at close. */
  readonly dropped: number;
  /** Requests tried again. */
  readonly retries: number;
  /** State uploads that failed (the version was registered without its state file). */
  readonly uploadsFailed: number;
  /** Metric values not logged because they were null, NaN or infinite. */
  readonly skippedMetrics: number;
  /** The last failure's message. */
  readonly lastError: string | null;
}

interface RunRef {
  readonly runId: string;
  readonly artifactUri: string | undefined;
}

/**
 * Logs tickflow's model versions to an MLflow tracking server, in the background.
 *
 * Every call returns at once: the work goes to a bounded queue (the oldest waiting task is
 * dropped when it is full, and counted) and is sent by one worker in order, each request retried
 * with exponential backoff when it may succeed later. A server that is down, slow or answers
 * errors costs failed and dropped counts and throttled warnings, never an exception or a stall in
 * the caller. `flush()` waits for the queue with a deadline; `close()` ends the open runs and
 * stops.
 */
export class MlflowTracker {
  readonly client: MlflowRestClient;
  readonly experimentName: string;
  readonly #log: Logger;
  readonly #queue: TaskQueue;
  readonly #retry: { attempts: number; baseMs: number; maxMs: number };
  readonly #uploadState: boolean;
  readonly #warnEveryMs: number;

  #experimentId: string | undefined;
  /** Runs by key, once created (or found). */
  readonly #runs = new Map<string, RunRef>();
  /** Registered versions by run key. */
  readonly #versions = new Map<string, { name: string; version: string }>();
  /** The open run of each (instrument, interval, model): the latest version's. */
  readonly #openRuns = new Map<string, string>();
  /** Registered models known to exist. */
  readonly #registered = new Set<string>();
  /** Registered model holding the `champion` alias, by series. */
  readonly #championOf = new Map<string, string>();

  #retries = 0;
  #uploadsFailed = 0;
  #skippedMetrics = 0;
  #lastError: string | null = null;
  #lastWarnAt = -Infinity;
  #suppressed = 0;
  #closing: Promise<void> | undefined;

  constructor(opts: MlflowTrackerOptions) {
    const { headers, logger, ...settings } = opts;
    if (!Value.Check(MlflowTrackerSettingsSchema, settings)) {
      const first = Value.Errors(MlflowTrackerSettingsSchema, settings)[0];
      throw new TickflowError(
        'CONFIG_INVALID',
        `MLflow tracker options: ${first ? `'${first.instancePath || '/'}' ${first.message}` : 'invalid'}`,
        { details: first },
      );
    }
    this.client = new MlflowRestClient({
      trackingUri: settings.trackingUri,
      ...(headers ? { headers } : {}),
      requestTimeoutMs: settings.requestTimeoutMs ?? 10_000,
    });
    this.experimentName = settings.experimentName ?? 'tickflow';
    this.#log = (logger ?? silentLogger()).child({ component: 'mlflow' });
    this.#retry = { attempts: settings.maxAttempts ?? 5, baseMs: settings.retryBaseMs ?? 250, maxMs: settings.retryMaxMs ?? 8_000 };
    this.#uploadState = settings.uploadState ?? true;
    this.#warnEveryMs = settings.warnEveryMs ?? 30_000;
    this.#queue = new TaskQueue({
      maxQueued: settings.maxQueued ?? 1000,
      onFailure: (task, e) => this.#failed(task.label, e),
      onDrop: (task, why) => this.#log.debug({ task: task.label, why }, 'mlflow: task dropped'),
    });
  }

  // the domain API ---------------------------------------------------------------------------

  /**
   * Logs one model version: a run named after it (`binance:BTCUSDT 1m rls v3`) with its params,
   * features, training window, metrics and tags, the state uploaded as `model/state.json`, and a
   * version of the registered model `tickflow.<instrument>.<interval>.<model>` made from it; a
   * champion also gets the registered model's `champion` alias. The previous version's run of
   * the same model is ended. Returns the run's key, for logMetrics.
   */
  logModelVersion(v: TrackedModelVersion): string {
    const key = runKey(v);
    const time = v.time ?? Date.now();
    const { metrics, skipped } = metricInputs(v.metrics, v.step ?? 0, time);
    this.#skippedMetrics += skipped;
    // Which run is open is decided here, in call order, so close() ends the right ones even
    // while tasks are still queued.
    const modelKey = seriesModelKey(v);
    const previous = this.#openRuns.get(modelKey);
    this.#openRuns.set(modelKey, key);
    this.#push(`log ${key}`, async (signal) => {
      const experimentId = await this.#ensureExperiment(signal);
      const run = await this.#retrying(() => this.#findOrCreateRun(experimentId, key, v, time, signal), signal);
      const ref: RunRef = { runId: run.info.run_id, artifactUri: run.info.artifact_uri };
      this.#runs.set(key, ref);

      if (previous !== undefined && previous !== key) await this.#endRunNow(previous, 'FINISHED', signal);

      const tags = [...versionTags(v), ...runOnlyTags(v)];
      await this.#retrying(() => this.client.logBatch(ref.runId, { params: versionParams(v), tags, metrics }, signal), signal);

      const artifactRoot = ref.artifactUri;
      if (this.#uploadState && v.state !== undefined && artifactRoot !== undefined) {
        await this.#uploadStateOf(key, artifactRoot, v.state, signal);
      }

      const name = registeredModelName(v);
      await this.#retrying(() => this.#ensureRegisteredModel(name, v, signal), signal);
      const source = artifactRoot !== undefined ? `${artifactRoot.replace(/\/+$/, '')}/model` : `runs:/${ref.runId}/model`;
      const mv = await this.#retrying(() => this.#findOrCreateVersion(name, source, ref.runId, v, signal), signal);
      this.#versions.set(key, { name, version: mv.version });

      if (v.champion) await this.#crown(name, mv.version, seriesKey(v), signal);
    });
    return key;
  }

  /**
   * Appends metrics (at `step`, `timestamp` epoch ms) to the run of a logged version; null and
   * non-finite values are skipped and counted. A key whose run could not be created is a failed task.
   */
  logMetrics(key: string, metrics: Readonly<Record<string, number | null>>, step: number, timestamp: number): void {
    const batch = metricInputs(metrics, step, timestamp);
    this.#skippedMetrics += batch.skipped;
    if (batch.metrics.length === 0) return;
    this.#push(`metrics ${key}`, async (signal) => {
      const ref = this.#runs.get(key);
      if (ref === undefined) {
        throw new TickflowError('NOT_FOUND', `no MLflow run for '${key}' (its logModelVersion failed or was dropped)`);
      }
      await this.#retrying(() => this.client.logBatch(ref.runId, { metrics: batch.metrics }, signal), signal);
    });
  }

  /** Ends the run of a logged version (FINISHED unless told otherwise). close() ends the open ones. */
  endRun(key: string, status: MlflowRunStatus = 'FINISHED'): void {
    for (const [modelKey, open] of this.#openRuns) if (open === key) this.#openRuns.delete(modelKey);
    this.#push(`end ${key}`, (signal) => this.#endRunNow(key, status, signal));
  }

  /** The key of a model's open run (its newest logged version's), for logMetrics; undefined before its first version. */
  openRunOf(model: { instrument: string; interval: string; model: string }): string | undefined {
    return this.#openRuns.get(seriesModelKey(model));
  }

  /** The run behind a key once it was created (undefined before, or when it failed). */
  runOf(key: string): { runId: string; artifactUri: string | undefined } | undefined {
    return this.#runs.get(key);
  }

  /** The registered model version behind a key once it was created. */
  registeredVersionOf(key: string): { name: string; version: string } | undefined {
    return this.#versions.get(key);
  }

  stats(): MlflowTrackerStats {
    const c = this.#queue.counts();
    return {
      queued: c.queued + (c.running ? 1 : 0),
      completed: c.completed,
      failed: c.failed,
      dropped: c.dropped,
      retries: this.#retries,
      uploadsFailed: this.#uploadsFailed,
      skippedMetrics: this.#skippedMetrics,
      lastError: this.#lastError,
    };
  }

  /** Waits until everything queued has been sent (or given up); false when `timeoutMs` passed first. Never rejects. */
  flush(timeoutMs = 10_000): Promise<boolean> {
    return this.#queue.idle(timeoutMs);
  }

  /**
   * Ends the open runs, sends what is queued for up to `timeoutMs`, then drops the rest and
   * cancels the request in flight. New calls after this are dropped. Never rejects.
   */
  close(timeoutMs = 10_000): Promise<void> {
    this.#closing ??= (async () => {
      const open = [...this.#openRuns.values()];
      this.#openRuns.clear();
      for (const key of open) this.#push(`end ${key}`, (signal) => this.#endRunNow(key, 'FINISHED', signal));
      const done = await this.#queue.close(timeoutMs);
      const s = this.stats();
      if (!done) this.#log.warn({ ...s, timeoutMs }, 'mlflow: closed before everything was sent; the rest was dropped');
      else if (s.failed > 0 || s.dropped > 0) this.#log.warn(s, 'mlflow: closed; some tracking was not recorded');
      else this.#log.debug(s, 'mlflow: closed');
    })();
    return this.#closing;
  }

  // the steps --------------------------------------------------------------------------------

  #push(label: string, run: QueuedTask['run']): void {
    this.#queue.push({ label, run });
  }

  #retrying<T>(fn: () => Promise<T>, signal: AbortSignal): Promise<T> {
    return withRetry(fn, {
      ...this.#retry,
      signal,
      onRetry: (e, attempt, delayMs) => {
        this.#retries++;
        this.#log.debug({ err: message(e), attempt, delayMs }, 'mlflow: retrying');
      },
    });
  }

  async #ensureExperiment(signal: AbortSignal): Promise<string> {
    if (this.#experimentId !== undefined) return this.#experimentId;
    const id = await this.#retrying(async () => {
      const found = await this.client.getExperimentByName(this.experimentName, signal);
      if (found !== null) {
        if (found.lifecycle_stage === 'deleted') {
          throw new TickflowError(
            'CONFIG_INVALID',
            `MLflow experiment '${this.experimentName}' is deleted: restore it, or set MLFLOW_EXPERIMENT_NAME to another`,
          );
        }
        return found.experiment_id;
      }
      try {
        return await this.client.createExperiment(
          this.experimentName,
          [{ key: 'mlflow.note.content', value: 'tickflow model versions' }],
          signal,
        );
      } catch (e) {
        // Another process created it meanwhile.
        if (!isMlflowCode(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
        const again = await this.client.getExperimentByName(this.experimentName, signal);
        if (again === null) throw e;
        return again.experiment_id;
      }
    }, signal);
    this.#experimentId = id;
    return id;
  }

  /** The run of this key if an earlier process (or a retried request) made it, else a new one. */
  async #findOrCreateRun(experimentId: string, key: string, v: TrackedModelVersion, time: number, signal: AbortSignal): Promise<MlflowRun> {
    const filter = tagFilter('tickflow.key', key);
    if (filter !== null) {
      const [found] = await this.client.searchRuns({ experimentIds: [experimentId], filter, maxResults: 1 }, signal);
      if (found !== undefined) {
        if (found.info.status !== 'RUNNING') await this.client.updateRun(found.info.run_id, { status: 'RUNNING' }, signal);
        return found;
      }
    }
    return this.client.createRun(
      { experimentId, runName: key, startTime: Math.trunc(time), tags: [...versionTags(v), ...runOnlyTags(v)] },
      signal,
    );
  }

  async #endRunNow(key: string, status: MlflowRunStatus, signal: AbortSignal): Promise<void> {
    const ref = this.#runs.get(key);
    if (ref === undefined) return;
    await this.#retrying(() => this.client.updateRun(ref.runId, { status, endTime: Date.now() }, signal), signal);
  }

  async #uploadStateOf(key: string, artifactRoot: string, state: unknown, signal: AbortSignal): Promise<void> {
    // The state is a copy of what the registry keeps; a failed upload leaves the version without
    // it but does not stop the version from being registered.
    try {
      const body = JSON.stringify(state);
      if (body === undefined) return;
      const sent = await this.#retrying(
        () => this.client.uploadArtifact(artifactRoot, 'model/state.json', body, 'application/json', signal),
        signal,
      );
      if (!sent) this.#log.debug({ artifactRoot }, 'mlflow: artifact root is not served by MLflow; state not uploaded');
    } catch (e) {
      if (signal.aborted) throw e;
      this.#uploadsFailed++;
      this.#failed(`upload state of ${key}`, e);
    }
  }

  async #ensureRegisteredModel(name: string, v: TrackedModelVersion, signal: AbortSignal): Promise<void> {
    if (this.#registered.has(name)) return;
    try {
      await this.client.createRegisteredModel(
        {
          name,
          description: `tickflow: ${v.model} forecasts of ${v.instrument} ${v.interval}`,
          tags: [
            { key: 'instrument', value: v.instrument },
            { key: 'interval', value: v.interval },
            { key: 'model', value: v.model },
          ],
        },
        signal,
      );
    } catch (e) {
      if (!isMlflowCode(e, 'RESOURCE_ALREADY_EXISTS')) throw e;
    }
    this.#registered.add(name);
  }

  /** The registered version made from this tickflow version before (a retry, a restart), else a new one. */
  async #findOrCreateVersion(
    name: string,
    source: string,
    runId: string,
    v: TrackedModelVersion,
    signal: AbortSignal,
  ): Promise<MlflowModelVersion> {
    const byVersion = tagFilter('tickflow.version', String(v.version));
    if (byVersion !== null) {
      const found = await this.client.searchModelVersions(`name = '${name}' and ${byVersion}`, 10, signal);
      const mine = found.find((m) => m.run_id === runId) ?? found[0];
      if (mine !== undefined) return mine;
    }
    return this.client.createModelVersion({ name, source, runId, description: versionDescription(v), tags: versionTags(v) }, signal);
  }

  /**
   * Points `champion` at this version and tags it; when the series' champion was another model,
   * that model's alias is removed, so one registered model of a series holds it (as far as this
   * process has seen).
   */
  async #crown(name: string, version: string, series: string, signal: AbortSignal): Promise<void> {
    await this.#retrying(() => this.client.setRegisteredModelAlias(name, 'champion', version, signal), signal);
    await this.#retrying(() => this.client.setModelVersionTag(name, version, 'champion', 'true', signal), signal);
    const before = this.#championOf.get(series);
    this.#championOf.set(series, name);
    if (before !== undefined && before !== name) {
      try {
        await this.#retrying(() => this.client.deleteRegisteredModelAlias(before, 'champion', signal), signal);
      } catch (e) {
        if (!isMlflowCode(e, 'RESOURCE_DOES_NOT_EXIST')) throw e;
      }
    }
  }

  /** Counts and logs a failure: at warn at most every warnEveryMs (a down server fails every task), else at debug. */
  #failed(label: string, e: unknown): void {
    this.#lastError = message(e);
    const now = Date.now();
    if (now - this.#lastWarnAt >= this.#warnEveryMs) {
      this.#log.warn(
        { task: label, err: this.#lastError, suppressed: this.#suppressed, stats: this.stats() },
        'mlflow: tracking failed (the pipeline goes on)',
      );
      this.#lastWarnAt = now;
      this.#suppressed = 0;
    } else {
      this.#suppressed++;
      this.#log.debug({ task: label, err: this.#lastError }, 'mlflow: tracking failed');
    }
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
