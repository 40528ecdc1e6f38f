import type { Bar } from '../../core/index.js';
import { AlertEngine } from '../../stream/alerts/index.js';
import { IndicatorEngine } from '../../stream/indicators/index.js';
import type { AnalyticsFactory, BarAnalytics, ProcessorOutputs } from '../../stream/index.js';

interface SavedAnalytics {
  indicators: unknown;
  alerts: unknown;
}

/** Indicators at every final bar of an (instrument, interval); anomaly detectors where configured. */
class BarAnalyticsImpl implements BarAnalytics {
  constructor(
    private readonly indicators: IndicatorEngine,
    private readonly alerts: AlertEngine | null,
  ) {}

  onFinalBar(bar: Bar, out: ProcessorOutputs): void {
    out.indicators.push(this.indicators.onBar(bar));
    if (this.alerts) for (const a of this.alerts.onBar(bar)) out.alerts.push(a);
  }

  toJSON(): SavedAnalytics {
    return { indicators: this.indicators.toJSON(), alerts: this.alerts?.toJSON() ?? null };
  }
}

export function analyticsFactory(alertIntervals: readonly string[]): AnalyticsFactory {
  const alerting = new Set(alertIntervals);
  return (instrument, interval, _ms, saved) => {
    const s = saved as SavedAnalytics | undefined;
    const indicators = s ? IndicatorEngine.fromJSON(s.indicators) : new IndicatorEngine({ instrument, interval });
    let alerts: AlertEngine | null = null;
    if (alerting.has(interval)) alerts = s?.alerts ? AlertEngine.fromJSON(s.alerts) : new AlertEngine({ instrument, interval });
    return new BarAnalyticsImpl(indicators, alerts);
  };
}
