import Type, { type Static } from 'typebox';

const Num = Type.Union([Type.Number(), Type.Null()]);

/**
 * Indicators computed when a bar closes, from that bar and the ones before it (never later
 * ones). A value is null until its window has warmed up, as TA-Lib leaves its lookback
 * period empty. Periods are the defaults of `IndicatorConfig`.
 */
export const IndicatorSetSchema = Type.Object(
  {
    type: Type.Literal('indicators'),
    instrument: Type.String(),
    interval: Type.String(),
    start: Type.Number({ description: 'start of the bar these were computed at' }),
    close: Type.Number(),
    sma: Num,
    emaFast: Num,
    emaSlow: Num,
    rsi: Num,
    macd: Num,
    macdSignal: Num,
    macdHist: Num,
    bbUpper: Num,
    bbMiddle: Num,
    bbLower: Num,
    atr: Num,
    logReturn: Num,
    realizedVol: Type.Union([Type.Number(), Type.Null()], { description: 'annualized rolling std of log returns' }),
  },
  { additionalProperties: false },
);

export type IndicatorSet = Static<typeof IndicatorSetSchema>;
