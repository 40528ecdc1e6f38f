import Type, { type Static } from 'typebox';
import { TickflowError, parseBarSpec, type IndicatorSet } from '../../core/index.js';
import { Atr, AtrStateSchema } from './atr.js';
import { Bollinger, BollingerStateSchema } from './bollinger.js';
import { Ema, EmaStateSchema } from './ema.js';
import { IndicatorConfigSchema, resolveIndicatorConfig, type IndicatorConfig } from './indicator-config.js';
import { LogReturn, LogReturnStateSchema } from './log-return.js';
import { Macd, MacdStateSchema } from './macd.js';
import { RealizedVol, RealizedVolStateSchema, barsPerYear } from './realized-vol.js';
import { Rsi, RsiStateSchema } from './rsi.js';
import { Sma, SmaStateSchema } from './sma.js';
import { checkState } from './state-check.js';

/** The bar fields the indicators read; a core `Bar` fits. */
export interface IndicatorBar {
  readonly start: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface IndicatorEngineOptions {
  readonly instrument: string;
  /** Bar spec name (`1m`, `tick:100`, ...); time intervals annualize the realized volatility. */
  readonly interval: string;
  readonly config?: Partial<IndicatorConfig>;
}

export const IndicatorEngineStateSchema = Type.Object(
  {
    kind: Type.Literal('indicatorEngine'),
    version: Type.Literal(1),
    instrument: Type.String(),
    interval: Type.String(),
    config: IndicatorConfigSchema,
    lastStart: Type.Union([Type.Number(), Type.Null()]),
    sma: SmaStateSchema,
    emaFast: EmaStateSchema,
    emaSlow: EmaStateSchema,
    rsi: RsiStateSchema,
    macd: MacdStateSchema,
    bollinger: BollingerStateSchema,
    atr: AtrStateSchema,
    logReturn: LogReturnStateSchema,
    realizedVol: RealizedVolStateSchema,
  },
  { additionalProperties: false },
);
export type IndicatorEngineState = Static<typeof IndicatorEngineStateSchema>;

/** Bars per year for time bars; null for bars without a fixed duration. */
function annualization(interval: string): number | null {
  const spec = parseBarSpec(interval);
  return spec.kind === 'time' ? barsPerYear(spec.ms) : null;
}

/**
 * All indicators of one (instrument, interval) stream, fed one final bar at a time. Stateful and
 * order-dependent: give it each final bar once, in order, and checkpoint it with toJSON.
 */
export class IndicatorEngine {
  readonly instrument: string;
  readonly interval: string;
  readonly config: IndicatorConfig;
  /** Time bars must strictly advance; information-driven bars may share a start millisecond. */
  private readonly strictOrder: boolean;
  /** NaN before the first bar: see Ema.value on why not null. */
  private lastStart = NaN;
  private sma: Sma;
  private emaFast: Ema;
  private emaSlow: Ema;
  private rsi: Rsi;
  private macd: Macd;
  private bollinger: Bollinger;
  private atr: Atr;
  private logReturn: LogReturn;
  private realizedVol: RealizedVol;

  constructor(options: IndicatorEngineOptions) {
    const c = resolveIndicatorConfig(options.config ?? {});
    const spec = parseBarSpec(options.interval);
    this.instrument = options.instrument;
    this.interval = options.interval;
    this.config = c;
    this.strictOrder = spec.kind === 'time';
    this.sma = new Sma(c.smaPeriod);
    this.emaFast = new Ema(c.emaFastPeriod);
    this.emaSlow = new Ema(c.emaSlowPeriod);
    this.rsi = new Rsi(c.rsiPeriod);
    this.macd = new Macd(c.emaFastPeriod, c.emaSlowPeriod, c.macdSignalPeriod);
    this.bollinger = new Bollinger(c.bbPeriod, c.bbStdDevs);
    this.atr = new Atr(c.atrPeriod);
    this.logReturn = new LogReturn();
    this.realizedVol = new RealizedVol(c.volPeriod, annualization(options.interval));
  }

  onBar(bar: IndicatorBar): IndicatorSet {
    const { start, high, low, close } = bar;
    // One bad number would poison every rolling sum for good, so refuse it before any state changes.
    if (!(close > 0 && high >= low && low > 0 && Number.isFinite(close) && Number.isFinite(high) && Number.isFinite(start))) {
      throw new TickflowError(
        'BAD_PRICE',
        `${this.instrument} ${this.interval} bar at ${start}: needs finite prices with 0 < low <= high (close ${close}, high ${high}, low ${low})`,
      );
    }
    const last = this.lastStart;
    if (start < last || (this.strictOrder && start === last)) {
      throw new TickflowError(
        'BAD_TIMESTAMP',
        `${this.instrument} ${this.interval}: bar at ${start} arrived after the bar at ${last}; indicators need each final bar once, in order`,
      );
    }
    this.lastStart = start;

    const macdReady = this.macd.step(close);
    const bbReady = this.bollinger.step(close);
    const logReturn = this.logReturn.update(close);
    return {
      type: 'indicators',
      instrument: this.instrument,
      interval: this.interval,
      start,
      close,
      sma: this.sma.update(close),
      emaFast: this.emaFast.update(close),
      emaSlow: this.emaSlow.update(close),
      rsi: this.rsi.update(close),
      macd: macdReady ? this.macd.macd : null,
      macdSignal: macdReady ? this.macd.signal : null,
      macdHist: macdReady ? this.macd.hist : null,
      bbUpper: bbReady ? this.bollinger.upper : null,
      bbMiddle: bbReady ? this.bollinger.middle : null,
      bbLower: bbReady ? this.bollinger.lower : null,
      atr: this.atr.update(high, low, close),
      logReturn,
      realizedVol: logReturn === null ? null : this.realizedVol.update(logReturn),
    };
  }

  toJSON(): IndicatorEngineState {
    return {
      kind: 'indicatorEngine',
      version: 1,
      instrument: this.instrument,
      interval: this.interval,
      config: { ...this.config },
      lastStart: Number.isNaN(this.lastStart) ? null : this.lastStart,
      sma: this.sma.toJSON(),
      emaFast: this.emaFast.toJSON(),
      emaSlow: this.emaSlow.toJSON(),
      rsi: this.rsi.toJSON(),
      macd: this.macd.toJSON(),
      bollinger: this.bollinger.toJSON(),
      atr: this.atr.toJSON(),
      logReturn: this.logReturn.toJSON(),
      realizedVol: this.realizedVol.toJSON(),
    };
  }

  static fromJSON(state: unknown): IndicatorEngine {
    const s = checkState(IndicatorEngineStateSchema, state, 'indicator engine');
    const e = new IndicatorEngine({ instrument: s.instrument, interval: s.interval, config: s.config });
    e.lastStart = s.lastStart ?? NaN;
    e.sma = Sma.fromJSON(s.sma);
    e.emaFast = Ema.fromJSON(s.emaFast);
    e.emaSlow = Ema.fromJSON(s.emaSlow);
    e.rsi = Rsi.fromJSON(s.rsi);
    e.macd = Macd.fromJSON(s.macd);
    e.bollinger = Bollinger.fromJSON(s.bollinger);
    e.atr = Atr.fromJSON(s.atr);
    e.logReturn = LogReturn.fromJSON(s.logReturn);
    e.realizedVol = RealizedVol.fromJSON(s.realizedVol);
    // A checkpoint whose parts disagree with its config was tampered with or written by a bug.
    const c = e.config;
    const consistent =
      e.sma.period === c.smaPeriod &&
      e.emaFast.period === c.emaFastPeriod &&
      e.emaSlow.period === c.emaSlowPeriod &&
      e.rsi.period === c.rsiPeriod &&
      e.macd.fastPeriod === c.emaFastPeriod &&
      e.macd.slowPeriod === c.emaSlowPeriod &&
      e.macd.signalPeriod === c.macdSignalPeriod &&
      e.bollinger.period === c.bbPeriod &&
      e.bollinger.stdDevs === c.bbStdDevs &&
      e.atr.period === c.atrPeriod &&
      e.realizedVol.period === c.volPeriod &&
      e.realizedVol.barsPerYear === annualization(s.interval);
    if (!consistent) throw new TickflowError('MALFORMED', "indicator engine state: an indicator's parameters differ from the saved config");
    return e;
  }
}
