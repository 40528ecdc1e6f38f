import { setTimeout as sleep } from 'node:timers/promises';
import { TickflowError, createTradeBatch, type InstrumentId, type SourcePosition, type TradeBatch } from '../core/index.js';
import { Prng } from './prng.js';
import { MAX_SIM_INSTRUMENTS, simInstruments } from './sim-instruments.js';
import type { SourceChunk, TradeSource } from './source.js';

export interface SimulatorOptions {
  /** Number of instruments, 1..1000 (default 20). */
  readonly instruments?: number;
  /** Same seed and options → same trades (default 1). */
  readonly seed?: number;
  /** Average trades per second over all instruments (default 2000). */
  readonly tradesPerSecond?: number;
  /** Event time of the start, epoch ms (default: now() when realtime, else 2026-01-01T00:00Z so runs repeat exactly). */
  readonly startTime?: number;
  /** Local clock (default Date.now); in realtime mode trades are stamped with it. */
  readonly now?: () => number;
  /** true: paced by the wall clock, timestamps are wall time. false (default): as fast as possible in simulated time. */
  readonly realtime?: boolean;
  /** End after this much event time. */
  readonly durationMs?: number;
  /** End after this many trades. */
  readonly maxTrades?: number;
  /** Trades per chunk at most (default 8192). */
  readonly batchSize?: number;
  /** Realtime: how often a chunk is released (default 100 ms). */
  readonly tickMs?: number;
  readonly signal?: AbortSignal;
  /** `{ sim: seed, n }` from a chunk: replays the model n trades ahead (quickly) and continues from there. */
  readonly resumeFrom?: SourcePosition;
}

/** What happened in the model so far: lets tests and demos check that anomalies do occur. */
export interface SimulatorStats {
  readonly trades: number;
  readonly jumps: number;
  readonly volumeSpikes: number;
  readonly regimeSwitches: number;
}

export interface SimulatorSource extends TradeSource {
  readonly instruments: readonly InstrumentId[];
  readonly seed: number;
  stats(): SimulatorStats;
}

const YEAR_MS = 365.25 * 86_400_000;
/** Hawkes self-excitation: each trade adds ALPHA to its instrument's intensity (per ms), decaying at BETA (per ms). */
const BETA = 1 / 1000;
const BRANCHING = 0.6;
const ALPHA = BRANCHING * BETA;
/** Markov volatility regimes: mean sojourn times and what the volatile one multiplies. */
const CALM_MEAN_MS = 20 * 60_000;
const VOLATILE_MEAN_MS = 4 * 60_000;
const VOLATILE_VOL = 3;
const VOLATILE_RATE = 2.5;
/** Jumps: about one per instrument every 10 min, median 1.5 %: many sigmas on a 1-minute bar. */
const JUMP_RATE = 1 / (10 * 60_000);
const JUMP_MEDIAN = 0.015;
/** Volume spikes: bursts of 20–60 s with 4× the trades and 6× the size. */
const SPIKE_RATE = 1 / (10 * 60_000);
const SPIKE_RATE_MULT = 4;
const SPIKE_SIZE_MULT = 6;
/** Average base-rate multiplier over regimes (calm 5/6 of the time) and spikes (~6 % of the time), to hit tradesPerSecond on average. */
const SPIKE_SHARE = 40_000 / (40_000 + 1 / SPIKE_RATE);
const MEAN_RATE_MULT =
  ((CALM_MEAN_MS + VOLATILE_RATE * VOLATILE_MEAN_MS) / (CALM_MEAN_MS + VOLATILE_MEAN_MS)) * (1 + (SPIKE_RATE_MULT - 1) * SPIKE_SHARE);
/** Aggressors push the price their way: a trade is on the side of its move this often. */
const SIDE_FOLLOWS_MOVE = 0.7;

/**
 * A synthetic market: per instrument a geometric Brownian motion with Markov-switching
 * volatility and occasional jumps; Hawkes-like bursty arrivals; log-normal trade notionals
 * with a Pareto tail; volume spikes. Prices and sizes sit on a tick and lot grid, ids run
 * 1, 2, 3… per instrument. Everything derives from one seeded PRNG, so a seed is a replay.
 */
export function createSimulator(opts: SimulatorOptions = {}): SimulatorSource {
  const seed = opts.seed ?? 1;
  const count = opts.instruments ?? 20;
  const tps = opts.tradesPerSecond ?? 2000;
  const batchSize = opts.batchSize ?? 8192;
  const realtime = opts.realtime ?? false;
  const tickMs = opts.tickMs ?? 100;
  const now = opts.now ?? Date.now;
  const invalid = (msg: string): TickflowError => new TickflowError('CONFIG_INVALID', `simulator: ${msg}`);
  if (!Number.isSafeInteger(seed)) throw invalid(`seed must be an integer, got ${seed}`);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SIM_INSTRUMENTS)
    throw invalid(`instruments must be 1..${MAX_SIM_INSTRUMENTS}, got ${count}`);
  if (!(tps > 0 && tps <= 1e8)) throw invalid(`tradesPerSecond must be in (0, 1e8], got ${tps}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalid(`batchSize must be a positive integer, got ${batchSize}`);
  if (opts.maxTrades !== undefined && !(opts.maxTrades >= 0)) throw invalid(`maxTrades must be ≥ 0`);
  if (opts.durationMs !== undefined && !(opts.durationMs >= 0)) throw invalid(`durationMs must be ≥ 0`);
  if (!(tickMs > 0)) throw invalid(`tickMs must be > 0`);
  let skip = 0;
  if (opts.resumeFrom !== undefined) {
    const { sim, n } = opts.resumeFrom;
    if (sim !== seed || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new TickflowError('USAGE', `cannot resume simulator seed ${seed} from ${JSON.stringify(opts.resumeFrom)}`);
    }
    skip = n;
  }
  // a PRNG of its own, so the instrument set does not shift the trade stream
  const setupRng = new Prng(seed ^ 0x5eed);
  const ids = simInstruments(count, () => setupRng.uniform());
  let model: Model | undefined;

  async function* iterate(): AsyncGenerator<SourceChunk> {
    const startTime = opts.startTime ?? (realtime ? now() : Date.UTC(2026, 0, 1));
    const m = new Model(ids.length, seed, tps, startTime);
    model = m;
    ids.forEach((inst, i) => m.setup(i, inst.startPrice, inst.vol, inst.notional, weight(i)));
    m.schedule();
    m.skip(skip);
    const endTime = opts.durationMs === undefined ? Infinity : startTime + opts.durationMs;
    const maxTrades = opts.maxTrades ?? Infinity;
    const signal = opts.signal;
    const chunk = (b: TradeBatch): SourceChunk => {
      const position: SourcePosition = { sim: seed, n: m.trades };
      b.position = position;
      return { trades: b, rejects: [], position };
    };

    if (!realtime) {
      for (;;) {
        if (signal?.aborted) return;
        const b = createTradeBatch(batchSize);
        const limit = Math.min(batchSize, maxTrades - m.trades);
        m.generate(b, ids, limit, endTime, 0, NaN);
        if (b.length > 0) yield chunk(b);
        if (b.length < batchSize) return;
      }
    }
    // realtime: model time follows the wall clock from here on
    const wallStart = now();
    const offset = wallStart - m.time;
    for (;;) {
      if (signal?.aborted) return;
      const b = createTradeBatch(batchSize);
      const wallNow = now();
      const until = Math.min(endTime, wallNow - offset + 1e-9);
      m.generate(b, ids, Math.min(batchSize, maxTrades - m.trades), until, offset, wallNow);
      if (b.length > 0) yield chunk(b);
      if (m.trades >= maxTrades || wallNow - offset >= endTime) return;
      if (b.length < batchSize) {
        try {
          await sleep(tickMs, undefined, signal ? { signal } : {});
        } catch (e) {
          if (signal?.aborted) return;
          throw e;
        }
      }
    }
  }

  const instruments = ids.map((i) => i.id);
  return {
    name: `sim(seed=${seed})`,
    instruments,
    seed,
    [Symbol.asyncIterator]: iterate,
    progress() {
      const done = model?.trades ?? skip;
      if (opts.maxTrades !== undefined) return { done, total: opts.maxTrades };
      return undefined;
    },
    stats() {
      return model ? model.stats() : { trades: 0, jumps: 0, volumeSpikes: 0, regimeSwitches: 0 };
    },
  };
}

/** Activity share of instrument i: a few majors dominate, as on real venues. */
function weight(i: number): number {
  return 1 / (i + 1) ** 0.9;
}

/** The market model; all state in typed arrays, one PRNG, instruments scheduled by a min-heap of next-trade times. */
class Model {
  trades = 0;
  time: number;
  private jumps = 0;
  private spikes = 0;
  private switches = 0;
  private readonly rng: Prng;
  private readonly n: number;
  private readonly logP: Float64Array;
  private readonly sigma: Float64Array;
  private readonly mu: Float64Array;
  private readonly excite: Float64Array;
  private readonly lastT: Float64Array;
  private readonly nextT: Float64Array;
  private readonly spikeUntil: Float64Array;
  private readonly notional: Float64Array;
  private readonly tick: Float64Array;
  private readonly lot: Float64Array;
  private readonly nextId: Float64Array;
  private readonly regime: Uint8Array;
  private readonly heap: Int32Array;
  private readonly batchSlot: Int32Array;
  private readonly batchStamp: Int32Array;
  private stamp = 0;
  private weights = 0;

  constructor(
    n: number,
    seed: number,
    private readonly tps: number,
    private readonly start: number,
  ) {
    this.n = n;
    this.time = start;
    this.rng = new Prng(seed);
    this.logP = new Float64Array(n);
    this.sigma = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.excite = new Float64Array(n);
    this.lastT = new Float64Array(n).fill(start);
    this.nextT = new Float64Array(n);
    this.spikeUntil = new Float64Array(n);
    this.notional = new Float64Array(n);
    this.tick = new Float64Array(n);
    this.lot = new Float64Array(n);
    this.nextId = new Float64Array(n).fill(1);
    this.regime = new Uint8Array(n);
    this.heap = new Int32Array(n);
    this.batchSlot = new Int32Array(n);
    this.batchStamp = new Int32Array(n);
    for (let i = 0; i < n; i++) this.weights += weight(i);
  }

  setup(i: number, price: number, vol: number, notional: number, w: number): void {
    this.logP[i] = Math.log(price);
    this.sigma[i] = vol / Math.sqrt(YEAR_MS);
    // base rate per ms such that base × regime average / (1 − branching) = this instrument's share
    this.mu[i] = ((this.tps / 1000) * (w / this.weights) * (1 - BRANCHING)) / MEAN_RATE_MULT;
    this.notional[i] = notional;
    const mag = Math.floor(Math.log10(price));
    // ~6 significant digits of price, lots worth about 1/10 of the unit above the price
    this.tick[i] = 10 ** Math.min(8, Math.max(0, 6 - mag));
    this.lot[i] = 10 ** Math.min(8, Math.max(0, mag + 1));
    this.nextT[i] = this.start + this.rng.exponential(this.mu[i] * MEAN_RATE_MULT);
    this.heap[i] = i;
  }

  /** Orders the heap once every instrument is set up. */
  schedule(): void {
    for (let k = (this.n >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }

  /** Advances the model `count` trades without emitting them (resume). */
  skip(count: number): void {
    if (count <= 0) return;
    const scratch = createTradeBatch(Math.min(count, 65536));
    const none: { id: InstrumentId }[] = [];
    while (this.trades < count) {
      scratch.length = 0;
      scratch.instruments.length = 0;
      this.generate(scratch, none, Math.min(scratch.ts.length, count - this.trades), Infinity, 0, NaN);
    }
  }

  /**
   * Appends up to `limit` trades happening before `until` (model time). Emitted times are
   * model time + `offset`; `localTs` NaN means "same as the trade time".
   */
  generate(b: TradeBatch, ids: readonly { id: InstrumentId }[], limit: number, until: number, offset: number, localTs: number): void {
    const rng = this.rng;
    const stamp = ++this.stamp;
    let w = b.length;
    const end = w + limit;
    while (w < end) {
      const i = this.heap[0] ?? 0;
      const t = this.nextT[i] ?? Infinity;
      if (t >= until) break;
      const dt = t - (this.lastT[i] ?? t);
      this.lastT[i] = t;
      this.time = t;

      // volatility regime (Markov switching in continuous time)
      let regime = this.regime[i] ?? 0;
      if (rng.uniform() < dt / (regime === 0 ? CALM_MEAN_MS : VOLATILE_MEAN_MS)) {
        regime ^= 1;
        this.regime[i] = regime;
        this.switches++;
      }
      let spike = t < (this.spikeUntil[i] ?? 0);
      if (!spike && rng.uniform() < dt * SPIKE_RATE) {
        this.spikeUntil[i] = t + 20_000 + 40_000 * rng.uniform();
        this.excite[i] = (this.excite[i] ?? 0) + 20 * ALPHA;
        spike = true;
        this.spikes++;
      }

      // GBM step (drift-free in price: −σ²/2 in log) plus a rare jump
      const sd = (this.sigma[i] ?? 0) * (regime === 0 ? 1 : VOLATILE_VOL) * Math.sqrt(dt);
      let dlog = sd * rng.normal() - 0.5 * sd * sd;
      let side: 1 | -1;
      if (rng.uniform() < dt * JUMP_RATE) {
        const jump = JUMP_MEDIAN * Math.exp(0.5 * rng.normal()) * (rng.uniform() < 0.5 ? -1 : 1);
        dlog += jump;
        side = jump > 0 ? 1 : -1;
        this.jumps++;
      } else {
        const withMove = rng.uniform() < SIDE_FOLLOWS_MOVE;
        side = dlog > 0 === withMove ? 1 : -1;
      }
      const logP = (this.logP[i] ?? 0) + dlog;
      this.logP[i] = logP;
      const tick = this.tick[i] ?? 1;
      const lot = this.lot[i] ?? 1;
      const price = Math.max(1, Math.round(Math.exp(logP) * tick)) / tick;

      // trade notional: log-normal body, Pareto tail, bigger in spikes and volatile spells
      let notional = (this.notional[i] ?? 100) * Math.exp(0.9 * rng.normal());
      if (rng.uniform() < 0.03) notional *= Math.min(200, rng.pareto(1.3));
      if (spike) notional *= SPIKE_SIZE_MULT;
      if (regime === 1) notional *= 1.5;
      const size = Math.max(1, Math.round((notional / price) * lot)) / lot;

      let slot: number;
      if (this.batchStamp[i] === stamp) slot = this.batchSlot[i] ?? 0;
      else {
        slot = b.instruments.length;
        b.instruments.push(ids[i]?.id ?? ('sim:UNKNOWN' as InstrumentId));
        this.batchSlot[i] = slot;
        this.batchStamp[i] = stamp;
      }
      const id = this.nextId[i] ?? 1;
      this.nextId[i] = id + 1;
      const ts = Math.floor(t + offset);
      b.inst[w] = slot;
      b.ts[w] = ts;
      b.localTs[w] = Number.isNaN(localTs) ? ts : localTs;
      b.price[w] = price;
      b.size[w] = size;
      b.id[w] = id;
      b.side[w] = side;
      w++;
      this.trades++;

      // Hawkes arrivals with an exponential kernel: the excitation decays since the last trade and
      // each trade adds to it. The next arrival is drawn exactly (Dassios & Zhao 2013): the earlier
      // of the excitation's own first event and a Poisson(base) event.
      const ex = (this.excite[i] ?? 0) * Math.exp(-BETA * dt) + ALPHA;
      this.excite[i] = ex;
      const base = (this.mu[i] ?? 0) * (regime === 0 ? 1 : VOLATILE_RATE) * (spike ? SPIKE_RATE_MULT : 1);
      const d = 1 + (BETA * Math.log(rng.open01())) / ex;
      const fromExcitation = d > 0 ? -Math.log(d) / BETA : Infinity;
      this.nextT[i] = t + Math.min(fromExcitation, rng.exponential(base));
      this.siftDown(0);
    }
    b.length = w;
  }

  stats(): SimulatorStats {
    return { trades: this.trades, jumps: this.jumps, volumeSpikes: this.spikes, regimeSwitches: this.switches };
  }

  private siftDown(k: number): void {
    const heap = this.heap;
    const next = this.nextT;
    const n = this.n;
    const item = heap[k] ?? 0;
    const t = next[item] ?? 0;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (next[heap[r] ?? 0] ?? 0) < (next[heap[c] ?? 0] ?? 0)) c = r;
      const ci = heap[c] ?? 0;
      if ((next[ci] ?? 0) >= t) break;
      heap[k] = ci;
      k = c;
    }
    heap[k] = item;
  }
}
