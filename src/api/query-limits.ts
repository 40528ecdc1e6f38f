import type { FastifyRequest } from 'fastify';
import { parseTime, TickflowError } from '../core/index.js';
import type { ApiServer } from './context.js';

const DAY_MS = 86_400_000;

/**
 * A year and a day: a year of daily bars, or of anything, in one request. Rows per page are
 * capped separately (`limit`, query-params.ts); this caps how much history one request makes the
 * store filter, since a selective query (a rare alert kind, a sparse series) over a wide range
 * reads the whole range to fill a page.
 */
export const DEFAULT_MAX_RANGE_MS = 366 * DAY_MS;

/** Range parameters by route family: native routes use from/to, the compat layer start_date/end_date. */
const RANGE_PARAMS = [
  ['from', 'to'],
  ['start_date', 'end_date'],
] as const;

const isDate = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s.trim());

const days = (ms: number): string => {
  const d = ms / DAY_MS;
  return Number.isInteger(d) ? `${d} days` : `${d.toFixed(1)} days`;
};

/** The span a pair of bounds asks for, ms; undefined when a bound is absent or unparsable (the route says why). */
function spanOf(query: Record<string, unknown>, lo: string, hi: string): number | undefined {
  const a = query[lo];
  const b = query[hi];
  if (typeof a !== 'string' || typeof b !== 'string') return undefined;
  try {
    // The compat layer's end_date is a whole day, inclusive.
    const end = parseTime(b, hi) + (hi === 'end_date' && isDate(b) ? DAY_MS : 0);
    return end - parseTime(a, lo);
  } catch {
    return undefined;
  }
}

/** BAD_REQUEST when a request's time range is longer than `maxMs` (0: no limit). */
export function checkRangeSpan(query: unknown, maxMs: number): void {
  if (maxMs <= 0 || typeof query !== 'object' || query === null) return;
  const q = query as Record<string, unknown>;
  for (const [lo, hi] of RANGE_PARAMS) {
    const span = spanOf(q, lo, hi);
    if (span === undefined || span <= maxMs) continue;
    throw new TickflowError(
      'BAD_REQUEST',
      `${lo}..${hi} spans ${days(span)}; one request may span at most ${days(maxMs)}: split the range into several requests ` +
        'of at most that length (each paged with limit and cursor)',
      { details: { spanMs: span, maxRangeMs: maxMs } },
    );
  }
}

/** Checks every route's time range after validation, before its handler touches the store. */
export function enforceRangeLimit(app: ApiServer, maxMs: number): void {
  if (maxMs <= 0) return;
  app.addHook('preHandler', async (request: FastifyRequest) => checkRangeSpan(request.query, maxMs));
}
