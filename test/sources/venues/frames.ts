/**
 * Runs venue mappers over frames and collects what they yield, checking the contract of
 * `src/sources/live/mapper.ts` on every frame: `map` never throws, `trades` equals the trades
 * pushed, and a frame is trades, rejects, a venue error, or ignored.
 */
import assert from 'node:assert/strict';
import type { InstrumentId, RejectReason, Side } from '../../../src/core/index.js';
import type { FrameResult, TradeOut, VenueMapper } from '../../../src/sources/live/mapper.js';
import type { VenueSpec } from '../../../src/sources/live/venue.js';
import type { RecordError } from '../../../src/sources/record-checks.js';

/** One trade as pinned by the snapshots: [instrument, ts, price, size, id, side]. */
export type TradeRow = [string, number, number, number, number, number];

export class CollectingOut implements TradeOut {
  readonly rows: TradeRow[] = [];

  trade(instrument: InstrumentId, ts: number, price: number, size: number, id: number, side: Side): void {
    this.rows.push([instrument, ts, price, size, id, side]);
  }
}

export interface Counts {
  frames: number;
  trades: number;
  ignored: number;
  rejects: Partial<Record<RejectReason, number>>;
  venueErrors: number;
}

export interface Mapped {
  counts: Counts;
  trades: TradeRow[];
  rejects: RecordError[];
  venueErrors: string[];
}

/** Maps one frame, asserting the contract; returns the result and the trades it pushed. */
export function mapOne(mapper: VenueMapper, text: string, localTs: number): { result: FrameResult; trades: TradeRow[] } {
  const out = new CollectingOut();
  let result: FrameResult;
  try {
    result = mapper.map(text, localTs, out);
  } catch (e) {
    assert.fail(`map threw on ${JSON.stringify(text.slice(0, 200))}: ${String(e)}`);
  }
  assert.equal(result.trades, out.rows.length, `trades count of ${text.slice(0, 200)}`);
  for (const r of result.rejects) {
    assert.equal(typeof r.message, 'string');
    assert.ok(r.message.length > 0, 'a reject says what was wrong');
  }
  return { result, trades: out.rows };
}

/** Maps every frame with one mapper (one connection), tallying as the feed would. */
export function mapAll(mapper: VenueMapper, frames: readonly { readonly data: string; readonly ts: number }[]): Mapped {
  const counts: Counts = { frames: 0, trades: 0, ignored: 0, rejects: {}, venueErrors: 0 };
  const trades: TradeRow[] = [];
  const rejects: RecordError[] = [];
  const venueErrors: string[] = [];
  for (const f of frames) {
    const { result, trades: rows } = mapOne(mapper, f.data, f.ts);
    counts.frames++;
    counts.trades += result.trades;
    trades.push(...rows);
    for (const r of result.rejects) {
      counts.rejects[r.reason] = (counts.rejects[r.reason] ?? 0) + 1;
      rejects.push({ reason: r.reason, message: r.message });
    }
    if (result.venueError !== undefined) {
      counts.venueErrors++;
      venueErrors.push(result.venueError);
    }
    if (result.trades === 0 && result.rejects.length === 0 && result.venueError === undefined) counts.ignored++;
  }
  return { counts, trades, rejects, venueErrors };
}

/** Maps frames grouped by connection, one fresh mapper each (as the feed does), in capture order per connection. */
export function mapByConnection(
  spec: VenueSpec,
  frames: readonly { readonly conn: string; readonly data: string; readonly ts: number }[],
): Mapped {
  const mappers = new Map<string, VenueMapper>();
  const counts: Counts = { frames: 0, trades: 0, ignored: 0, rejects: {}, venueErrors: 0 };
  const all: Mapped = { counts, trades: [], rejects: [], venueErrors: [] };
  for (const f of frames) {
    let m = mappers.get(f.conn);
    if (m === undefined) {
      m = spec.createMapper();
      mappers.set(f.conn, m);
    }
    const one = mapAll(m, [f]);
    counts.frames += one.counts.frames;
    counts.trades += one.counts.trades;
    counts.ignored += one.counts.ignored;
    counts.venueErrors += one.counts.venueErrors;
    for (const [k, n] of Object.entries(one.counts.rejects) as [RejectReason, number][]) counts.rejects[k] = (counts.rejects[k] ?? 0) + n;
    all.trades.push(...one.trades);
    all.rejects.push(...one.rejects);
    all.venueErrors.push(...one.venueErrors);
  }
  return all;
}

/** The one reject of a frame that was rejected as a whole, or of a frame's single bad trade. */
export function onlyReject(mapper: VenueMapper, text: string, localTs: number): RecordError {
  const { result } = mapOne(mapper, text, localTs);
  assert.equal(result.trades, 0, `no trade from ${text}`);
  assert.equal(result.venueError, undefined);
  assert.equal(result.rejects.length, 1, `one reject for ${text}: ${JSON.stringify(result.rejects)}`);
  const r = result.rejects[0];
  assert.ok(r);
  return r;
}

export function assertIgnored(mapper: VenueMapper, text: string, localTs: number): void {
  const { result } = mapOne(mapper, text, localTs);
  assert.deepEqual({ ...result }, { trades: 0, rejects: [] }, `ignored: ${text}`);
}

export function venueErrorOf(mapper: VenueMapper, text: string, localTs: number): string {
  const { result } = mapOne(mapper, text, localTs);
  assert.equal(result.trades, 0);
  assert.equal(result.rejects.length, 0);
  assert.equal(typeof result.venueError, 'string', `venue error from ${text}`);
  return result.venueError ?? '';
}

/**
 * Feeds damaged copies of each sample to a fresh mapper: every prefix (cut at each step of
 * `step` characters), each JSON value replaced by null / a string / an object / an array, and
 * digits turned into letters. Whatever comes out, `mapOne` asserts it was no throw and a coherent result.
 */
export function assertNeverThrows(spec: VenueSpec, samples: readonly string[], localTs: number, step = 3): number {
  const mapper = spec.createMapper();
  let n = 0;
  const feed = (text: string): void => {
    mapOne(mapper, text, localTs);
    n++;
  };
  for (const s of samples) {
    for (let i = 0; i <= s.length; i += step) feed(s.slice(0, i));
    feed(s.replace(/[0-9]/g, 'x'));
    // each scalar value in turn swapped for another JSON type
    const scalar = /(:|\[|,)\s*("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/g;
    for (const m of s.matchAll(scalar)) {
      const at = (m.index ?? 0) + (m[1]?.length ?? 0);
      const len = (m[0]?.length ?? 0) - (m[1]?.length ?? 0);
      for (const swap of ['null', '"x"', '{}', '[]', '-1', '1e400', '"NaN"', '""']) feed(s.slice(0, at) + swap + s.slice(at + len));
    }
  }
  return n;
}
