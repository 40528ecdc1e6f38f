import Type, { type Static } from 'typebox';

/**
 * An OHLCV bar. Time bars cover [start, end); information-driven bars (tick/vol/dollar)
 * span their first to last trade. `final` is false for interim updates of an open bar.
 * `revision` is 0 for the bar as first finalized and counts up each time late data
 * revises it (only when the late policy is `revise`).
 */
export const BarSchema = Type.Object(
  {
    type: Type.Literal('bar'),
    instrument: Type.String(),
    interval: Type.String({ description: 'bar spec name: 1s, 1m, 5m, 15m, 1h, 1d, tick:N, vol:X, dollar:X' }),
    start: Type.Number({ description: 'epoch ms, inclusive' }),
    end: Type.Number({ description: 'epoch ms, exclusive for time bars' }),
    open: Type.Number(),
    high: Type.Number(),
    low: Type.Number(),
    close: Type.Number(),
    volume: Type.Number({ description: 'base-asset volume' }),
    quoteVolume: Type.Number({ description: 'sum of price x size' }),
    buyVolume: Type.Number({ description: 'volume of trades whose aggressor bought' }),
    sellVolume: Type.Number({ description: 'volume of trades whose aggressor sold' }),
    trades: Type.Integer(),
    vwap: Type.Number(),
    firstTradeId: Type.Number(),
    lastTradeId: Type.Number(),
    final: Type.Boolean(),
    revision: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export type Bar = Static<typeof BarSchema>;

/** Column order of `tickflow bars --format csv`. */
export const BAR_CSV_COLUMNS = [
  'instrument',
  'interval',
  'start',
  'end',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'trades',
  'vwap',
] as const;
