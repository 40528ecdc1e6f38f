import Type, { type Static } from 'typebox';

/**
 * A stretch of an instrument's trades a live feed did not deliver: bars whose time range
 * overlaps [start, end] may be thinner than the market was. Written when it is known: an id
 * gap the venue could not backfill, or a disconnect on a venue whose ids cannot tell whether
 * trades were missed. A gap that was backfilled completely leaves no marker.
 */
export const FeedGapSchema = Type.Object(
  {
    type: Type.Literal('gap'),
    instrument: Type.String(),
    start: Type.Number({ description: 'exchange time of the last trade seen before the gap, epoch ms' }),
    end: Type.Number({ description: 'exchange time of the first trade seen after it, epoch ms' }),
    kind: Type.Union([Type.Literal('ids'), Type.Literal('disconnect')], {
      description:
        'ids: trade ids jumped and backfill was impossible or failed; disconnect: the connection dropped and the venue ids cannot tell what was missed',
    }),
    missing: Type.Number({ description: 'trades known to be missing (from the ids), -1 when unknown' }),
    source: Type.String({ description: 'venue and connection, e.g. coinbase#0' }),
    time: Type.Number({ description: 'local time the gap was recorded, epoch ms' }),
  },
  { additionalProperties: false },
);

export type FeedGap = Static<typeof FeedGapSchema>;
