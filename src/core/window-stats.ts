import Type, { type Static } from 'typebox';

/**
 * KPIs of a hopping (sliding) window, e.g. size 5 min sliding by 1 min: the rolling
 * average, min, max, count and spread the seeds' KPI dashboards show.
 */
export const WindowStatsSchema = Type.Object(
  {
    type: Type.Literal('window'),
    instrument: Type.String(),
    size: Type.Number({ description: 'window length, ms' }),
    slide: Type.Number({ description: 'hop, ms' }),
    start: Type.Number(),
    end: Type.Number(),
    trades: Type.Integer(),
    volume: Type.Number(),
    avgPrice: Type.Number({ description: 'mean trade price' }),
    vwap: Type.Number(),
    minPrice: Type.Number(),
    maxPrice: Type.Number(),
    spread: Type.Number({ description: '(max - min) / min, relative range' }),
  },
  { additionalProperties: false },
);

export type WindowStats = Static<typeof WindowStatsSchema>;
