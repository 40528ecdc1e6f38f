import Type from 'typebox';
import type { EpochMs } from './time.js';
import type { InstrumentId } from './instrument.js';

/** Aggressor side: 1 = buyer took liquidity, -1 = seller did, 0 = venue does not say. */
export type Side = 1 | -1 | 0;

/**
 * One normalized trade. `timestamp` is the exchange's event time, `localTimestamp` when
 * tickflow received it. The hot path carries trades in columnar `TradeBatch`es; this
 * object form is for the edges (JSON codec, API, tests).
 */
export interface Trade {
  readonly type: 'trade';
  readonly instrument: InstrumentId;
  readonly id: number;
  readonly timestamp: EpochMs;
  readonly localTimestamp: EpochMs;
  readonly price: number;
  readonly size: number;
  readonly side: Side;
}

export const TradeSchema = Type.Object(
  {
    type: Type.Literal('trade'),
    instrument: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}:[A-Z0-9][A-Z0-9._/-]{0,63}$' }),
    id: Type.Number({ description: 'venue trade id; NaN-free, -1 when the venue has none' }),
    timestamp: Type.Number({ description: 'exchange event time, epoch ms' }),
    localTimestamp: Type.Number({ description: 'local receive time, epoch ms' }),
    price: Type.Number({ exclusiveMinimum: 0 }),
    size: Type.Number({ minimum: 0 }),
    side: Type.Union([Type.Literal(1), Type.Literal(-1), Type.Literal(0)]),
  },
  { additionalProperties: false },
);
