import {
  TickflowError,
  type Alert,
  type Bar,
  type IndicatorSet,
  type FeedGap,
  type LateTrade,
  type ModelMetrics,
  type ModelVersion,
  type Prediction,
  type Reject,
  modelId,
  type WindowStats,
} from '../../src/core/index.js';
import type {
  AlertQuery,
  BarQuery,
  Checkpoint,
  InstrumentSummary,
  ModelListQuery,
  ModelSeriesQuery,
  ModelSummary,
  ModelVersionInfo,
  Page,
  PredictionQuery,
  PredictionWithOutcome,
  RejectQuery,
  Store,
  StoreCounts,
  StoreWrite,
  TimeRangeQuery,
  WindowQuery,
} from '../../src/store/store.js';

interface RangeOpts {
  readonly from?: number;
  readonly to?: number;
  readonly limit: number;
  readonly cursor?: string;
  readonly desc?: boolean;
}

/**
 * An in-memory `Store` for API tests and benches: the contract's semantics (half-open
 * [from, to) ranges on record time, newest-first on `desc`, opaque cursors bound to their
 * query, INVALID_CURSOR for anything else) without DuckDB. Reads are indexed by
 * (instrument, interval) so a bench measures the API, not this fake.
 */
export class FakeStore implements Store {
  readonly data = {
    bars: [] as Bar[],
    indicators: [] as IndicatorSet[],
    alerts: [] as Alert[],
    windows: [] as WindowStats[],
    late: [] as LateTrade[],
    rejects: [] as Reject[],
    gaps: [] as FeedGap[],
    predictions: [] as Prediction[],
    modelMetrics: [] as ModelMetrics[],
    modelVersions: [] as ModelVersion[],
  };
  /** How many times each read method ran. */
  readonly calls = new Map<string, number>();
  /** When set, every read rejects with it. */
  failWith: Error | undefined;
  #barIndex: Map<string, Bar[]> | undefined;
  #indicatorIndex: Map<string, IndicatorSet[]> | undefined;
  readonly #checkpoints = new Map<string, Checkpoint>();

  constructor(init: Partial<FakeStore['data']> = {}) {
    Object.assign(this.data, init);
  }

  async commit(write: StoreWrite): Promise<void> {
    this.data.bars.push(...write.bars);
    this.data.indicators.push(...write.indicators);
    this.data.alerts.push(...write.alerts);
    this.data.windows.push(...write.windows);
    this.data.late.push(...write.late);
    this.data.rejects.push(...write.rejects);
    this.data.gaps.push(...(write.gaps ?? []));
    this.data.predictions.push(...(write.predictions ?? []));
    this.data.modelMetrics.push(...(write.modelMetrics ?? []));
    this.data.modelVersions.push(...(write.modelVersions ?? []));
    if (write.checkpoint) this.#checkpoints.set(write.checkpoint.id, write.checkpoint);
    this.#barIndex = undefined;
    this.#indicatorIndex = undefined;
  }

  async loadCheckpoint(id: string): Promise<Checkpoint | undefined> {
    return this.#checkpoints.get(id);
  }

  async deleteCheckpoint(id: string): Promise<void> {
    this.#checkpoints.delete(id);
  }

  async instruments(): Promise<InstrumentSummary[]> {
    this.#read('instruments');
    const by = new Map<string, { intervals: Set<string>; first: number; last: number; bars: number; lastClose: number }>();
    for (const b of this.data.bars) {
      const s = by.get(b.instrument);
      if (s === undefined) {
        by.set(b.instrument, { intervals: new Set([b.interval]), first: b.start, last: b.end, bars: 1, lastClose: b.close });
        continue;
      }
      s.intervals.add(b.interval);
      s.first = Math.min(s.first, b.start);
      if (b.end >= s.last) {
        s.last = b.end;
        s.lastClose = b.close;
      }
      s.bars += 1;
    }
    return [...by].map(([instrument, s]) => ({
      instrument,
      intervals: [...s.intervals],
      firstTime: s.first,
      lastTime: s.last,
      bars: s.bars,
      lastClose: s.lastClose,
    }));
  }

  async bars(q: BarQuery): Promise<Page<Bar>> {
    this.#read('bars');
    this.#barIndex ??= index(this.data.bars);
    return page(
      this.#barIndex.get(`${q.instrument}|${q.interval}`) ?? [],
      q,
      (b) => b.start,
      JSON.stringify(['bars', q.instrument, q.interval, q.from, q.to, q.desc]),
    );
  }

  async latestBar(instrument: string, interval: string): Promise<Bar | undefined> {
    this.#read('latestBar');
    this.#barIndex ??= index(this.data.bars);
    return this.#barIndex.get(`${instrument}|${interval}`)?.at(-1);
  }

  async indicators(q: BarQuery): Promise<Page<IndicatorSet>> {
    this.#read('indicators');
    this.#indicatorIndex ??= index(this.data.indicators);
    const items = this.#indicatorIndex.get(`${q.instrument}|${q.interval}`) ?? [];
    return page(items, q, (s) => s.start, JSON.stringify(['indicators', q.instrument, q.interval, q.from, q.to, q.desc]));
  }

  async alerts(q: AlertQuery): Promise<Page<Alert>> {
    this.#read('alerts');
    const items = this.data.alerts
      .filter((a) => (q.instrument === undefined || a.instrument === q.instrument) && (q.kind === undefined || a.kind === q.kind))
      .filter((a) => q.severity === undefined || a.severity === q.severity)
      .sort((a, b) => a.time - b.time);
    return page(items, q, (a) => a.time, JSON.stringify(['alerts', q.instrument, q.kind, q.severity, q.from, q.to]));
  }

  async windows(q: WindowQuery): Promise<Page<WindowStats>> {
    this.#read('windows');
    const items = this.data.windows
      .filter((w) => w.instrument === q.instrument && (q.size === undefined || w.size === q.size))
      .sort((a, b) => a.start - b.start);
    return page(items, q, (w) => w.start, JSON.stringify(['windows', q.instrument, q.size, q.from, q.to]));
  }

  async rejects(q: RejectQuery): Promise<Page<Reject>> {
    this.#read('rejects');
    const items = this.data.rejects.filter((r) => q.reason === undefined || r.reason === q.reason).sort((a, b) => a.time - b.time);
    return page(items, q, (r) => r.time, JSON.stringify(['rejects', q.reason]));
  }

  async late(q: TimeRangeQuery): Promise<Page<LateTrade>> {
    this.#read('late');
    const items = this.data.late.filter((t) => t.instrument === q.instrument).sort((a, b) => a.timestamp - b.timestamp);
    return page(items, q, (t) => t.timestamp, JSON.stringify(['late', q.instrument, q.from, q.to, q.desc]));
  }

  async predictions(q: PredictionQuery): Promise<Page<PredictionWithOutcome>> {
    this.#read('predictions');
    const bars = this.data.bars.filter((b) => b.instrument === q.instrument && b.interval === q.interval).sort((a, b) => a.start - b.start);
    const items = this.data.predictions
      .filter(
        (p) =>
          p.instrument === q.instrument &&
          p.interval === q.interval &&
          (q.model === undefined || q.model === 'champion' ? p.champion : q.model === '*' || p.model === q.model),
      )
      .sort((a, b) => a.start - b.start || a.model.localeCompare(b.model))
      .map((p): PredictionWithOutcome => {
        const next = bars.find((b) => b.start > p.start);
        if (!next) return { ...p, outcome: null };
        const ret = Math.log(next.close / p.close);
        return { ...p, outcome: { start: next.start, close: next.close, return: ret, error: ret - p.return } };
      });
    return page(items, q, (p) => p.start, JSON.stringify(['predictions', q.instrument, q.interval, q.model, q.from, q.to, q.desc]));
  }

  async models(q: ModelListQuery): Promise<ModelSummary[]> {
    this.#read('models');
    const latest = new Map<string, ModelMetrics>();
    for (const m of this.data.modelMetrics) {
      if ((q.instrument !== undefined && m.instrument !== q.instrument) || (q.interval !== undefined && m.interval !== q.interval))
        continue;
      const id = modelId(m.instrument, m.interval, m.model);
      const prev = latest.get(id);
      if (!prev || m.time >= prev.time) latest.set(id, m);
    }
    return [...latest.entries()].map(([id, m]) => {
      const versions = this.data.modelVersions.filter((v) => modelId(v.instrument, v.interval, v.model) === id);
      return {
        id,
        instrument: m.instrument,
        interval: m.interval,
        model: m.model,
        kind: m.kind,
        status: m.status,
        updates: m.updates,
        time: m.time,
        cumulative: m.cumulative,
        rolling: m.rolling,
        versions: versions.length,
        latestVersion: versions.length > 0 ? Math.max(...versions.map((v) => v.version)) : null,
      };
    });
  }

  async modelMetrics(q: ModelSeriesQuery): Promise<Page<ModelMetrics>> {
    this.#read('modelMetrics');
    const items = this.data.modelMetrics
      .filter((m) => m.instrument === q.instrument && m.interval === q.interval && m.model === q.model)
      .sort((a, b) => a.time - b.time);
    return page(items, q, (m) => m.time, JSON.stringify(['modelMetrics', q.instrument, q.interval, q.model, q.from, q.to, q.desc]));
  }

  async modelVersions(q: ModelSeriesQuery): Promise<Page<ModelVersionInfo>> {
    this.#read('modelVersions');
    const items = this.data.modelVersions
      .filter((m) => m.instrument === q.instrument && m.interval === q.interval && m.model === q.model)
      .sort((a, b) => a.version - b.version)
      .map(({ state: _state, ...rest }) => rest);
    return page(items, q, (m) => m.time, JSON.stringify(['modelVersions', q.instrument, q.interval, q.model, q.from, q.to, q.desc]));
  }

  async latestModelVersions(q: ModelListQuery): Promise<ModelVersion[]> {
    this.#read('latestModelVersions');
    const latest = new Map<string, ModelVersion>();
    for (const v of this.data.modelVersions) {
      if ((q.instrument !== undefined && v.instrument !== q.instrument) || (q.interval !== undefined && v.interval !== q.interval))
        continue;
      const id = modelId(v.instrument, v.interval, v.model);
      if ((latest.get(id)?.version ?? 0) < v.version) latest.set(id, v);
    }
    return [...latest.values()];
  }

  async modelVersion(instrument: string, interval: string, model: string, version: number): Promise<ModelVersion | undefined> {
    this.#read('modelVersion');
    return this.data.modelVersions.find(
      (m) => m.instrument === instrument && m.interval === interval && m.model === model && m.version === version,
    );
  }

  async gaps(q: TimeRangeQuery): Promise<Page<FeedGap>> {
    this.#read('gaps');
    const items = this.data.gaps.filter((g) => g.instrument === q.instrument).sort((a, b) => a.start - b.start);
    return page(items, q, (g) => g.start, JSON.stringify(['gaps', q.instrument, q.from, q.to, q.desc]));
  }

  async counts(): Promise<StoreCounts> {
    this.#read('counts');
    const d = this.data;
    return {
      bars: d.bars.length,
      indicators: d.indicators.length,
      alerts: d.alerts.length,
      windows: d.windows.length,
      late: d.late.length,
      rejects: d.rejects.length,
      trades: 0,
    };
  }

  async exportLake(): Promise<{ files: number; dir: string }> {
    return { files: 0, dir: '' };
  }

  async close(): Promise<void> {}

  #read(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    if (this.failWith) throw this.failWith;
  }
}

function index<T extends { instrument: string; interval: string; start: number }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = `${it.instrument}|${it.interval}`;
    const list = m.get(k);
    if (list === undefined) m.set(k, [it]);
    else list.push(it);
  }
  for (const list of m.values()) list.sort((a, b) => a.start - b.start);
  return m;
}

function page<T>(sorted: readonly T[], q: RangeOpts, timeOf: (t: T) => number, fingerprint: string): Page<T> {
  const lo = q.from === undefined ? 0 : lowerBound(sorted, q.from, timeOf);
  const hi = q.to === undefined ? sorted.length : lowerBound(sorted, q.to, timeOf);
  const n = Math.max(0, hi - lo);
  const offset = q.cursor === undefined ? 0 : decodeCursor(q.cursor, fingerprint);
  const take = Math.min(q.limit, Math.max(0, n - offset));
  const items: T[] = [];
  for (let i = 0; i < take; i++) {
    const idx = q.desc ? hi - 1 - offset - i : lo + offset + i;
    const it = sorted[idx];
    if (it !== undefined) items.push(it);
  }
  const next = offset + take;
  return { items, nextCursor: next < n ? Buffer.from(JSON.stringify({ f: fingerprint, o: next })).toString('base64url') : null };
}

function lowerBound<T>(sorted: readonly T[], t: number, timeOf: (x: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid];
    if (v !== undefined && timeOf(v) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function decodeCursor(cursor: string, fingerprint: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new TickflowError('INVALID_CURSOR', 'cursor is not one this server issued; start again without cursor');
  }
  if (typeof parsed !== 'object' || parsed === null || !('f' in parsed) || !('o' in parsed) || typeof parsed.o !== 'number') {
    throw new TickflowError('INVALID_CURSOR', 'cursor is not one this server issued; start again without cursor');
  }
  if (parsed.f !== fingerprint)
    throw new TickflowError('INVALID_CURSOR', 'cursor belongs to a different query; repeat the original parameters');
  return parsed.o;
}
