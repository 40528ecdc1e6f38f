import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { TickflowError } from '../../core/index.js';
import { MAX_PERIOD } from './period.js';
import { checkConfig } from './state-check.js';

const period = (def: number, description: string, minimum = 2) => Type.Integer({ minimum, maximum: MAX_PERIOD, default: def, description });

/**
 * Periods of the indicators computed per (instrument, interval). Defaults are TA-Lib's. MACD uses
 * the fast and slow EMA periods, so the two EMAs reported beside it are its legs' periods.
 */
export const IndicatorConfigSchema = Type.Object(
  {
    smaPeriod: period(20, 'SMA'),
    emaFastPeriod: period(12, 'fast EMA, and MACD fast'),
    emaSlowPeriod: period(26, 'slow EMA, and MACD slow'),
    macdSignalPeriod: period(9, 'MACD signal EMA'),
    rsiPeriod: period(14, 'RSI (Wilder)'),
    bbPeriod: period(20, 'Bollinger middle SMA and std window'),
    bbStdDevs: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 2, description: 'Bollinger band width in population std devs' }),
    atrPeriod: period(14, 'ATR (Wilder)', 1),
    volPeriod: period(20, 'realized volatility window, in log returns'),
  },
  { additionalProperties: false },
);

export type IndicatorConfig = Static<typeof IndicatorConfigSchema>;

export const DEFAULT_INDICATOR_CONFIG: IndicatorConfig = Object.freeze(resolveIndicatorConfig({}));

/** Fills defaults and validates; throws CONFIG_INVALID naming the bad option. */
export function resolveIndicatorConfig(input: unknown = {}): IndicatorConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TickflowError('CONFIG_INVALID', 'indicator config must be an object');
  }
  const withDefaults = Value.Default(IndicatorConfigSchema, { ...input });
  const config = checkConfig(IndicatorConfigSchema, withDefaults, 'indicator');
  if (config.emaFastPeriod >= config.emaSlowPeriod) {
    throw new TickflowError(
      'CONFIG_INVALID',
      `indicator config: emaFastPeriod (${config.emaFastPeriod}) must be below emaSlowPeriod (${config.emaSlowPeriod})`,
    );
  }
  return config;
}
