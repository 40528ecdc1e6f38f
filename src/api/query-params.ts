import Type from 'typebox';

/**
 * Building blocks for querystring schemas. Times stay strings here on purpose: the edge
 * accepts epoch ms *or* ISO-8601, and core `parseTime` gives the precise error message.
 */

export const MAX_LIMIT = 10_000;

export const InstrumentParam = Type.String({
  minLength: 1,
  maxLength: 100,
  description: 'instrument id <exchange>:<SYMBOL> (case-insensitive), as listed by /api/instruments',
  examples: ['binance:BTCUSDT'],
});

export const IntervalParam = Type.String({
  minLength: 1,
  maxLength: 32,
  default: '1m',
  description: 'bar spec: a configured interval such as 1s, 1m, 5m, 1h, or tick:N, vol:X, dollar:X',
  examples: ['1m'],
});

export function timeParam(what: 'from' | 'to'): ReturnType<typeof Type.String> {
  return Type.String({
    minLength: 1,
    maxLength: 40,
    description:
      what === 'from'
        ? 'inclusive lower bound: epoch ms or ISO-8601 (a bare date is midnight UTC)'
        : 'exclusive upper bound: epoch ms or ISO-8601 (a bare date is midnight UTC)',
    examples: [what === 'from' ? '2026-02-01T00:00:00Z' : '1769990400000'],
  });
}

export function limitParam(defaultLimit: number, max = MAX_LIMIT): ReturnType<typeof Type.Integer> {
  return Type.Integer({ minimum: 1, maximum: max, default: defaultLimit, description: `page size, 1..${max}` });
}

export const CursorParam = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'opaque `nextCursor` from the previous page; repeat the other parameters unchanged',
});

export const OrderParam = Type.Enum(['asc', 'desc'], { default: 'asc', description: 'asc: oldest first; desc: newest first' });
