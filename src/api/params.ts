import { isInstrumentId, isTickflowError, parseBarSpec, parseInstrumentId, parseTime, TickflowError } from '../core/index.js';
import type { ApiContext } from './context.js';

/** Edge parsing shared by the routes: user text in, canonical values out, or a TickflowError that says what to fix. */

const INTERVAL_MEMO_MAX = 256;

/** Configured intervals plus any the store has data for, configured ones first. */
export function servedIntervals(ctx: ApiContext): string[] {
  const out = [...ctx.intervals];
  for (const name of ctx.catalog.peek()?.intervals ?? []) if (!out.includes(name)) out.push(name);
  return out;
}

/** Canonical interval name (`60s` → `1m`) if this server serves it; UNKNOWN_INTERVAL otherwise. */
export function resolveInterval(ctx: ApiContext, raw: string): string {
  const hit = ctx.intervalMemo.get(raw);
  if (hit !== undefined) return hit;
  const name = parseBarSpec(raw).name;
  const served = servedIntervals(ctx);
  if (!served.includes(name)) {
    throw new TickflowError('UNKNOWN_INTERVAL', `interval '${raw}' is not served here; use one of: ${served.join(', ')}`, {
      details: { available: served },
    });
  }
  if (ctx.intervals.includes(name) && ctx.intervalMemo.size < INTERVAL_MEMO_MAX) ctx.intervalMemo.set(raw, name);
  return name;
}

/** The canonical id for well-formed input (`binance:btcusdt` → `binance:BTCUSDT`), else undefined. Never throws. */
export function canonicalInstrument(raw: string): string | undefined {
  if (isInstrumentId(raw)) return raw;
  try {
    return parseInstrumentId(raw.trim());
  } catch {
    return undefined;
  }
}

/** A known instrument id, or BAD_REQUEST (malformed) / UNKNOWN_INSTRUMENT (well-formed but unknown). */
export async function resolveInstrument(ctx: ApiContext, raw: string): Promise<string> {
  const s = raw.trim();
  if (!s.includes(':')) {
    const matches = await ctx.catalog.matchSymbol(s);
    const hint = matches.length > 0 ? `; '${s}' matches ${matches.join(', ')}` : '';
    throw new TickflowError('BAD_REQUEST', `instrument must be a full id <exchange>:<SYMBOL> such as binance:BTCUSDT${hint}`);
  }
  let id: string;
  try {
    id = parseInstrumentId(s);
  } catch (e) {
    throw isTickflowError(e) ? new TickflowError('BAD_REQUEST', e.message) : e;
  }
  if (await ctx.catalog.has(id)) return id;
  const others = await ctx.catalog.matchSymbol(id.slice(id.indexOf(':') + 1));
  const hint = others.length > 0 ? `; did you mean ${others.join(', ')}?` : '; GET /api/instruments lists the known ones';
  throw new TickflowError('UNKNOWN_INSTRUMENT', `unknown instrument '${id}'${hint}`);
}

/** `from`/`to` at the edge → epoch ms, with only the bounds that were given (exactOptionalPropertyTypes). */
export function timeRange(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  const f = from === undefined ? undefined : parseTime(from, 'from');
  const t = to === undefined ? undefined : parseTime(to, 'to');
  if (f !== undefined && t !== undefined && f >= t) {
    throw new TickflowError('BAD_REQUEST', `from (${new Date(f).toISOString()}) must be before to (${new Date(t).toISOString()})`);
  }
  return { ...(f === undefined ? {} : { from: f }), ...(t === undefined ? {} : { to: t }) };
}

/** `cursor` only when given (exactOptionalPropertyTypes). */
export function cursorOf(cursor: string | undefined): { cursor?: string } {
  return cursor === undefined ? {} : { cursor };
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A window length: milliseconds (`300000`) or a duration (`5m`). */
export function parseDurationMs(raw: string, what: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * (DURATION_MS[m[2] ?? 'ms'] ?? NaN) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new TickflowError('BAD_REQUEST', `${what}: '${raw}' must be a positive length in ms (300000) or a duration (5m, 1h)`);
  }
  return ms;
}
