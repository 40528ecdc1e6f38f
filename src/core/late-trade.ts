import Type, { type Static } from 'typebox';

/** A trade that arrived after the bar it belongs to was final (side output). */
export const LateTradeSchema = Type.Object(
  {
    type: Type.Literal('late'),
    instrument: Type.String(),
    id: Type.Number(),
    timestamp: Type.Number(),
    localTimestamp: Type.Number(),
    price: Type.Number(),
    size: Type.Number(),
    side: Type.Integer(),
    watermark: Type.Number({ description: 'the instrument watermark when it arrived' }),
  },
  { additionalProperties: false },
);

export type LateTrade = Static<typeof LateTradeSchema>;
