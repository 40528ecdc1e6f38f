import Type, { type Static } from 'typebox';

/** A rejected input record: what, where from, and why. Raw text is cut to 512 characters. */
export const RejectSchema = Type.Object(
  {
    type: Type.Literal('reject'),
    source: Type.String({ description: 'file name or feed' }),
    position: Type.String({ description: 'line number or offset in the source' }),
    reason: Type.String({ description: 'error code, e.g. BAD_PRICE' }),
    message: Type.String(),
    raw: Type.String(),
    time: Type.Number({ description: 'local time the record was rejected' }),
  },
  { additionalProperties: false },
);

export type Reject = Static<typeof RejectSchema>;

export const RAW_EXCERPT_MAX = 512;

export function excerpt(raw: string): string {
  return raw.length <= RAW_EXCERPT_MAX ? raw : `${raw.slice(0, RAW_EXCERPT_MAX)}…(${raw.length} chars)`;
}
