import Type, { type Static } from 'typebox';
import { TickflowError, parseBarSpec, type Alert, type AlertKind, type Bar, type Severity } from '../../core/index.js';
import { checkState } from '../indicators/index.js';
import { AlertConfigSchema, resolveAlertConfig, type AlertConfig, type AlertConfigInput } from './alert-config.js';
import { priceGapMessage, returnZScoreMessage, volumeSpikeMessage } from './alert-message.js';
import { Cooldown, CooldownStateSchema } from './cooldown.js';
import { PriceGap, PriceGapStateSchema } from './price-gap.js';
import { ReturnZScore, ReturnZScoreStateSchema } from './return-zscore.js';
import { classify, type Thresholds } from './severity.js';
import { VolumeSpike, VolumeSpikeStateSchema } from './volume-spike.js';

/** The bar fields the detectors read; a core `Bar` fits. Give final bars only. */
export type AlertBar = Pick<Bar, 'start' | 'end' | 'open' | 'close' | 'volume'>;

export interface AlertEngineOptions {
  readonly instrument: string;
  /** Bar spec name; time intervals get a cooldown in time, the others in bar counts. */
  readonly interval: string;
  readonly config?: AlertConfigInput;
}

export const AlertEngineStateSchema = Type.Object(
  {
    kind: Type.Literal('alertEngine'),
    version: Type.Literal(1),
    instrument: Type.String(),
    interval: Type.String(),
    config: AlertConfigSchema,
    seen: Type.Integer({ minimum: 0 }),
    lastStart: Type.Union([Type.Number(), Type.Null()]),
    returnZScore: ReturnZScoreStateSchema,
    volumeSpike: VolumeSpikeStateSchema,
    priceGap: PriceGapStateSchema,
    cooldowns: Type.Object(
      { return_zscore: CooldownStateSchema, volume_spike: CooldownStateSchema, price_gap: CooldownStateSchema },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AlertEngineState = Static<typeof AlertEngineStateSchema>;

/**
 * The anomaly detectors of one (instrument, interval) stream, evaluated at each final bar:
 * return z-score, volume spike, price gap. Each looks only at bars before the current one for its
 * baseline, so an alert, once raised, can never be changed by a later bar.
 */
export class AlertEngine {
  readonly instrument: string;
  readonly interval: string;
  readonly config: AlertConfig;
  /** For time bars cooldowns run on bar start times, otherwise on bar counts. */
  private readonly intervalMs: number | null;
  private seen = 0;
  private lastStart: number | null = null;
  private returnZScore: ReturnZScore;
  private volumeSpike: VolumeSpike;
  private priceGap: PriceGap;
  private cooldowns: Record<AlertKind, Cooldown>;

  constructor(options: AlertEngineOptions) {
    const c = resolveAlertConfig(options.config ?? {});
    const spec = parseBarSpec(options.interval);
    this.instrument = options.instrument;
    this.interval = options.interval;
    this.config = c;
    this.intervalMs = spec.kind === 'time' ? spec.ms : null;
    this.returnZScore = new ReturnZScore(c.window, c.minHistory);
    this.volumeSpike = new VolumeSpike(c.window, c.minHistory, c.volumeSpike.baseline);
    this.priceGap = new PriceGap(c.minHistory);
    this.cooldowns = AlertEngine.freshCooldowns(this.cooldownSpan());
  }

  /** Alerts raised by this final bar (usually none), in a fixed kind order. */
  onBar(bar: AlertBar): Alert[] {
    const { start, open, close, volume } = bar;
    if (!(
      open > 0 &&
      close > 0 &&
      volume >= 0 &&
      Number.isFinite(open) &&
      Number.isFinite(close) &&
      Number.isFinite(volume) &&
      Number.isFinite(start)
    )) {
      throw new TickflowError(
        'BAD_PRICE',
        `${this.instrument} ${this.interval} bar at ${start}: needs positive finite open/close and a finite volume >= 0`,
      );
    }
    const last = this.lastStart;
    if (last !== null && (start < last || (this.intervalMs !== null && start === last))) {
      throw new TickflowError(
        'BAD_TIMESTAMP',
        `${this.instrument} ${this.interval}: bar at ${start} arrived after the bar at ${last}; detectors need each final bar once, in order`,
      );
    }
    this.lastStart = start;
    const position = this.intervalMs === null ? this.seen : start;
    this.seen++;

    const alerts: Alert[] = [];
    const c = this.config;
    const z = this.returnZScore.update(close);
    const ratio = this.volumeSpike.update(volume);
    const gap = this.priceGap.update(open, close);
    if (z !== null) {
      this.raise(alerts, bar, position, 'return_zscore', z, c.returnZScore, (sev) =>
        returnZScoreMessage(this.instrument, this.interval, this.returnZScore.lastReturn, z, this.returnZScore.lastHistory, sev),
      );
    }
    if (ratio !== null) {
      const vs = this.volumeSpike;
      this.raise(alerts, bar, position, 'volume_spike', ratio, c.volumeSpike, (sev) =>
        volumeSpikeMessage(this.instrument, this.interval, volume, ratio, vs.lastBaselineVolume, vs.baseline, vs.lastHistory, sev),
      );
    }
    if (gap !== null) {
      const pg = this.priceGap;
      this.raise(alerts, bar, position, 'price_gap', gap, c.priceGap, (sev) =>
        priceGapMessage(this.instrument, this.interval, open, pg.lastPrevClose, pg.lastSignedGap, sev),
      );
    }
    return alerts;
  }

  private raise(
    out: Alert[],
    bar: AlertBar,
    position: number,
    kind: AlertKind,
    value: number,
    thresholds: Thresholds,
    message: (s: Severity) => string,
  ): void {
    const level = classify(value, thresholds);
    if (level === null || !this.cooldowns[kind].admit(position, level.severity)) return;
    out.push({
      type: 'alert',
      instrument: this.instrument,
      interval: this.interval,
      start: bar.start,
      time: bar.end,
      kind,
      severity: level.severity,
      value,
      threshold: level.threshold,
      message: message(level.severity),
    });
  }

  /** Quiet positions after an alert: the N bars that follow it, in ms or in bars. */
  private cooldownSpan(): number {
    const bars = this.config.cooldownBars + 1;
    return this.intervalMs === null ? bars : bars * this.intervalMs;
  }

  private static freshCooldowns(span: number): Record<AlertKind, Cooldown> {
    return { return_zscore: new Cooldown(span), volume_spike: new Cooldown(span), price_gap: new Cooldown(span) };
  }

  toJSON(): AlertEngineState {
    return {
      kind: 'alertEngine',
      version: 1,
      instrument: this.instrument,
      interval: this.interval,
      config: structuredClone(this.config),
      seen: this.seen,
      lastStart: this.lastStart,
      returnZScore: this.returnZScore.toJSON(),
      volumeSpike: this.volumeSpike.toJSON(),
      priceGap: this.priceGap.toJSON(),
      cooldowns: {
        return_zscore: this.cooldowns.return_zscore.toJSON(),
        volume_spike: this.cooldowns.volume_spike.toJSON(),
        price_gap: this.cooldowns.price_gap.toJSON(),
      },
    };
  }

  static fromJSON(state: unknown): AlertEngine {
    const s = checkState(AlertEngineStateSchema, state, 'alert engine');
    const e = new AlertEngine({ instrument: s.instrument, interval: s.interval, config: s.config });
    const c = e.config;
    const consistent =
      s.returnZScore.returns.capacity === c.window &&
      s.returnZScore.minHistory === c.minHistory &&
      s.volumeSpike.volumes.capacity === c.window &&
      s.volumeSpike.minHistory === c.minHistory &&
      s.volumeSpike.baseline === c.volumeSpike.baseline &&
      s.priceGap.minHistory === c.minHistory;
    if (!consistent) throw new TickflowError('MALFORMED', "alert engine state: a detector's parameters differ from the saved config");
    e.seen = s.seen;
    e.lastStart = s.lastStart;
    e.returnZScore = ReturnZScore.fromJSON(s.returnZScore);
    e.volumeSpike = VolumeSpike.fromJSON(s.volumeSpike);
    e.priceGap = PriceGap.fromJSON(s.priceGap);
    const span = e.cooldownSpan();
    e.cooldowns = {
      return_zscore: Cooldown.fromJSON(s.cooldowns.return_zscore, span),
      volume_spike: Cooldown.fromJSON(s.cooldowns.volume_spike, span),
      price_gap: Cooldown.fromJSON(s.cooldowns.price_gap, span),
    };
    return e;
  }
}
