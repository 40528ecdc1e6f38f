import type { Bar, Prediction } from '../../core/index.js';

/**
 * Every scored step of one (instrument, interval) series over a whole run: the realized return of
 * each bar that had forecasts waiting for it, and what each model had forecast for it. The
 * Prequential keeps only its last `history` steps; a backtest needs all of them for a test over
 * the whole run and for the chart.
 */
export interface ScoredSteps {
  readonly instrument: string;
  readonly interval: string;
  /** Model names; `ret` and `pUp` are in this order. */
  readonly models: readonly string[];
  /** Final bars the series had (scored or not). */
  readonly bars: number;
  /** Start of the first and last final bar; NaN without bars. */
  readonly firstBar: number;
  readonly lastBar: number;
  /** Per step: start of the bar whose return is the label (the bar that was forecast). */
  readonly time: readonly number[];
  /** Per step: the realized log return ln(close / previous close). */
  readonly y: readonly number[];
  /** Per model, per step: the forecast log return; NaN where the model had no forecast. */
  readonly ret: readonly (readonly number[])[];
  /** Per model, per step: the forecast probability of an up move; NaN where the model had no forecast. */
  readonly pUp: readonly (readonly number[])[];
  /** Per step: index into `models` of the champion when the forecast was made; -1 when none was flagged. */
  readonly champion: readonly number[];
}

type StepBar = Pick<Bar, 'instrument' | 'start' | 'close' | 'final'>;
type StepPrediction = Pick<Prediction, 'instrument' | 'model' | 'start' | 'close' | 'return' | 'pUp' | 'champion'>;

class SeriesSteps implements ScoredSteps {
  bars = 0;
  firstBar = NaN;
  lastBar = NaN;
  readonly time: number[] = [];
  readonly y: number[] = [];
  readonly ret: number[][];
  readonly pUp: number[][];
  readonly champion: number[] = [];
  /** Forecasts made at the last bar, waiting for the next one's close. */
  pending: { close: number; ret: Float64Array; pUp: Float64Array; champion: number } | null = null;

  constructor(
    readonly instrument: string,
    readonly interval: string,
    readonly models: readonly string[],
  ) {
    this.ret = models.map(() => []);
    this.pUp = models.map(() => []);
  }
}

/**
 * Rebuilds the scored steps from what the processor emits: its final bars and the prediction
 * records made at them. At each final bar the forecasts made at the previous bar are scored
 * against ln(close / that bar's close), as the Prequential does: a bar with no forecasts before
 * it (features warming up) scores nothing. Feed it each drained output in order.
 */
export class StepRecorder {
  private readonly bySeries = new Map<string, SeriesSteps>();
  private readonly index: ReadonlyMap<string, number>;

  constructor(
    readonly interval: string,
    readonly models: readonly string[],
  ) {
    this.index = new Map(models.map((m, i) => [m, i]));
  }

  /** One drained output: the bars of the interval in order, and the predictions made at them. */
  add(bars: readonly StepBar[], predictions: readonly StepPrediction[]): void {
    // Predictions of a bar are emitted right after it; per instrument they come in bar order.
    const queues = new Map<string, { list: StepPrediction[]; at: number }>();
    for (const p of predictions) {
      let q = queues.get(p.instrument);
      if (!q) queues.set(p.instrument, (q = { list: [], at: 0 }));
      q.list.push(p);
    }
    for (const bar of bars) {
      if (!bar.final) continue;
      const s = this.series(bar.instrument);
      s.bars++;
      if (Number.isNaN(s.firstBar)) s.firstBar = bar.start;
      s.lastBar = bar.start;
      const pend = s.pending;
      if (pend !== null) {
        s.time.push(bar.start);
        s.y.push(Math.log(bar.close / pend.close));
        for (let m = 0; m < this.models.length; m++) {
          s.ret[m]?.push(pend.ret[m] ?? NaN);
          s.pUp[m]?.push(pend.pUp[m] ?? NaN);
        }
        s.champion.push(pend.champion);
      }
      s.pending = null;
      const q = queues.get(bar.instrument);
      if (!q) continue;
      while (q.at < q.list.length && (q.list[q.at] as StepPrediction).start === bar.start) {
        const p = q.list[q.at++] as StepPrediction;
        const m = this.index.get(p.model);
        if (m === undefined) continue;
        s.pending ??= {
          close: p.close,
          ret: new Float64Array(this.models.length).fill(NaN),
          pUp: new Float64Array(this.models.length).fill(NaN),
          champion: -1,
        };
        s.pending.ret[m] = p.return;
        s.pending.pUp[m] = p.pUp;
        if (p.champion) s.pending.champion = m;
      }
    }
  }

  /** Every series seen, by instrument name. */
  all(): ScoredSteps[] {
    return [...this.bySeries.values()].sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : 0));
  }

  /** Steps scored so far, all series together. */
  get steps(): number {
    let n = 0;
    for (const s of this.bySeries.values()) n += s.y.length;
    return n;
  }

  /** Final bars seen so far, all series together. */
  get bars(): number {
    let n = 0;
    for (const s of this.bySeries.values()) n += s.bars;
    return n;
  }

  private series(instrument: string): SeriesSteps {
    let s = this.bySeries.get(instrument);
    if (!s) this.bySeries.set(instrument, (s = new SeriesSteps(instrument, this.interval, this.models)));
    return s;
  }
}
