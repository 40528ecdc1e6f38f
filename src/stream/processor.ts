import { alignDown, type BarSpec, type TradeBatch } from '../core/index.js';
import { TradeIdDeduper } from './dedupe.js';
import { HoppingWindow, type HoppingWindowSpec } from './hopping-window.js';
import { InfoSeries } from './info-series.js';
import { ProcessorOutputs, type AnalyticsFactory, type BarAnalytics } from './outputs.js';
import { TimeSeries } from './time-series.js';
import type { BarAcc } from './bar-acc.js';
import type { Bar } from '../core/index.js';
import { BarAcc as BarAccClass } from './bar-acc.js';

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

class InstrumentState {
  maxTs = -Infinity;
  wm = -Infinity;
  /** Trades with event time below this belong to a bar that is already final somewhere. */
  lateBefore = -Infinity;
  /** The watermark value at which the next bar boundary passes (when to look for finals). */
  nextCheck = -Infinity;
  readonly dedupe: TradeIdDeduper;
  readonly series: TimeSeries[];
  readonly analytics: (BarAnalytics | null)[];
  readonly info: InfoSeries[];
  readonly infoAnalytics: (BarAnalytics | null)[];
  readonly panes: TimeSeries[];
  readonly windows: HoppingWindow[];
  /** Every time-bar length this instrument keeps (series then panes), for watermark math. */
  readonly allMs: number[];

  constructor(
    readonly id: string,
    cfg: ProcessorConfig,
    timeSpecs: readonly TimeSpec[],
    infoSpecs: readonly InfoSpec[],
  ) {
    this.dedupe = new TradeIdDeduper(cfg.dedupeWindow);
    this.series = timeSpecs.map((s) => new TimeSeries(s.name, s.ms));
    this.analytics = timeSpecs.map((s) => cfg.analytics?.(id, s.name, s.ms, undefined) ?? null);
    this.info = infoSpecs.map((s) => new InfoSeries(s));
    this.infoAnalytics = infoSpecs.map((s) => cfg.analytics?.(id, s.name, null, undefined) ?? null);
    this.panes = cfg.windows.map((w) => new TimeSeries(`pane:${w.slideMs}`, w.slideMs));
    this.windows = cfg.windows.map((w) => new HoppingWindow(w));
    this.allMs = [...this.series.map((s) => s.ms), ...this.panes.map((p) => p.ms)];
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
  private readonly timeSpecs: TimeSpec[];
  private readonly infoSpecs: InfoSpec[];
  private readonly L: number;
  private readonly revise: boolean;
  private localMap: (InstrumentState | undefined)[] = [];

  constructor(readonly cfg: ProcessorConfig) {
    this.timeSpecs = cfg.intervals.filter((s): s is TimeSpec => s.kind === 'time').sort((a, b) => a.ms - b.ms);
    this.infoSpecs = cfg.intervals.filter((s): s is InfoSpec => s.kind !== 'time');
    this.L = cfg.allowedLatenessMs;
    this.revise = cfg.latePolicy === 'revise';
    this.counters = { received: 0, accepted: 0, late: 0, lateRevised: 0, duplicates: 0, windows: 0, barsFinal: {} };
    for (const s of cfg.intervals) this.counters.barsFinal[s.name] = 0;
  }

  instruments(): string[] {
    return [...this.states.keys()];
  }

  private state(id: string): InstrumentState {
    let st = this.states.get(id);
    if (!st) {
      st = new InstrumentState(id, this.cfg, this.timeSpecs, this.infoSpecs);
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
      for (let k = 0; k < series.length; k++) {
        const s = series[k] as TimeSeries;
        const start = ts - (ts % s.ms);
        const cur = s.cur;
        (cur !== null && cur.start === start ? cur : s.barFor(start)).add(ts, price, size, id, side);
      }
      const panes = st.panes;
      for (let k = 0; k < panes.length; k++) {
        const s = panes[k] as TimeSeries;
        s.barFor(ts - (ts % s.ms)).add(ts, price, size, id, side);
      }
      const info = st.info;
      for (let k = 0; k < info.length; k++) {
        const done = (info[k] as InfoSeries).add(ts, price, size, id, side);
        if (done) this.finalInfo(st, k, done, out);
      }
      if (st.wm >= st.nextCheck) this.advance(st, out);
    }
  }

  /** Live mode: closes the bars of quiet instruments by wall-clock time. */
  advanceTime(nowMs: number, out: ProcessorOutputs): void {
    const target = nowMs - this.L - this.cfg.idleTimeoutMs;
    for (const st of this.states.values()) {
      if (target > st.wm && st.maxTs > -Infinity) {
        st.wm = target;
        if (st.wm >= st.nextCheck) this.advance(st, out);
      }
    }
  }

  /** End of input (a replay finished): every open time bar becomes final. */
  finish(out: ProcessorOutputs): void {
    for (const st of this.states.values()) {
      st.wm = Infinity;
      this.finalizeUpTo(st, Infinity, out);
      st.lateBefore = Infinity;
      st.nextCheck = Infinity;
    }
  }

  /** Open bars changed since the previous call, as interim (non-final) bars. */
  collectInterim(into: Bar[]): void {
    for (const st of this.states.values()) {
      for (const s of st.series) {
        for (const b of s.open) {
          if (b.dirty) {
            b.dirty = false;
            into.push(b.toBar(st.id, s.name, false));
          }
        }
      }
      for (const s of st.info) {
        if (s.cur.dirty) {
          s.cur.dirty = false;
          into.push(s.cur.toBar(st.id, s.spec.name, false));
        }
      }
    }
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
    const all = st.allMs;
    if (all.length === 0) {
      st.nextCheck = Infinity;
      return;
    }
    let lateBefore = -Infinity;
    let next = Infinity;
    for (const ms of all) {
      const a = alignDown(wm, ms);
      if (a > lateBefore) lateBefore = a;
      if (a + ms < next) next = a + ms;
    }
    st.lateBefore = lateBefore;
    st.nextCheck = next;
  }

  private finalizeUpTo(st: InstrumentState, wm: number, out: ProcessorOutputs): void {
    for (let k = 0; k < st.series.length; k++) {
      const s = st.series[k] as TimeSeries;
      for (let b = s.popFinal(wm); b; b = s.popFinal(wm)) {
        const bar = b.toBar(st.id, s.name, true);
        out.bars.push(bar);
        this.counters.barsFinal[s.name] = (this.counters.barsFinal[s.name] ?? 0) + 1;
        st.analytics[k]?.onFinalBar(bar, out);
        if (this.revise) s.remember(b, this.cfg.reviseKeep);
      }
    }
    for (let k = 0; k < st.panes.length; k++) {
      const p = st.panes[k] as TimeSeries;
      const w = st.windows[k] as HoppingWindow;
      for (let b = p.popFinal(wm); b; b = p.popFinal(wm)) {
        out.windows.push(w.onPane(st.id, b));
        this.counters.windows++;
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
    for (const s of st.series) {
      const start = ts - (ts % s.ms);
      if (start >= alignDown(st.wm, s.ms)) {
        s.barFor(start).add(ts, price, size, id, side);
        continue;
      }
      const b = s.findRecent(start);
      if (!b) continue;
      b.add(ts, price, size, id, side);
      b.revision++;
      out.bars.push(b.toBar(st.id, s.name, true));
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
        panes: st.panes.map((p, k) => ({ open: p.open.map((b) => b.toJSON()), window: st.windows[k]?.toJSON() ?? [] })),
      });
    }
    return { v: 1, counters: this.counters, instruments };
  }

  /** Restores a snapshot taken by `toJSON` of a processor with the same configuration. */
  restore(snap: ProcessorSnapshot): void {
    Object.assign(this.counters, snap.counters, { barsFinal: { ...this.counters.barsFinal, ...snap.counters.barsFinal } });
    const num = (x: number | null, inf: number): number => (x === null ? inf : x);
    for (const j of snap.instruments) {
      const st = new InstrumentState(j.id, { ...this.cfg, analytics: undefined }, this.timeSpecs, this.infoSpecs);
      st.maxTs = num(j.maxTs, -Infinity);
      st.wm = num(j.wm, -Infinity);
      st.lateBefore = num(j.lateBefore, -Infinity);
      st.nextCheck = num(j.nextCheck, -Infinity);
      Object.assign(st, { dedupe: TradeIdDeduper.fromJSON(j.dedupe, this.cfg.dedupeWindow) });
      st.series.forEach((s, k) => {
        const sj = j.series.find((x) => x.name === s.name);
        for (const b of sj?.open ?? []) s.open.push(BarAccClass.fromJSON(b));
        for (const b of sj?.recent ?? []) s.recent.push(BarAccClass.fromJSON(b));
        s.cur = s.open[s.open.length - 1] ?? null;
        st.analytics[k] = this.cfg.analytics?.(j.id, s.name, s.ms, sj?.analytics ?? undefined) ?? null;
      });
      st.info.forEach((s, k) => {
        const ij = j.info.find((x) => x.name === s.spec.name);
        if (ij) s.cur = BarAccClass.fromJSON(ij.cur);
        st.infoAnalytics[k] = this.cfg.analytics?.(j.id, s.spec.name, null, ij?.analytics ?? undefined) ?? null;
      });
      st.panes.forEach((p, k) => {
        const pj = j.panes[k];
        for (const b of pj?.open ?? []) p.open.push(BarAccClass.fromJSON(b));
        p.cur = p.open[p.open.length - 1] ?? null;
        const spec = this.cfg.windows[k];
        if (spec && pj) st.windows[k] = HoppingWindow.fromJSON(spec, pj.window);
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
  panes: { open: (number | null)[][]; window: number[][] }[];
}

export interface ProcessorSnapshot {
  v: 1;
  counters: ProcessorCounters;
  instruments: InstrumentSnapshot[];
}

export { ProcessorOutputs };
