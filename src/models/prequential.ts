import Type, { type Static } from 'typebox';
import { EMPTY_F64, TickflowError, smallF64 } from '../core/index.js';
import { BinnedAuc, aucExact, brier, directionHit, logLoss } from './metrics.js';
import { checkModelState, type Forecast, type OnlineModel } from './online-model.js';

export type LossKind = 'squared' | 'absolute' | 'logLoss' | 'brier';

export interface PrequentialOptions {
  /** Steps in the rolling metrics. Default 500. */
  readonly window?: number;
  /** Steps of per-step forecasts kept for loss series (Diebold-Mariano) and the rolling window. Default 2000, at least `window`. */
  readonly history?: number;
  /** Bins of the cumulative AUC (see BinnedAuc). Default 1024. */
  readonly aucBins?: number;
}

/** Scores over a span of steps; NaN where undefined (no steps, one class only for AUC, ...). */
export interface MetricSet {
  /** Steps scored (the model had a forecast). */
  readonly n: number;
  readonly rmse: number;
  readonly mae: number;
  /** Mean direction score over steps whose realized return was not 0 (see directionHit). */
  readonly directionalAccuracy: number;
  readonly directionalN: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly auc: number;
}

export interface ModelReport {
  readonly model: string;
  readonly kind: string;
  readonly quarantined: boolean;
  readonly quarantineReason: string | null;
  readonly updates: number;
  readonly cumulative: MetricSet;
  readonly rolling: MetricSet;
}

// NaN (a step without a forecast) is not JSON: null stands for it in saved state.
const NumOrNull = Type.Union([Type.Number(), Type.Null()]);
const nanToNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
const nullToNaN = (v: number | null): number => v ?? NaN;

const TrackStateSchema = Type.Object(
  {
    model: Type.String(),
    n: Type.Integer({ minimum: 0 }),
    sse: Type.Number({ minimum: 0 }),
    sae: Type.Number({ minimum: 0 }),
    hits: Type.Number({ minimum: 0 }),
    hitN: Type.Integer({ minimum: 0 }),
    ll: Type.Number({ minimum: 0 }),
    brier: Type.Number({ minimum: 0 }),
    auc: Type.Object(
      {
        bins: Type.Integer({ minimum: 2 }),
        range: Type.Number({ exclusiveMinimum: 0 }),
        counts: Type.Array(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 3, maxItems: 3 })),
      },
      { additionalProperties: false },
    ),
    ret: Type.Array(NumOrNull, { description: 'forecast return per kept step, oldest first' }),
    pUp: Type.Array(NumOrNull),
    pendingRet: NumOrNull,
    pendingPUp: NumOrNull,
  },
  { additionalProperties: false },
);

const PrequentialStateSchema = Type.Object(
  {
    kind: Type.Literal('prequential'),
    version: Type.Literal(1),
    window: Type.Integer({ minimum: 2 }),
    history: Type.Integer({ minimum: 2 }),
    aucBins: Type.Integer({ minimum: 2 }),
    scored: Type.Integer({ minimum: 0 }),
    dropped: Type.Integer({ minimum: 0 }),
    hasPending: Type.Boolean(),
    pendingX: Type.Array(Type.Number()),
    labels: Type.Array(Type.Number(), { description: 'realized return per kept step, oldest first' }),
    tracks: Type.Array(TrackStateSchema),
  },
  { additionalProperties: false },
);
export type PrequentialState = Static<typeof PrequentialStateSchema>;

class ModelTrack {
  // cumulative sums
  n = 0;
  sse = 0;
  sae = 0;
  hits = 0;
  hitN = 0;
  ll = 0;
  brier = 0;
  auc: BinnedAuc;
  // per-step history, a ring aligned with Prequential.labels; NaN where the model had no forecast
  // (views into the series' one history buffer, set by Prequential.reserve)
  ret: Float64Array = EMPTY_F64;
  pUp: Float64Array = EMPTY_F64;
  // the forecast awaiting its label
  pendingRet = NaN;
  pendingPUp = NaN;

  constructor(aucBins: number) {
    this.auc = new BinnedAuc(aucBins);
  }
}

/** Slots a ring gets at the first label; it doubles as it fills, up to its history (see `Prequential.reserve`). */
const FIRST_SLOTS = 16;

/**
 * Test-then-train ("prequential", Dawid 1984) evaluation of a set of online models on one series.
 * At each bar close t, with y_t = ln(close[t] / close[t-1]):
 *
 *   1. `observe(y_t)`: the label arrives. Every forecast made at t-1 is scored against it, then every
 *      model learns (x[t-1], y_t). A model is never scored on a label it has trained on.
 *   2. `forecast(x_t)`: every model forecasts y_{t+1}; the forecasts wait for the next label.
 *
 * Metrics per model are cumulative (since the start) and rolling (last `window` scored steps); the
 * last `history` per-step forecasts are kept so any loss series can be rebuilt for a Diebold-Mariano
 * test. All models are scored on the same steps; a step where a model had no forecast (quarantined,
 * non-finite) is NaN in its loss series and left out of its metrics.
 */
export class Prequential {
  readonly models: readonly OnlineModel[];
  readonly window: number;
  readonly history: number;
  readonly aucBins: number;
  private readonly tracks: ModelTrack[];
  /**
   * Realized return of each scored step, ring of `history`. The rings (these and the tracks')
   * are rows of one buffer, allocated as they fill, so that thousands of series that have seen
   * few bars (a day's 1d series, say) hold little: a full one is 8 bytes × history × (1 + 2 ×
   * models). One buffer, not one per ring: with 5,000 series the 55,000 small arrays' own
   * buffers cost more than their numbers.
   */
  private labels: Float64Array = EMPTY_F64;
  private scored = 0;
  /** Feature length of the models (0: none take features). */
  private readonly dim: number;
  /** The features of the pending forecasts; allocated at the first forecast, like the rings. */
  private pendingX: Float64Array = EMPTY_F64;
  private hasPending = false;
  private droppedLabels = 0;

  constructor(models: readonly OnlineModel[], options: PrequentialOptions = {}) {
    const window = options.window ?? 500;
    const history = Math.max(options.history ?? 2000, window);
    if (!Number.isInteger(window) || window < 2)
      throw new TickflowError('CONFIG_INVALID', `prequential window must be an integer >= 2, got ${window}`);
    if (!Number.isInteger(history)) throw new TickflowError('CONFIG_INVALID', `prequential history must be an integer, got ${history}`);
    const names = new Set(models.map((m) => m.name));
    if (names.size !== models.length || models.length === 0)
      throw new TickflowError('CONFIG_INVALID', 'prequential needs at least one model, each with its own name');
    const dims = new Set(models.filter((m) => m.dim > 0).map((m) => m.dim));
    if (dims.size > 1)
      throw new TickflowError('CONFIG_INVALID', `models of one series must share a feature length, got ${[...dims].join(', ')}`);
    this.models = [...models];
    this.window = window;
    this.history = history;
    this.aucBins = options.aucBins ?? 1024;
    this.tracks = models.map(() => new ModelTrack(this.aucBins));
    this.dim = [...dims][0] ?? 0;
  }

  /** Labels scored so far (steps). */
  get steps(): number {
    return this.scored;
  }

  /** Labels that arrived non-finite with forecasts pending: neither scored nor learned from. */
  get dropped(): number {
    return this.droppedLabels;
  }

  indexOf(model: string): number {
    const i = this.models.findIndex((m) => m.name === model);
    if (i < 0) throw new TickflowError('NOT_FOUND', `no model named '${model}' in this series`);
    return i;
  }

  /** Label arrival: score the pending forecasts against y, then train every model on (pending x, y). */
  observe(y: number): void {
    if (!this.hasPending) return;
    this.hasPending = false;
    if (!Number.isFinite(y)) {
      this.droppedLabels++;
      return;
    }
    const slot = this.scored % this.history;
    if (slot >= this.labels.length) this.reserve(Math.min(this.history, Math.max(FIRST_SLOTS, 2 * this.labels.length)));
    this.labels[slot] = y;
    const up = y > 0 ? 1 : 0;
    for (let m = 0; m < this.tracks.length; m++) {
      const t = this.tracks[m] as ModelTrack;
      const r = t.pendingRet;
      const p = t.pendingPUp;
      t.ret[slot] = r;
      t.pUp[slot] = p;
      if (Number.isNaN(r)) continue;
      const e = y - r;
      t.n++;
      t.sse += e * e;
      t.sae += Math.abs(e);
      const hit = directionHit(r, y);
      if (!Number.isNaN(hit)) {
        t.hits += hit;
        t.hitN++;
      }
      t.ll += logLoss(p, up);
      t.brier += brier(p, up);
      t.auc.add(p, up);
    }
    this.scored++;
    const x = this.pendingX;
    for (const model of this.models) model.update(x, y);
  }

  /**
   * Forecasts of the next label from x (which is copied: the caller may reuse it). null x (features
   * still warming up) forecasts nothing, and the next label then trains nothing.
   */
  forecast(x: Float64Array | null): (Forecast | null)[] {
    const out: (Forecast | null)[] = [];
    if (x === null) {
      this.hasPending = false;
      for (let m = 0; m < this.models.length; m++) out.push(null);
      return out;
    }
    if (this.dim > 0) {
      if (x.length !== this.dim) throw new TickflowError('INTERNAL', `feature vector of length ${x.length}, the models take ${this.dim}`);
      if (this.pendingX.length === 0) this.pendingX = smallF64(this.dim);
      this.pendingX.set(x);
    }
    for (let m = 0; m < this.models.length; m++) {
      const f = (this.models[m] as OnlineModel).predict(x);
      const ok = f !== null && Number.isFinite(f.return) && f.pUp >= 0 && f.pUp <= 1;
      const t = this.tracks[m] as ModelTrack;
      // + 0 turns -0 into 0: JSON cannot carry the sign of a zero, and a checkpoint must restore exactly
      t.pendingRet = ok ? f.return + 0 : NaN;
      t.pendingPUp = ok ? f.pUp : NaN;
      out.push(ok ? f : null);
    }
    this.hasPending = true;
    return out;
  }

  /** One bar close: `observe(y)` (when y is not null) then `forecast(x)`. */
  step(y: number | null, x: Float64Array | null): (Forecast | null)[] {
    if (y !== null) this.observe(y);
    return this.forecast(x);
  }

  /**
   * One model's per-step loss over the last `last` scored steps (default all kept), oldest first,
   * NaN where it had no forecast. Series of different models line up step for step.
   */
  losses(model: number | string, kind: LossKind, last = this.history): Float64Array {
    const m = typeof model === 'number' ? model : this.indexOf(model);
    const t = this.tracks[m];
    if (t === undefined) throw new TickflowError('NOT_FOUND', `no model #${m} in this series`);
    const len = Math.min(last, this.scored, this.history);
    const out = new Float64Array(len);
    const first = this.scored - len;
    for (let i = 0; i < len; i++) {
      const slot = (first + i) % this.history;
      const y = this.labels[slot] ?? NaN;
      const r = t.ret[slot] ?? NaN;
      const p = t.pUp[slot] ?? NaN;
      const up = y > 0 ? 1 : 0;
      out[i] =
        kind === 'squared' ? (y - r) * (y - r) : kind === 'absolute' ? Math.abs(y - r) : kind === 'brier' ? brier(p, up) : logLoss(p, up);
      if (Number.isNaN(r)) out[i] = NaN;
    }
    return out;
  }

  /** Mean loss of a model over every step it was scored on since the start; NaN before the first. */
  cumulativeLoss(model: number, kind: LossKind): number {
    const t = this.tracks[model];
    if (t === undefined || t.n === 0) return NaN;
    const total = kind === 'squared' ? t.sse : kind === 'absolute' ? t.sae : kind === 'brier' ? t.brier : t.ll;
    return total / t.n;
  }

  report(): ModelReport[] {
    return this.models.map((model, m) => {
      const t = this.tracks[m] as ModelTrack;
      const n = t.n;
      return {
        model: model.name,
        kind: model.kind,
        quarantined: model.quarantined,
        quarantineReason: model.quarantineReason,
        updates: model.updates,
        cumulative: {
          n,
          rmse: n > 0 ? Math.sqrt(t.sse / n) : NaN,
          mae: n > 0 ? t.sae / n : NaN,
          directionalAccuracy: t.hitN > 0 ? t.hits / t.hitN : NaN,
          directionalN: t.hitN,
          logLoss: n > 0 ? t.ll / n : NaN,
          brier: n > 0 ? t.brier / n : NaN,
          auc: t.auc.value(),
        },
        rolling: this.rolling(t),
      };
    });
  }

  /** The evaluation state (not the models': save those with their own toJSON). */
  toJSON(): PrequentialState {
    const len = Math.min(this.scored, this.history);
    const first = this.scored - len;
    const kept = (ring: Float64Array): number[] => {
      const out: number[] = [];
      for (let i = 0; i < len; i++) out.push(ring[(first + i) % this.history] ?? NaN);
      return out;
    };
    return {
      kind: 'prequential',
      version: 1,
      window: this.window,
      history: this.history,
      aucBins: this.aucBins,
      scored: this.scored,
      dropped: this.droppedLabels,
      hasPending: this.hasPending,
      pendingX: this.pendingX.length > 0 ? Array.from(this.pendingX) : new Array<number>(this.dim).fill(0),
      labels: kept(this.labels),
      tracks: this.tracks.map((t, m) => ({
        model: this.models[m]?.name ?? '',
        n: t.n,
        sse: t.sse,
        sae: t.sae,
        hits: t.hits,
        hitN: t.hitN,
        ll: t.ll,
        brier: t.brier,
        auc: t.auc.toJSON(),
        ret: kept(t.ret).map(nanToNull),
        pUp: kept(t.pUp).map(nanToNull),
        pendingRet: nanToNull(t.pendingRet),
        pendingPUp: nanToNull(t.pendingPUp),
      })),
    };
  }

  /** Makes every ring at least `length` slots long (at most `history`); slots beyond what was written are NaN. */
  private reserve(length: number): void {
    const had = this.labels.length;
    if (had >= length) return;
    const rows = [this.labels, ...this.tracks.flatMap((t) => [t.ret, t.pUp])];
    const buf = new Float64Array(rows.length * length).fill(NaN);
    const row = (i: number): Float64Array => buf.subarray(i * length, (i + 1) * length);
    rows.forEach((r, i) => buf.set(r, i * length));
    this.labels = row(0);
    this.tracks.forEach((t, m) => {
      t.ret = row(1 + 2 * m);
      t.pUp = row(2 + 2 * m);
    });
  }

  /** Restores the evaluation of `models` (restored separately, in the same order as when saved). */
  static fromJSON(state: unknown, models: readonly OnlineModel[]): Prequential {
    const s = checkModelState(PrequentialStateSchema, state, 'prequential');
    const pq = new Prequential(models, { window: s.window, history: s.history, aucBins: s.aucBins });
    const malformed = (why: string) => new TickflowError('MALFORMED', `prequential state: ${why}`);
    if (s.tracks.length !== models.length || s.tracks.some((t, m) => t.model !== models[m]?.name))
      throw malformed(`saved for models ${s.tracks.map((t) => t.model).join(', ')}, restoring ${models.map((m) => m.name).join(', ')}`);
    const len = Math.min(s.scored, s.history);
    if (s.labels.length !== len || s.tracks.some((t) => t.ret.length !== len || t.pUp.length !== len))
      throw malformed(`expected ${len} kept steps`);
    if (s.pendingX.length !== pq.dim) throw malformed(`pending features of length ${s.pendingX.length}, models take ${pq.dim}`);
    const first = s.scored - len;
    pq.reserve(len);
    pq.scored = s.scored;
    pq.droppedLabels = s.dropped;
    pq.hasPending = s.hasPending;
    if (s.hasPending || s.scored > 0 || s.pendingX.some((v) => v !== 0)) {
      pq.pendingX = smallF64(pq.dim);
      pq.pendingX.set(s.pendingX);
    }
    for (let i = 0; i < len; i++) pq.labels[(first + i) % s.history] = s.labels[i] ?? NaN;
    s.tracks.forEach((ts, m) => {
      const t = pq.tracks[m] as ModelTrack;
      t.n = ts.n;
      t.sse = ts.sse;
      t.sae = ts.sae;
      t.hits = ts.hits;
      t.hitN = ts.hitN;
      t.ll = ts.ll;
      t.brier = ts.brier;
      t.auc = BinnedAuc.fromJSON(ts.auc);
      if (t.auc.bins !== s.aucBins) throw malformed(`AUC bins ${t.auc.bins}, expected ${s.aucBins}`);
      t.pendingRet = nullToNaN(ts.pendingRet);
      t.pendingPUp = nullToNaN(ts.pendingPUp);
      for (let i = 0; i < len; i++) {
        const slot = (first + i) % s.history;
        t.ret[slot] = nullToNaN(ts.ret[i] ?? null);
        t.pUp[slot] = nullToNaN(ts.pUp[i] ?? null);
      }
    });
    return pq;
  }

  private rolling(t: ModelTrack): MetricSet {
    const len = Math.min(this.window, this.scored);
    const first = this.scored - len;
    const scores = new Float64Array(len);
    const ups = new Uint8Array(len);
    let n = 0;
    let sse = 0;
    let sae = 0;
    let hits = 0;
    let hitN = 0;
    let ll = 0;
    let bs = 0;
    for (let i = 0; i < len; i++) {
      const slot = (first + i) % this.history;
      const r = t.ret[slot] ?? NaN;
      if (Number.isNaN(r)) continue;
      const y = this.labels[slot] ?? NaN;
      const p = t.pUp[slot] ?? NaN;
      const up = y > 0 ? 1 : 0;
      const e = y - r;
      sse += e * e;
      sae += Math.abs(e);
      const hit = directionHit(r, y);
      if (!Number.isNaN(hit)) {
        hits += hit;
        hitN++;
      }
      ll += logLoss(p, up);
      bs += brier(p, up);
      scores[n] = p;
      ups[n] = up;
      n++;
    }
    return {
      n,
      rmse: n > 0 ? Math.sqrt(sse / n) : NaN,
      mae: n > 0 ? sae / n : NaN,
      directionalAccuracy: hitN > 0 ? hits / hitN : NaN,
      directionalN: hitN,
      logLoss: n > 0 ? ll / n : NaN,
      brier: n > 0 ? bs / n : NaN,
      auc: n > 0 ? aucExact(scores, ups, n) : NaN,
    };
  }
}
