import { TickflowError } from '../core/index.js';

/**
 * Keyset-pagination cursors: the sort key of the last row of a page, as base64url JSON.
 * Opaque to clients; a page after it starts strictly past that key, so rows written
 * between two page requests neither repeat nor shift the pages.
 */
export type CursorValue = number | string;
export type CursorShape = readonly ('number' | 'string')[];

export function encodeCursor(values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, shape: CursorShape): CursorValue[] {
  const bad = (why: string): TickflowError =>
    new TickflowError('INVALID_CURSOR', `invalid cursor: ${why}; pass back the nextCursor of a previous page unchanged`, {
      details: { cursor },
    });
  if (cursor.length === 0 || cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad('not base64url');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad('not a cursor');
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw bad('wrong shape');
  const out: CursorValue[] = [];
  for (const [i, kind] of shape.entries()) {
    const v: unknown = parsed[i];
    if (kind === 'number' && typeof v === 'number' && Number.isFinite(v)) out.push(v);
    else if (kind === 'string' && typeof v === 'string') out.push(v);
    else throw bad('wrong shape');
  }
  return out;
}
