import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { ModelBase, allFinite, checkModelState, modelStateFields, type Forecast, type OnlineModel } from '../online-model.js';
import type { FitJob, ForestParams } from './fit-forest.js';
import { FittedForest, FittedForestSchema } from './fitted-forest.js';
import { SyncRetrainer, type FitOutcome, type RetrainMode, type Retrainer } from './retrainer.js';
import { sharedRetrainer } from './worker-retrainer.js';

export interface ForestOptions {
  /** Feature length. */
  readonly dim: number;
  readonly name?: string;
  /** Rows (x, y) kept, the newest; each fit sees all of them. Default 2000. */
  readonly window?: number;
  /** A fit is asked for every this many labels once `minRows` rows are held. Default 200. */
  readonly retrainEvery?: number;
  /** Rows needed before the first fit. Default 300. */
  readonly minRows?: number;
  /**
   * Labels a new version is scored on beside the serving one before it may serve (0: it serves at
   * once). It replaces the serving version if its squared error over them is not larger. The first
   * version serves at once. Default 50; less than `retrainEvery`.
   */
  readonly trial?: number;
  /** Trees per forest. Default 10 (a fit costs about 0.5-1 s per tree at 2000 rows x 6 features: see bench/retrain.bench.ts). */
  readonly trees?: number;
  /** Depth limit of each tree. Default 4. */
  readonly maxDepth?: number;
  /** A node with this many rows or fewer is a leaf (ml-cart minNumSamples). Default 20. */
  readonly minSplit?: number;
  /** Features drawn (without replacement) for each tree. Default ceil(dim / 3). */
  readonly features?: number;
  /** Seeds the bootstrap and feature draws of every fit. Default 1. */
  readonly seed?: number;
  /** Where fits run: 'worker' (default; the process-wide worker thread) or 'sync' (inline, reproducible). */
  readonly mode?: RetrainMode;
  /** Runs the fits instead of `mode`'s default (its own mode is then the model's). */
  readonly retrainer?: Retrainer;
  readonly onEvent?: (event: ForestEvent) => void;
}

/** One fitted version and the rows it was fitted on. Rows are numbered by label: row k is the model's k-th update. */
export interface ForestVersion {
  /** 1, 2, ... in order of arrival. */
  readonly version: number;
  readonly firstRow: number;
  readonly lastRow: number;
  readonly rows: number;
  /** Labels learned when it arrived (in sync mode, `lastRow`). */
  readonly arrivedAt: number;
}

export type ForestEvent =
  /** A fit arrived: the version serves at once (first version, or `trial` 0) or goes on trial. */
  | { readonly type: 'fitted'; readonly model: string; readonly version: ForestVersion; readonly fitMs: number }
  /** A version starts serving. `trial` is null when it served at once. */
  | {
      readonly type: 'promoted';
      readonly model: string;
      readonly version: ForestVersion;
      readonly replaced: number | null;
      readonly trial: TrialResult | null;
    }
  /** A version on trial that will never serve: it lost, or a newer one arrived first. */
  | {
      readonly type: 'rejected';
      readonly model: string;
      readonly version: ForestVersion;
      readonly reason: 'lost-trial' | 'superseded';
      readonly trial: TrialResult;
    }
  /** A fit failed (threw, or its result was not a valid forest); the serving version stays. */
  | { readonly type: 'failed'; readonly model: string; readonly error: string; readonly failures: number };

/** Sums of squared errors of the version on trial and the serving one over the same `n` labels. */
export interface TrialResult {
  readonly n: number;
  readonly sseCandidate: number;
  readonly sseServing: number;
}

const VersionSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    firstRow: Type.Integer({ minimum: 1 }),
    lastRow: Type.Integer({ minimum: 1 }),
    rows: Type.Integer({ minimum: 1 }),
    arrivedAt: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const ForestStateSchema = Type.Object(
  {
    kind: Type.Literal('forest'),
    ...modelStateFields,
    dim: Type.Integer({ minimum: 1, maximum: 1000 }),
    window: Type.Integer({ minimum: 2 }),
    retrainEvery: Type.Integer({ minimum: 1 }),
    minRows: Type.Integer({ minimum: 2 }),
    trial: Type.Integer({ minimum: 0 }),
    trees: Type.Integer({ minimum: 1 }),
    maxDepth: Type.Integer({ minimum: 1 }),
    minSplit: Type.Integer({ minimum: 1 }),
    features: Type.Integer({ minimum: 1 }),
    seed: Type.Integer(),
    mode: Type.Union([Type.Literal('sync'), Type.Literal('worker')]),
    rows: Type.Integer({ minimum: 0 }),
    x: Type.String({ description: 'window features, oldest row first, row-major, float64 little-endian, base64' }),
    y: Type.String({ description: 'window labels, oldest first, float64 little-endian, base64' }),
    fits: Type.Integer({ minimum: 0, description: 'versions numbered so far' }),
    requests: Type.Integer({ minimum: 0, description: 'fits asked for so far; seeds the next one' }),
    lastRequest: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    pending: Type.Boolean({ description: 'a fit was asked for and had not arrived: asked again after a restore' }),
    failures: Type.Integer({ minimum: 0 }),
    serving: Type.Union([Type.Object({ info: VersionSchema, forest: FittedForestSchema }, { additionalProperties: false }), Type.Null()]),
    candidate: Type.Union([
      Type.Object(
        {
          info: VersionSchema,
          forest: FittedForestSchema,
          n: Type.Integer({ minimum: 0 }),
          sseCandidate: Type.Number({ minimum: 0 }),
          sseServing: Type.Number({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type ForestState = Static<typeof ForestStateSchema>;

interface Installed {
  readonly info: ForestVersion;
  readonly forest: FittedForest;
}

interface OnTrial extends Installed {
  n: number;
  sseCandidate: number;
  sseServing: number;
}

interface Arrival {
  readonly outcome: FitOutcome;
  readonly firstRow: number;
  readonly lastRow: number;
}

/**
 * A random forest regression of the next log return on the features, refitted on a rolling window:
 * every `retrainEvery` labels a snapshot of the last `window` rows goes to a Retrainer, and the
 * fitted version comes back as JSON. In worker mode the fit runs on another thread and the version
 * switches at the first predict or update after it arrives, so when that is depends on timing (by
 * design: the stream never waits for a fit); sync mode fits inline at the retrain point, and runs
 * are reproducible.
 *
 * A new version is a challenger: it is scored beside the serving one on the next `trial` labels
 * (both forecast each label before it is learned) and serves only if its squared error is not
 * larger. Until the first version arrives the model forecasts nothing (null), and so is not scored.
 *
 * pUp is the mean over trees of the leaf's P(y > 0), counted on the window rows in that leaf and
 * shrunk toward the window's up-rate (see fit-forest.ts): the forest's own conditional distribution,
 * not the share of trees that forecast a positive return, which says little about flat bars.
 */
export class ForestModel extends ModelBase implements OnlineModel {
  readonly kind = 'forest';
  readonly dim: number;
  readonly window: number;
  readonly retrainEvery: number;
  readonly minRows: number;
  readonly trial: number;
  readonly params: ForestParams;
  readonly seed: number;
  readonly mode: RetrainMode;
  onEvent: ((event: ForestEvent) => void) | undefined;
  private readonly retrainer: Retrainer;
  // the window, a ring of `window` rows
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private head = 0;
  private size = 0;
  private serving: Installed | null = null;
  private candidate: OnTrial | null = null;
  private arrived: Arrival | null = null;
  private fits = 0;
  private requests = 0;
  private lastRequest: number | null = null;
  private pending = false;
  private askAgain = false;
  private failures = 0;
  private refused = 0;
  /** Bumped by reset(): outcomes of fits asked for before it are dropped. */
  private epoch = 0;

  constructor(options: ForestOptions) {
    const { dim, name = 'forest', window = 2000, retrainEvery = 200, minRows = 300, trial = 50 } = options;
    super(name);
    const int = (k: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) throw new TickflowError('CONFIG_INVALID', `forest ${k} must be an integer >= ${min}, got ${v}`);
    };
    int('dim', dim, 1);
    if (dim > 1000) throw new TickflowError('CONFIG_INVALID', `forest dim must be at most 1000, got ${dim}`);
    int('window', window, 2);
    int('retrainEvery', retrainEvery, 1);
    int('minRows', minRows, 2);
    int('trial', trial, 0);
    if (minRows > window) throw new TickflowError('CONFIG_INVALID', `forest minRows ${minRows} exceeds its window ${window}`);
    if (trial > 0 && trial >= retrainEvery)
      throw new TickflowError('CONFIG_INVALID', `forest trial ${trial} must be shorter than retrainEvery ${retrainEvery}`);
    const params: ForestParams = {
      trees: options.trees ?? 10,
      maxDepth: options.maxDepth ?? 4,
      minSplit: options.minSplit ?? 20,
      features: options.features ?? Math.ceil(dim / 3),
    };
    int('trees', params.trees, 1);
    int('maxDepth', params.maxDepth, 1);
    int('minSplit', params.minSplit, 1);
    int('features', params.features, 1);
    if (params.features > dim) throw new TickflowError('CONFIG_INVALID', `forest features ${params.features} exceeds dim ${dim}`);
    const seed = options.seed ?? 1;
    int('seed', Math.abs(seed), 0);
    this.dim = dim;
    this.window = window;
    this.retrainEvery = retrainEvery;
    this.minRows = minRows;
    this.trial = trial;
    this.params = params;
    this.seed = seed;
    this.retrainer = options.retrainer ?? (options.mode === 'sync' ? new SyncRetrainer() : sharedRetrainer());
    this.mode = this.retrainer.mode;
    this.onEvent = options.onEvent;
    this.xs = new Float64Array(window * dim);
    this.ys = new Float64Array(window);
  }

  /** The serving version's number; 0 before the first. */
  get version(): number {
    return this.serving?.info.version ?? 0;
  }

  /** Rows the serving version was fitted on; 0 before the first. */
  get trainedRows(): number {
    return this.serving?.info.rows ?? 0;
  }

  /** Labels learned when the serving version's window was taken (its last row); 0 before the first. */
  get trainedAt(): number {
    return this.serving?.info.lastRow ?? 0;
  }

  get servingVersion(): ForestVersion | null {
    return this.serving?.info ?? null;
  }

  get candidateVersion(): ForestVersion | null {
    return this.candidate?.info ?? null;
  }

  /** Rows held in the window. */
  get rows(): number {
    return this.size;
  }

  /** Fits that failed, since the start (kept across restores). */
  get failedFits(): number {
    return this.failures;
  }

  /** Fits the retrainer refused (queue full) since construction. */
  get refusedFits(): number {
    return this.refused;
  }

  /** A fit was asked for and has not been installed yet. */
  get fitPending(): boolean {
    return this.pending || this.arrived !== null;
  }

  predict(x: Float64Array): Forecast | null {
    if (this.quarantined || x.length !== this.dim) return null;
    this.absorb();
    if (this.serving === null || !allFinite(x)) return null;
    return this.serving.forest.predict(x);
  }

  update(x: Float64Array, y: number): void {
    if (!this.acceptUpdate(x, y, this.dim)) return;
    this.absorb();
    this.score(x, y);
    const w = this.window;
    const d = this.dim;
    this.xs.set(x, this.head * d);
    this.ys[this.head] = y;
    this.head = this.head + 1 === w ? 0 : this.head + 1;
    if (this.size < w) this.size++;
    this.updateCount++;
    const due = this.size >= this.minRows && (this.lastRequest === null || this.updateCount - this.lastRequest >= this.retrainEvery);
    if (due || this.askAgain) this.request();
    // sync mode: the fit just ran inline; install it at the retrain point
    this.absorb();
  }

  reset(): void {
    this.retrainer.cancel(this);
    this.epoch++;
    this.xs.fill(0);
    this.ys.fill(0);
    this.head = 0;
    this.size = 0;
    this.serving = null;
    this.candidate = null;
    this.arrived = null;
    this.fits = 0;
    this.requests = 0;
    this.lastRequest = null;
    this.pending = false;
    this.askAgain = false;
    this.failures = 0;
    this.refused = 0;
    this.updateCount = 0;
    this.liftQuarantine();
  }

  /** Scores the version on trial and the serving one on (x, y), a label neither was fitted on; decides the trial when it is over. */
  private score(x: Float64Array, y: number): void {
    const c = this.candidate;
    const s = this.serving;
    if (c === null || s === null) return;
    const fc = c.forest.predict(x);
    const fs = s.forest.predict(x);
    if (fc === null || fs === null) return;
    c.n++;
    c.sseCandidate += (y - fc.return) ** 2;
    c.sseServing += (y - fs.return) ** 2;
    if (c.n < this.trial) return;
    const trial: TrialResult = { n: c.n, sseCandidate: c.sseCandidate, sseServing: c.sseServing };
    this.candidate = null;
    if (c.sseCandidate <= c.sseServing) {
      this.serving = { info: c.info, forest: c.forest };
      this.emit({ type: 'promoted', model: this.name, version: c.info, replaced: s.info.version, trial });
    } else {
      this.emit({ type: 'rejected', model: this.name, version: c.info, reason: 'lost-trial', trial });
    }
  }

  /** Snapshots the window (oldest first) and hands it to the retrainer. */
  private request(): void {
    this.askAgain = false;
    this.lastRequest = this.updateCount;
    const n = this.size;
    const d = this.dim;
    const { x, y } = this.snapshot();
    const seed = (Math.imul(this.seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(this.requests + 1, 0x85ebca6b)) | 0;
    this.requests++;
    const job: FitJob = { dim: d, x, y, params: this.params, seed };
    const epoch = this.epoch;
    const firstRow = this.updateCount - n + 1;
    const lastRow = this.updateCount;
    this.pending = true;
    const accepted = this.retrainer.submit(this, job, (outcome) => {
      if (epoch === this.epoch) this.arrived = { outcome, firstRow, lastRow };
    });
    if (!accepted) {
      this.refused++;
      this.pending = this.arrived !== null;
    }
  }

  /** A copy of the window, oldest row first: the ring in at most two pieces. */
  private snapshot(): { x: Float64Array; y: Float64Array } {
    const n = this.size;
    const d = this.dim;
    const x = new Float64Array(n * d);
    const y = new Float64Array(n);
    if (n < this.window) {
      x.set(this.xs.subarray(0, n * d));
      y.set(this.ys.subarray(0, n));
    } else {
      const h = this.head;
      x.set(this.xs.subarray(h * d));
      x.set(this.xs.subarray(0, h * d), (n - h) * d);
      y.set(this.ys.subarray(h));
      y.set(this.ys.subarray(0, h), n - h);
    }
    return { x, y };
  }

  /** Installs a fit that has arrived: as the serving version, or on trial. */
  private absorb(): void {
    const a = this.arrived;
    if (a === null) return;
    this.arrived = null;
    this.pending = false;
    const fitMs = a.outcome.fitMs;
    let forest: FittedForest;
    try {
      if (!a.outcome.ok) throw new Error(a.outcome.error);
      forest = FittedForest.fromState(a.outcome.forest);
      if (forest.dim !== this.dim) throw new Error(`fitted forest has dim ${forest.dim}, the model ${this.dim}`);
    } catch (e) {
      this.failures++;
      this.emit({ type: 'failed', model: this.name, error: e instanceof Error ? e.message : String(e), failures: this.failures });
      return;
    }
    const info: ForestVersion = {
      version: ++this.fits,
      firstRow: a.firstRow,
      lastRow: a.lastRow,
      rows: a.lastRow - a.firstRow + 1,
      arrivedAt: this.updateCount,
    };
    this.emit({ type: 'fitted', model: this.name, version: info, fitMs });
    const prev = this.serving;
    if (prev === null || this.trial === 0) {
      if (this.candidate !== null) this.reject(this.candidate, 'superseded');
      this.candidate = null;
      this.serving = { info, forest };
      this.emit({ type: 'promoted', model: this.name, version: info, replaced: prev?.info.version ?? null, trial: null });
      return;
    }
    if (this.candidate !== null) this.reject(this.candidate, 'superseded');
    this.candidate = { info, forest, n: 0, sseCandidate: 0, sseServing: 0 };
  }

  private reject(c: OnTrial, reason: 'lost-trial' | 'superseded'): void {
    this.emit({
      type: 'rejected',
      model: this.name,
      version: c.info,
      reason,
      trial: { n: c.n, sseCandidate: c.sseCandidate, sseServing: c.sseServing },
    });
  }

  private emit(e: ForestEvent): void {
    const f = this.onEvent;
    if (f === undefined) return;
    try {
      f(e);
    } catch {
      // a listener's failure must not reach predict/update, which never throw
    }
  }

  toJSON(): ForestState {
    const n = this.size;
    const d = this.dim;
    const { x, y } = this.snapshot();
    const c = this.candidate;
    return {
      kind: 'forest',
      version: 1,
      name: this.name,
      updates: this.updateCount,
      quarantineReason: this.quarantineReason,
      dim: d,
      window: this.window,
      retrainEvery: this.retrainEvery,
      minRows: this.minRows,
      trial: this.trial,
      trees: this.params.trees,
      maxDepth: this.params.maxDepth,
      minSplit: this.params.minSplit,
      features: this.params.features,
      seed: this.seed,
      mode: this.mode,
      rows: n,
      x: encodeF64(x),
      y: encodeF64(y),
      fits: this.fits,
      requests: this.requests,
      lastRequest: this.lastRequest,
      // an arrived fit not yet installed is re-done after a restore, like one still running
      pending: this.pending || this.arrived !== null || this.askAgain,
      failures: this.failures,
      serving: this.serving === null ? null : { info: { ...this.serving.info }, forest: this.serving.forest.toJSON() },
      candidate:
        c === null
          ? null
          : { info: { ...c.info }, forest: c.forest.toJSON(), n: c.n, sseCandidate: c.sseCandidate, sseServing: c.sseServing },
    };
  }

  /**
   * Restores a model from `toJSON()`: the window, the serving version and the one on trial. A fit
   * pending at the checkpoint is asked for again at the first update. Worker-mode models use the
   * process-wide worker unless `retrainer` is given.
   */
  static fromJSON(state: unknown, attach: { retrainer?: Retrainer; onEvent?: (event: ForestEvent) => void } = {}): ForestModel {
    const s = checkModelState(ForestStateSchema, state, 'forest model');
    const m = new ForestModel({
      dim: s.dim,
      name: s.name,
      window: s.window,
      retrainEvery: s.retrainEvery,
      minRows: s.minRows,
      trial: s.trial,
      trees: s.trees,
      maxDepth: s.maxDepth,
      minSplit: s.minSplit,
      features: s.features,
      seed: s.seed,
      mode: s.mode,
      ...(attach.retrainer === undefined ? {} : { retrainer: attach.retrainer }),
      ...(attach.onEvent === undefined ? {} : { onEvent: attach.onEvent }),
    });
    if (s.rows > s.window) throw new TickflowError('MALFORMED', `forest state: ${s.rows} rows in a window of ${s.window}`);
    m.xs.set(decodeF64(s.x, s.rows * s.dim, 'forest state x'));
    m.ys.set(decodeF64(s.y, s.rows, 'forest state y'));
    m.size = s.rows;
    m.head = s.rows % s.window;
    m.fits = s.fits;
    m.requests = s.requests;
    m.lastRequest = s.lastRequest;
    m.askAgain = s.pending;
    m.failures = s.failures;
    const version = (info: ForestVersion, forest: unknown): Installed => {
      const f = FittedForest.fromState(forest);
      if (f.dim !== s.dim)
        throw new TickflowError('MALFORMED', `forest state: version ${info.version} has dim ${f.dim}, the model ${s.dim}`);
      return { info: { ...info }, forest: f };
    };
    m.serving = s.serving === null ? null : version(s.serving.info, s.serving.forest);
    if (s.candidate !== null) {
      const c = version(s.candidate.info, s.candidate.forest);
      m.candidate = { ...c, n: s.candidate.n, sseCandidate: s.candidate.sseCandidate, sseServing: s.candidate.sseServing };
    }
    m.restoreBase(s);
    return m;
  }
}

/** Float64 values as base64 of their little-endian bytes: exact, and a third the size of decimal JSON. */
function encodeF64(a: Float64Array): string {
  const buf = Buffer.allocUnsafe(a.length * 8);
  for (let i = 0; i < a.length; i++) buf.writeDoubleLE(a[i] ?? NaN, i * 8);
  return buf.toString('base64');
}

function decodeF64(s: string, n: number, what: string): Float64Array {
  const buf = Buffer.from(s, 'base64');
  if (buf.length !== n * 8) throw new TickflowError('MALFORMED', `${what}: ${buf.length} bytes, expected ${n * 8}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = buf.readDoubleLE(i * 8);
    if (!Number.isFinite(v)) throw new TickflowError('MALFORMED', `${what}: value ${i} is not finite`);
    out[i] = v;
  }
  return out;
}
