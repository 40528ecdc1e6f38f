// The contract between a venue's raw WebSocket frames and tickflow's normalized trades.
// One mapper per venue API (files in ./venues/); raw venue shapes never leave the mapper.
import type { InstrumentId, Side } from '../../core/index.js';
import type { RecordError } from '../record-checks.js';

/** Where a mapper puts the trades it finds in a frame (the feed owns batching, ids and receive time). */
export interface TradeOut {
  /**
   * One trade. `ts` is the exchange's event time (epoch ms, fractional allowed for µs/ns venues);
   * `id` the venue's numeric trade id, or -1 when the venue gives none or a non-numeric one.
   */
  trade(instrument: InstrumentId, ts: number, price: number, size: number, id: number, side: Side): void;
}

/**
 * What one frame was. A frame with no trades, no rejects and no error is ignored (heartbeat,
 * subscription ack, another channel), and counted as such by the feed.
 */
export interface FrameResult {
  /** trades pushed to `out` */
  readonly trades: number;
  /** what was wrong with the frame, or with single trades in it (the others are still pushed) */
  readonly rejects: readonly RecordError[];
  /** the venue reported an error (bad subscription, rate limit, …): logged and counted, never fatal */
  readonly venueError?: string;
}

export const IGNORED: FrameResult = Object.freeze({ trades: 0, rejects: Object.freeze([]) as readonly RecordError[] });

/** How a venue numbers trades, which decides what the feed can say about gaps. */
export type TradeIds =
  /** consecutive integers per instrument (+1 per trade): a jump is a gap */
  | 'sequential'
  /** increasing per instrument, but not consecutive: order is checked, gaps cannot be seen */
  | 'increasing'
  /** none, or not numeric (UUIDs): neither */
  | 'none';

export interface VenueMapper {
  /** Maps the text of one frame; `localTs` is when it arrived (epoch ms), which also bounds how far ahead `ts` may be. */
  map(text: string, localTs: number, out: TradeOut): FrameResult;
}
