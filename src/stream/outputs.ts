import type { Alert, Bar, IndicatorSet, LateTrade, WindowStats } from '../core/index.js';

/**
 * What the processor produced since the caller last drained it. Arrays are reused; the
 * caller takes ownership by calling `drain()`.
 */
export class ProcessorOutputs {
  bars: Bar[] = [];
  indicators: IndicatorSet[] = [];
  alerts: Alert[] = [];
  windows: WindowStats[] = [];
  late: LateTrade[] = [];

  isEmpty(): boolean {
    return this.bars.length + this.indicators.length + this.alerts.length + this.windows.length + this.late.length === 0;
  }

  drain(): { bars: Bar[]; indicators: IndicatorSet[]; alerts: Alert[]; windows: WindowStats[]; late: LateTrade[] } {
    const d = { bars: this.bars, indicators: this.indicators, alerts: this.alerts, windows: this.windows, late: this.late };
    this.bars = [];
    this.indicators = [];
    this.alerts = [];
    this.windows = [];
    this.late = [];
    return d;
  }
}

/**
 * Per-(instrument, interval) analytics run on each final bar (indicators, anomaly
 * detectors). Supplied by the pipeline so the bar engine stays independent of them.
 */
export interface BarAnalytics {
  onFinalBar(bar: Bar, out: ProcessorOutputs): void;
  toJSON(): unknown;
}

export type AnalyticsFactory = (instrument: string, intervalName: string, intervalMs: number | null, saved: unknown) => BarAnalytics | null;
