import { alignDown, TickflowError, type BarSpec, type TradeBatch } from '../core/index.js';
import { TradeIdDeduper } from './dedupe.js';
import { HoppingWindow, type HoppingWindowSpec } from './hopping-window.js';
import { InfoSeries } from './info-series.js';
import { ProcessorOutputs, type AnalyticsFactory, type BarAnalytics } from './outputs.js';
import { TimeSeries } from './time-series.js';
import type { Bar } from '../core/index.js';
import { BarAcc } from './bar-acc.js';

export type LatePolicy = 'side-output' | 'revise';

export interface ProcessorConfig {
  readonly intervals: readonly BarSpec[];
  /** Watermark = max event time − this. Spark's `withWatermark` rule; default 2 s. */
  readonly allowedLatenessMs: number;
  /** Live mode: a quiet instrument's bars close when the wall clock passes end + lateness + this. */
  readonly idleTimeoutMs: number;
  readonly latePolicy: LatePolicy;
  /** With `revise`: how many final bars per interval stay revisable. */
  readonly reviseKeep: number;
  /** Trade-id span within which duplicates are detected. */
  readonly dedupeWindow: number;
  readonly windows: readonly HoppingWindowSpec[];
  readonly analytics?: AnalyticsFactory | undefined;
}

export interface ProcessorCounters {
  received: number;
  accepted: number;
  late: number;
  lateRevised: number;
  duplicates: number;
  windows: number;
  barsFinal: Record<string, number>;
}

type TimeSpec = Extract<BarSpec, { kind: 'time' }>;
type InfoSpec = Exclude<BarSpec, { kind: 'time' }>;

/**
 * One time series of every instrument: a configured interval, or a pane length that only
 * hopping windows need. When a finer series' length divides this one's, this series is
 * built by merging the finer one's final bars instead of from trades, so a trade costs one
 * bar update however many intervals there are.
 */
interface SeriesMeta {
  readonly name: string;
  readonly ms: number;
  /** Emits bars (a configured interval) rather than only feeding windows. */
  readonly emit: boolean;
  /** The finer series this one is merged from, or -1 when trades update it directly. */
  readonly parent: number;
  readonly children: number[];
  /** Indices of the hopping windows whose panes are this series' bars. */
  readonly windows: number[];
}

function planSeries(timeSpecs: readonly TimeSpec[], windows: readonly HoppingWindowSpec[]): SeriesMeta[] {
  const lengths = new Map<number, { name: string; emit: boolean; windows: number[] }>();
  for (const t of timeSpecs) lengths.set(t.ms, { name: t.name, emit: true, windows: [] });
  windows.forEach((w, i) => {
    const at = lengths.get(w.slideMs) ?? { name: `pane:${w.slideMs}`, emit: false, windows: [] };
    at.windows.push(i);
    lengths.set(w.slideMs, at);
  });
  const sorted = [...lengths.entries()].sort((x, y) => x[0] - y[0]);
  const metas: SeriesMeta[] = [];
  sorted.forEach(([ms, v], k) => {
    let parent = -1;
    for (let j = k - 1; j >= 0; j--) {
      if (ms % (sorted[j]?.[0] ?? 1) === 0) {
        parent = j;
        break;
      }
    }
    metas.push({ name: v.name, ms, emit: v.emit, parent, children: [], windows: v.windows });
  });
  metas.forEach((m, k) => metas[m.parent]?.children.push(k));
  return metas;
}

class InstrumentState {
  maxTs = -Infinity;
  wm = -Infinity;
  /** Trades with event time below this belong to a bar that is already final somewhere. */
  lateBefore = -Infinity;
  /** The watermark value at which the next bar boundary passes (when to look for finals). */
  nextCheck = -Infinity;
  readonly dedupe: TradeIdDeduper;
  /** One per SeriesMeta, finest first. */
  readonly series: TimeSeries[];
  readonly analytics: (BarAnalytics | null)[];
  readonly info: InfoSeries[];
  readonly infoAnalytics: (BarAnalytics | null)[];
  readonly windows: HoppingWindow[];

  constructor(
    readonly id: string,
    cfg: ProcessorConfig,
    metas: readonly SeriesMeta[],
    infoSpecs: readonly InfoSpec[],
    withAnalytics: boolean,
  ) {
    this.dedupe = new TradeIdDeduper(cfg.dedupeWindow);
    this.series = metas.map((m) => new TimeSeries(m.name, m.ms));
    this.analytics = metas.map((m) => (withAnalytics && m.emit ? (cfg.analytics?.(id, m.name, m.ms, undefined) ?? null) : null));
    this.info = infoSpecs.map((s) => new InfoSeries(s));
    this.infoAnalytics = infoSpecs.map((s) => (withAnalytics ? (cfg.analytics?.(id, s.name, null, undefined) ?? null) : null));
    this.windows = cfg.windows.map((w) => new HoppingWindow(w));
  }
}

/**
 * The stream processor: dedupe, per-instrument event-time watermarks, late-data side
 * output, bars at many intervals at once, hopping windows, and analytics at each bar
 * close. Pure: no I/O and no clock reads (live idle closing is driven by `advanceTime`).
 * Its whole state is JSON-serializable for checkpoints, and a restored processor continues
 * exactly as the original would have.
 *
 * Watermarks are kept per instrument rather than per partition: a partition carries many
 * instruments (and a multi-file replay carries them one after another), and one
 * instrument's clock must neither hold back nor make late another's trades.
 */
export class Processor {
  readonly counters: ProcessorCounters;
  private readonly states = new Map<string, InstrumentState>();
  private readonly metas: SeriesMeta[];
  /** Series updated by trades directly (the others are merged from finer ones). */
  private readonly roots: number[];
  private readonly infoSpecs: InfoSpec[];
  private readonly L: number;
  private readonly revise: boolean;
  private localMap: (InstrumentState | undefined)[] = [];
  /**
   * Scratch accumulators of the interim views, one per series (`liveView`, `collectInterim`):
   * a merged series' live bar is computed into these, not into new objects (one or more per
   * merged series and instrument at every live tick).
   */
  private readonly viewScratch: BarAcc[];
  private readonly baseScratch: BarAcc[];

  constructor(readonly cfg: ProcessorConfig) {
    this.metas = planSeries(
      cfg.intervals.filter((s): s is TimeSpec => s.kind === 'time'),
      cfg.windows,
    );
    this.viewScratch = this.metas.map(() => new BarAcc());
    this.baseScratch = this.metas.map(() => new BarAcc());
    this.roots = this.metas.flatMap((m, k) => (m.parent < 0 ? [k] : []));
    this.infoSpecs = cfg.intervals.filter((s): s is InfoSpec => s.kind !== 'time');
    this.L = cfg.allowedLatenessMs;
    this.revise = cfg.latePolicy === 'revise';
    this.counters = { received: 0, accepted: 0, late: 0, lateRevised: 0, duplicates: 0, windows: 0, barsFinal: {} };
    for (const s of cfg.intervals) this.counters.barsFinal[s.name] = 0;
  }

  instruments(): string[] {
    return [...this.states.keys()];
  }

  /**
   * Makes `model` the champion of an (instrument, interval) series; what it records goes to `out`.
   * NOT_FOUND when the series is unknown or does not forecast.
   */
  promote(instrument: string, interval: string, model: string, out: ProcessorOutputs): unknown {
    const st = this.states.get(instrument);
    if (!st) throw new TickflowError('NOT_FOUND', `no instrument '${instrument}' in this processor`);
    let a: BarAnalytics | null | undefined;
    const k = this.metas.findIndex((m) => m.emit && m.name === interval);
    if (k >= 0) a = st.analytics[k];
    else {
      const j = this.infoSpecs.findIndex((s) => s.name === interval);
      if (j >= 0) a = st.infoAnalytics[j];
    }
    if (!a?.promote) throw new TickflowError('NOT_FOUND', `${instrument} ${interval} has no forecasting models`);
    return a.promote(model, out);
  }

  /** Every forecasting series saves a version of each model (at shutdown: a warm start then loses nothing). */
  snapshotModels(out: ProcessorOutputs): void {
    for (const st of this.states.values()) {
      for (const a of st.analytics) a?.snapshot?.(out);
      for (const a of st.infoAnalytics) a?.snapshot?.(out);
    }
  }

  private state(id: string): InstrumentState {
    let st = this.states.get(id);
    if (!st) {
      st = new InstrumentState(id, this.cfg, this.metas, this.infoSpecs, true);
      this.states.set(id, st);
    }
    return st;
  }

  /** Processes a batch; finals, indicators, alerts, windows and late trades go to `out`. */
  process(batch: TradeBatch, out: ProcessorOutputs): void {
    const dict = batch.instruments;
    const map = this.localMap;
    map.length = dict.length;
    for (let k = 0; k < dict.length; k++) map[k] = this.state(dict[k] ?? '');
    const n = batch.length;
    const { inst, ts: tsA, price: pA, size: sA, id: idA, side: sideA } = batch;
    const L = this.L;
    const c = this.counters;
    c.received += n;
    for (let i = 0; i < n; i++) {
      const st = map[inst[i] ?? 0];
      if (st === undefined) continue;
      const id = idA[i] ?? -1;
      if (!st.dedupe.accept(id)) {
        c.duplicates++;
        continue;
      }
      const ts = tsA[i] ?? 0;
      const price = pA[i] ?? 0;
      const size = sA[i] ?? 0;
      const side = sideA[i] ?? 0;
      if (ts < st.lateBefore) {
        this.onLate(st, batch, i, out);
        continue;
      }
      c.accepted++;
      if (ts > st.maxTs) {
        st.maxTs = ts;
        if (ts - L > st.wm) st.wm = ts - L;
      }
      const series = st.series;
      const roots = this.roots;
      for (let r = 0; r < roots.length; r++) {
        const s = series[roots[r] ?? 0] as TimeSeries;
        const start = ts - (ts % s.ms);
        const cur = s.cur;
        (cur !== null && cur.start === start ? cur : s.barFor(start)).add(ts, price, size, id, side);
      }
      const info = st.info;
      for (let k = 0; k < info.length; k++) {
        const done = (info[k] as InfoSeries).add(ts, price, size, id, side);
        if (done) this.finalInfo(st, k, done, out);
      }
      if (st.wm >= st.nextCheck) this.advance(st, out);
    }
  }

  /**
   * Live mode: closes the bars of quiet instruments by wall-clock time. With `recentMs`, only
   * instruments whose newest trade is at most that old by the wall clock count as live: a
   * stage that cannot tell a live feed from a replay of history (a Kafka `process`) must not
   * close a replayed instrument's bars just because its event times are in the past.
   */
  advanceTime(nowMs: number, out: ProcessorOutputs, recentMs = Infinity): void {
    const target = nowMs - this.L - this.cfg.idleTimeoutMs;
    const liveAfter = nowMs - recentMs;
    for (const st of this.states.values()) {
      if (target > st.wm && st.maxTs > -Infinity && st.maxTs >= liveAfter) {
        st.wm = target;
        if (st.wm >= st.nextCheck) this.advance(st, out);
      }
    }
  }

  /** End of input (a replay finished): every open time bar becomes final. */
  finish(out: ProcessorOutputs): void {
    for (const st of this.states.values()) this.finishState(st, out);
  }

  /** End of input for some instruments only (one source of several ended); unknown ids are ignored. */
  finishInstruments(ids: Iterable<string>, out: ProcessorOutputs): void {
    for (const id of ids) {
      const st = this.states.get(id);
      if (st) this.finishState(st, out);
    }
  }

  private finishState(st: InstrumentState, out: ProcessorOutputs): void {
    st.wm = Infinity;
    this.finalizeUpTo(st, Infinity, out);
    st.lateBefore = Infinity;
    st.nextCheck = Infinity;
  }

  /** Open bars changed since the previous call, as interim (non-final) bars. */
  collectInterim(into: Bar[]): void {
    for (const st of this.states.values()) this.collectInstrumentInterim(st, into);
  }

  /**
   * `collectInterim` in chunks of about `maxBars` (whole instruments; those `only` accepts,
   * when given), for a caller that sends
   * each chunk before asking for the next: the bars of a large market then never all live at
   * once. Trades processed between chunks are fine: an instrument is read and marked clean in
   * one step, and one not read yet is read as it stands then.
   */
  *interimChunks(maxBars: number, only?: (instrument: string) => boolean): Generator<Bar[]> {
    let chunk: Bar[] = [];
    for (const st of this.states.values()) {
      // An instrument left out keeps its changes marked for a later call that includes it.
      if (only && !only(st.id)) continue;
      this.collectInstrumentInterim(st, chunk);
      if (chunk.length >= maxBars) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  /**
   * One series' open bar as it stands now (interim), computed on demand: what `collectInterim`
   * gives for it, without touching what has changed since the last collection. Undefined when
   * the series has no open bar with trades (its last bar is final and nothing has opened the
   * next), or for an unknown instrument or interval.
   */
  liveBar(instrument: string, interval: string): Bar | undefined {
    const st = this.states.get(instrument);
    if (!st) return undefined;
    const k = this.metas.findIndex((m) => m.emit && m.name === interval);
    if (k < 0) {
      const cur = st.info.find((x) => x.spec.name === interval)?.cur;
      return cur && cur.trades > 0 ? cur.toBar(st.id, interval, false) : undefined;
    }
    const m = this.metas[k] as SeriesMeta;
    const s = st.series[k] as TimeSeries;
    // The newest bar with trades: an open one of this series, or (merged series) the one a
    // newer open root bar falls in, which exists only as the view of its finer bars.
    let start = -Infinity;
    for (const b of s.open) if (b.trades > 0 && b.start > start) start = b.start;
    if (m.parent >= 0) {
      for (const r of this.roots) {
        for (const b of st.series[r]?.open ?? []) if (b.trades > 0) start = Math.max(start, alignDown(b.start, m.ms));
      }
    }
    if (start === -Infinity) return undefined;
    const base = s.open.find((b) => b.start === start) ?? (this.baseScratch[k] as BarAcc).reset(start, start + m.ms);
    const view = this.liveView(st, k, base);
    return view.trades > 0 ? view.toBar(st.id, m.name, false) : undefined;
  }

  private collectInstrumentInterim(st: InstrumentState, into: Bar[]): void {
    // Trades touch only root series; a merged series' open bar changed when a root bar
    // inside it did. Its live value is its merged finals plus the open finer bars.
    let dirtyFrom = Infinity;
    let dirtyTo = -Infinity;
    for (const r of this.roots) {
      for (const b of st.series[r]?.open ?? []) {
        if (!b.dirty) continue;
        if (b.start < dirtyFrom) dirtyFrom = b.start;
        if (b.end > dirtyTo) dirtyTo = b.end;
      }
    }
    this.metas.forEach((m, k) => {
      if (!m.emit) return;
      const s = st.series[k] as TimeSeries;
      if (m.parent < 0) {
        for (const b of s.open) if (b.dirty) into.push(b.toBar(st.id, m.name, false));
        return;
      }
      if (dirtyFrom === Infinity) return;
      // The bars of this series that overlap the changed root bars, existing or not yet
      // (a merged bar exists only once a finer bar inside it has been final).
      for (let start = alignDown(dirtyFrom, m.ms); start < dirtyTo; start += m.ms) {
        const base = s.open.find((b) => b.start === start) ?? (this.baseScratch[k] as BarAcc).reset(start, start + m.ms);
        const view = this.liveView(st, k, base);
        if (view.trades > 0) into.push(view.toBar(st.id, m.name, false));
      }
    });
    for (const s of st.series) for (const b of s.open) b.dirty = false;
    for (const s of st.info) {
      if (s.cur.dirty) {
        s.cur.dirty = false;
        into.push(s.cur.toBar(st.id, s.spec.name, false));
      }
    }
  }

  /**
   * An open bar as it stands now: for a merged series, its merged finals plus the open bars of
   * every finer series of its chain inside it. (Each trade is in exactly one open bar of the
   * chain: a bar that becomes final is merged into the next coarser one at once. The open finer
   * bars of a coarser bar whose next finer one does not exist yet count too.) A merged series'
   * view is its scratch accumulator, valid until the next call for that series.
   */
  private liveView(st: InstrumentState, k: number, b: BarAcc): BarAcc {
    const m = this.metas[k];
    if (!m || m.parent < 0) return b;
    const v = (this.viewScratch[k] as BarAcc).copyFrom(b);
    for (let p = m.parent; p >= 0; p = (this.metas[p] as SeriesMeta).parent) {
      for (const f of st.series[p]?.open ?? []) if (f.start >= b.start && f.start < b.end) v.merge(f);
    }
    return v;
  }

  /** Smallest watermark across instruments and the event-time span seen, for stats. */
  watermarks(): { instruments: number; minWatermark: number | null; minEventTime: number | null; maxEventTime: number | null } {
    let minWm = Infinity;
    let minTs = Infinity;
    let maxTs = -Infinity;
    for (const st of this.states.values()) {
      if (st.wm < minWm) minWm = st.wm;
      if (st.maxTs < minTs) minTs = st.maxTs;
      if (st.maxTs > maxTs) maxTs = st.maxTs;
    }
    const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
    return { instruments: this.states.size, minWatermark: fin(minWm), minEventTime: fin(minTs), maxEventTime: fin(maxTs) };
  }

  private advance(st: InstrumentState, out: ProcessorOutputs): void {
    const wm = st.wm;
    this.finalizeUpTo(st, wm, out);
    const all = this.metas;
    if (all.length === 0) {
      st.nextCheck = Infinity;
      return;
    }
    let lateBefore = -Infinity;
    let next = Infinity;
    for (const { ms } of all) {
      const a = alignDown(wm, ms);
      if (a > lateBefore) lateBefore = a;
      if (a + ms < next) next = a + ms;
    }
    st.lateBefore = lateBefore;
    st.nextCheck = next;
  }

  private finalizeUpTo(st: InstrumentState, wm: number, out: ProcessorOutputs): void {
    // Finest first: a coarser bar becomes final only after every finer bar inside it has been
    // merged into it (they end no later, so the same watermark finalizes them).
    for (let k = 0; k < this.metas.length; k++) {
      const m = this.metas[k] as SeriesMeta;
      const s = st.series[k] as TimeSeries;
      for (let b = s.popFinal(wm); b; b = s.popFinal(wm)) {
        if (m.emit) {
          const bar = b.toBar(st.id, m.name, true);
          out.bars.push(bar);
          this.counters.barsFinal[m.name] = (this.counters.barsFinal[m.name] ?? 0) + 1;
          st.analytics[k]?.onFinalBar(bar, out);
          if (this.revise) s.remember(b, this.cfg.reviseKeep);
        }
        for (const w of m.windows) {
          out.windows.push((st.windows[w] as HoppingWindow).onPane(st.id, b));
          this.counters.windows++;
        }
        for (const c of m.children) {
          const child = st.series[c] as TimeSeries;
          child.barFor(alignDown(b.start, child.ms)).merge(b);
        }
      }
    }
  }

  private finalInfo(st: InstrumentState, k: number, b: BarAcc, out: ProcessorOutputs): void {
    const name = (st.info[k] as InfoSeries).spec.name;
    const bar = b.toBar(st.id, name, true);
    out.bars.push(bar);
    this.counters.barsFinal[name] = (this.counters.barsFinal[name] ?? 0) + 1;
    st.infoAnalytics[k]?.onFinalBar(bar, out);
  }

  private onLate(st: InstrumentState, batch: TradeBatch, i: number, out: ProcessorOutputs): void {
    const ts = batch.ts[i] ?? 0;
    const price = batch.price[i] ?? 0;
    const size = batch.size[i] ?? 0;
    const id = batch.id[i] ?? -1;
    const side = batch.side[i] ?? 0;
    this.counters.late++;
    out.late.push({
      type: 'late',
      instrument: st.id,
      id,
      timestamp: ts,
      localTimestamp: batch.localTs[i] ?? 0,
      price,
      size,
      side,
      watermark: st.wm,
    });
    if (!this.revise) return;
    let revised = false;
    // An open bar that takes the trade passes it on to the coarser bars merged from it, so
    // those must not take it again.
    const covered = new Set<number>();
    for (let k = 0; k < this.metas.length; k++) {
      const m = this.metas[k] as SeriesMeta;
      if (covered.has(k)) {
        for (const c of m.children) covered.add(c);
        continue;
      }
      const s = st.series[k] as TimeSeries;
      const start = ts - (ts % s.ms);
      if (start >= alignDown(st.wm, s.ms)) {
        s.barFor(start).add(ts, price, size, id, side);
        for (const c of m.children) covered.add(c);
        continue;
      }
      if (!m.emit) continue;
      const b = s.findRecent(start);
      if (!b) continue;
      b.add(ts, price, size, id, side);
      b.revision++;
      out.bars.push(b.toBar(st.id, m.name, true));
      revised = true;
    }
    if (revised) this.counters.lateRevised++;
  }

  toJSON(): ProcessorSnapshot {
    const instruments: InstrumentSnapshot[] = [];
    for (const st of this.states.values()) {
      instruments.push({
        id: st.id,
        maxTs: st.maxTs,
        wm: st.wm,
        lateBefore: st.lateBefore,
        nextCheck: st.nextCheck,
        dedupe: st.dedupe.toJSON(),
        series: st.series.map((s, k) => ({
          name: s.name,
          open: s.open.map((b) => b.toJSON()),
          recent: s.recent.map((b) => b.toJSON()),
          analytics: st.analytics[k]?.toJSON() ?? null,
        })),
        info: st.info.map((s, k) => ({ name: s.spec.name, cur: s.cur.toJSON(), analytics: st.infoAnalytics[k]?.toJSON() ?? null })),
        windows: st.windows.map((w) => w.toJSON()),
      });
    }
    return { v: 1, counters: this.counters, instruments };
  }

  /** Restores a snapshot taken by `toJSON` of a processor with the same configuration. */
  restore(snap: ProcessorSnapshot): void {
    Object.assign(this.counters, snap.counters, { barsFinal: { ...this.counters.barsFinal, ...snap.counters.barsFinal } });
    const num = (x: number | null, inf: number): number => (x === null ? inf : x);
    for (const j of snap.instruments) {
      const st = new InstrumentState(j.id, this.cfg, this.metas, this.infoSpecs, false);
      st.maxTs = num(j.maxTs, -Infinity);
      st.wm = num(j.wm, -Infinity);
      st.lateBefore = num(j.lateBefore, -Infinity);
      st.nextCheck = num(j.nextCheck, -Infinity);
      Object.assign(st, { dedupe: TradeIdDeduper.fromJSON(j.dedupe, this.cfg.dedupeWindow) });
      st.series.forEach((s, k) => {
        const sj = j.series.find((x) => x.name === s.name);
        for (const b of sj?.open ?? []) s.open.push(BarAcc.fromJSON(b));
        for (const b of sj?.recent ?? []) s.recent.push(BarAcc.fromJSON(b));
        s.cur = s.open[s.open.length - 1] ?? null;
        if (this.metas[k]?.emit) st.analytics[k] = this.cfg.analytics?.(j.id, s.name, s.ms, sj?.analytics ?? undefined) ?? null;
      });
      st.info.forEach((s, k) => {
        const ij = j.info.find((x) => x.name === s.spec.name);
        if (ij) s.cur = BarAcc.fromJSON(ij.cur);
        st.infoAnalytics[k] = this.cfg.analytics?.(j.id, s.spec.name, null, ij?.analytics ?? undefined) ?? null;
      });
      j.windows.forEach((w, k) => {
        const spec = this.cfg.windows[k];
        if (spec) st.windows[k] = HoppingWindow.fromJSON(spec, w);
      });
      this.states.set(j.id, st);
    }
  }
}

export interface InstrumentSnapshot {
  id: string;
  maxTs: number | null;
  wm: number | null;
  lateBefore: number | null;
  nextCheck: number | null;
  dedupe: [number, number, number[], number];
  series: { name: string; open: (number | null)[][]; recent: (number | null)[][]; analytics: unknown }[];
  info: { name: string; cur: (number | null)[]; analytics: unknown }[];
  windows: number[][][];
}

export interface ProcessorSnapshot {
  v: 1;
  counters: ProcessorCounters;
  instruments: InstrumentSnapshot[];
}

export { ProcessorOutputs };
