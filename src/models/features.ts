import Type, { type Static } from 'typebox';
import { TickflowError, assert, smallF64, type IndicatorSet } from '../core/index.js';
import { checkModelState, toFloat64 } from './online-model.js';

/** The bar fields the features read; a core `Bar` fits. */
export interface FeatureBar {
  readonly start: number;
  /** For time bars the start of the next bar: the time the forecast is made for. */
  readonly end: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly vwap: number;
  readonly buyVolume: number;
}

/** The indicators the features read, computed at the same bar; a core `IndicatorSet` fits. */
export type FeatureIndicators = Pick<IndicatorSet, 'start' | 'rsi' | 'macdHist' | 'bbUpper' | 'bbLower' | 'realizedVol'>;

/**
 * The feature vector, in order. ret_k is the log return of the k-th most recent closed bar
 * (ret_1 = the bar that just closed). Every one is known when that bar closes.
 */
export const FEATURE_NAMES = [
  'ret_1', // ln(close[t] / close[t-1])
  'ret_2',
  'ret_3',
  'ret_4',
  'ret_5',
  'momentum', // sum of the last `momentumWindow` log returns = ln(close[t] / close[t-n])
  'realized_vol', // the IndicatorSet's realized volatility
  'rsi', // (RSI - 50) / 50
  'macd_hist', // MACD histogram / close (price-free)
  'bb_pct_b', // Bollinger %b = (close - lower) / (upper - lower), 0.5 when the bands are flat
  'volume_z', // z-score of ln(1 + volume) against the last `volumeWindow` bars (this one included)
  'vwap_dev', // ln(close / vwap): where the bar closed against its volume-weighted price
  'buy_imbalance', // (2 buyVolume - volume) / volume, taker buys minus sells, in [-1, 1]
  'hl_range', // ln(high / low)
  'tod_sin', // time of day of `end` (UTC) on the unit circle
  'tod_cos',
  'dow_sin', // time of week of `end` (UTC, phase 0 = Monday 00:00) on the unit circle
  'dow_cos',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;
/** The first STANDARDIZED_COUNT features are standardized; the calendar ones are already in [-1, 1]. */
const STANDARDIZED_COUNT = 14;
const RETURN_LAGS = 5;

export interface FeatureOptions {
  /** Returns summed into `momentum`; also the number of returns needed before the first vector. Default 20, >= 5. */
  readonly momentumWindow?: number;
  /** Bars in the volume z-score window. Default 20. */
  readonly volumeWindow?: number;
  /** Raw vectors seen before standardized ones are emitted (the running mean and variance need some). Default 50. */
  readonly warmup?: number;
  /** Standardized values are clipped to [-clip, clip], so one freak bar cannot dominate a linear model. Default 5. */
  readonly clip?: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const TWO_PI = 2 * Math.PI;

const FeatureStateSchema = Type.Object(
  {
    kind: Type.Literal('features'),
    version: Type.Literal(1),
    momentumWindow: Type.Integer(),
    volumeWindow: Type.Integer(),
    warmup: Type.Integer(),
    clip: Type.Number(),
    lastStart: Type.Union([Type.Number(), Type.Null()]),
    prevClose: Type.Union([Type.Number(), Type.Null()]),
    returns: Type.Array(Type.Number(), { description: 'oldest first' }),
    logVolumes: Type.Array(Type.Number(), { description: 'oldest first' }),
    count: Type.Integer({ minimum: 0 }),
    mean: Type.Array(Type.Number()),
    m2: Type.Array(Type.Number()),
    skipped: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type FeatureState = Static<typeof FeatureStateSchema>;

/** A fixed-capacity window of doubles; sums always run oldest first, so a restored window sums bit for bit alike. */
class Window {
  readonly buf: Float64Array;
  private next = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.buf = smallF64(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  push(x: number): void {
    this.buf[this.next] = x;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.size < this.capacity) this.size++;
  }

  /** k-th most recent value, k = 0 the newest. */
  recent(k: number): number {
    let i = this.next - 1 - k;
    if (i < 0) i += this.capacity;
    return this.buf[i] ?? NaN;
  }

  /** i-th held value, oldest first. */
  at(i: number): number {
    const start = this.size === this.capacity ? this.next : 0;
    const j = start + i;
    return this.buf[j >= this.capacity ? j - this.capacity : j] ?? NaN;
  }

  sum(): number {
    let s = 0;
    for (let i = 0; i < this.size; i++) s += this.at(i);
    return s;
  }

  values(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.at(i));
    return out;
  }
}

function checkInt(value: number, min: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > 100_000)
    throw new TickflowError('CONFIG_INVALID', `features: ${what} must be an integer in [${min}, 100000], got ${value}`);
  return value;
}

/**
 * Builds the feature vector of one (instrument, interval) series at each bar close, from that bar,
 * its indicators and earlier bars only: fed in order, it cannot see a later bar, and nothing it
 * keeps depends on one.
 *
 * Standardization uses Welford's running mean and variance (Welford 1962; Knuth TAOCP vol. 2,
 * 4.2.2) of the raw vectors BEFORE the current one, then adds the current one: the transform applied
 * at bar t is fixed before bar t is seen, as it would be for a model deployed then.
 *
 * `onBar` returns null while warming up (indicators null, fewer than `momentumWindow` returns, fewer
 * than `warmup` raw vectors) and for a bar it cannot use (counted in `skipped`): one with unusable
 * prices or volumes leaves the state untouched; one whose indicators give a non-finite feature is kept
 * out of the running moments. The returned array belongs to the builder and is overwritten by the
 * next call: copy it to keep it.
 */
export class FeatureBuilder {
  readonly momentumWindow: number;
  readonly volumeWindow: number;
  readonly warmup: number;
  readonly clip: number;
  private lastStart = NaN;
  private prevClose = NaN;
  private returns: Window;
  private logVolumes: Window;
  private count = 0;
  private readonly mean = smallF64(STANDARDIZED_COUNT);
  private readonly m2 = smallF64(STANDARDIZED_COUNT);
  private readonly raw = smallF64(STANDARDIZED_COUNT);
  private readonly out = smallF64(FEATURE_COUNT);
  private skippedBars = 0;

  constructor(options: FeatureOptions = {}) {
    this.momentumWindow = checkInt(options.momentumWindow ?? 20, RETURN_LAGS, 'momentumWindow');
    this.volumeWindow = checkInt(options.volumeWindow ?? 20, 2, 'volumeWindow');
    this.warmup = checkInt(options.warmup ?? 50, 2, 'warmup');
    const clip = options.clip ?? 5;
    if (!(clip > 0)) throw new TickflowError('CONFIG_INVALID', `features: clip must be > 0, got ${clip}`);
    this.clip = clip;
    this.returns = new Window(this.momentumWindow);
    this.logVolumes = new Window(this.volumeWindow);
  }

  /** Bars refused for unusable numbers. */
  get skipped(): number {
    return this.skippedBars;
  }

  /** Raw vectors folded into the standardization so far. */
  get observations(): number {
    return this.count;
  }

  onBar(bar: FeatureBar, ind: FeatureIndicators): Float64Array | null {
    const { start, high, low, close, volume, vwap, buyVolume } = bar;
    assert(ind.start === start, `indicators of the bar at ${ind.start} given with the bar at ${start}`);
    if (start < this.lastStart) {
      throw new TickflowError(
        'BAD_TIMESTAMP',
        `features: bar at ${start} arrived after the bar at ${this.lastStart}; bars must come in order`,
      );
    }
    const usable =
      close > 0 &&
      low > 0 &&
      high >= low &&
      volume >= 0 &&
      buyVolume >= 0 &&
      Number.isFinite(close) &&
      Number.isFinite(high) &&
      Number.isFinite(volume) &&
      Number.isFinite(buyVolume) &&
      Number.isFinite(bar.end);
    if (!usable) {
      this.skippedBars++;
      return null;
    }
    this.lastStart = start;
    const prev = this.prevClose;
    this.prevClose = close;
    if (!Number.isNaN(prev)) this.returns.push(Math.log(close / prev));
    this.logVolumes.push(Math.log1p(volume));

    const { rsi, macdHist, bbUpper, bbLower, realizedVol } = ind;
    if (!this.returns.full || rsi === null || macdHist === null || bbUpper === null || bbLower === null || realizedVol === null)
      return null;

    const raw = this.raw;
    const rets = this.returns;
    for (let k = 0; k < RETURN_LAGS; k++) raw[k] = rets.recent(k);
    raw[5] = rets.sum();
    raw[6] = realizedVol;
    raw[7] = (rsi - 50) / 50;
    raw[8] = macdHist / close;
    const width = bbUpper - bbLower;
    raw[9] = width > 0 ? (close - bbLower) / width : 0.5;
    raw[10] = this.volumeZ();
    raw[11] = vwap > 0 && Number.isFinite(vwap) ? Math.log(close / vwap) : 0;
    raw[12] = volume > 0 ? Math.min(1, Math.max(-1, (2 * buyVolume - volume) / volume)) : 0;
    raw[13] = Math.log(high / low);
    let check = 0;
    for (let i = 0; i < STANDARDIZED_COUNT; i++) check += raw[i] ?? NaN;
    if (!Number.isFinite(check)) {
      // An indicator fed a freak value; keep it out of the running moments rather than poison them.
      this.skippedBars++;
      return null;
    }

    const ready = this.count >= this.warmup;
    if (ready) {
      const out = this.out;
      const clip = this.clip;
      const denom = this.count - 1;
      for (let i = 0; i < STANDARDIZED_COUNT; i++) {
        const sd = Math.sqrt((this.m2[i] ?? 0) / denom);
        const z = sd > 0 ? ((raw[i] ?? 0) - (this.mean[i] ?? 0)) / sd : 0;
        out[i] = z > clip ? clip : z < -clip ? -clip : z;
      }
      const t = bar.end;
      const day = ((((t % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS) * TWO_PI;
      const week = (((((t + 3 * DAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS) / WEEK_MS) * TWO_PI;
      out[14] = Math.sin(day);
      out[15] = Math.cos(day);
      out[16] = Math.sin(week);
      out[17] = Math.cos(week);
    }
    // Welford, after the vector above was standardized with the moments of the bars before it.
    const n = ++this.count;
    for (let i = 0; i < STANDARDIZED_COUNT; i++) {
      const x = raw[i] ?? 0;
      const m = this.mean[i] ?? 0;
      const delta = x - m;
      const mNew = m + delta / n;
      this.mean[i] = mNew;
      this.m2[i] = (this.m2[i] ?? 0) + delta * (x - mNew);
    }
    return ready ? this.out : null;
  }

  private volumeZ(): number {
    const w = this.logVolumes;
    if (!w.full) return 0;
    const n = w.size;
    const mean = w.sum() / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = w.at(i) - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / n);
    return sd > 0 ? (w.recent(0) - mean) / sd : 0;
  }

  toJSON(): FeatureState {
    return {
      kind: 'features',
      version: 1,
      momentumWindow: this.momentumWindow,
      volumeWindow: this.volumeWindow,
      warmup: this.warmup,
      clip: this.clip,
      lastStart: Number.isNaN(this.lastStart) ? null : this.lastStart,
      prevClose: Number.isNaN(this.prevClose) ? null : this.prevClose,
      returns: this.returns.values(),
      logVolumes: this.logVolumes.values(),
      count: this.count,
      mean: Array.from(this.mean),
      m2: Array.from(this.m2),
      skipped: this.skippedBars,
    };
  }

  static fromJSON(state: unknown): FeatureBuilder {
    const s = checkModelState(FeatureStateSchema, state, 'feature builder');
    const f = new FeatureBuilder({ momentumWindow: s.momentumWindow, volumeWindow: s.volumeWindow, warmup: s.warmup, clip: s.clip });
    if (s.returns.length > f.momentumWindow || s.logVolumes.length > f.volumeWindow)
      throw new TickflowError('MALFORMED', 'feature builder state: a window holds more values than its capacity');
    f.lastStart = s.lastStart ?? NaN;
    f.prevClose = s.prevClose ?? NaN;
    for (const r of s.returns) f.returns.push(r);
    for (const v of s.logVolumes) f.logVolumes.push(v);
    f.count = s.count;
    f.mean.set(toFloat64(s.mean, STANDARDIZED_COUNT, 'feature builder mean'));
    f.m2.set(toFloat64(s.m2, STANDARDIZED_COUNT, 'feature builder m2'));
    f.skippedBars = s.skipped;
    return f;
  }
}
