import type { FeedGap, Reject, SourcePosition, TradeBatch } from '../core/index.js';

/** One step of a source: the trades read, the records rejected, and where the source now stands. */
export interface SourceChunk {
  readonly trades: TradeBatch;
  readonly rejects: readonly Reject[];
  /** Live feeds: stretches of trades that were not delivered (absent when none). */
  readonly gaps?: readonly FeedGap[];
  /** Passing this back as `resumeFrom` continues with exactly the next trade. */
  readonly position: SourcePosition;
}

/** Every source (file replay, simulator, exchange feed) is an async iterable of chunks. */
export interface TradeSource extends AsyncIterable<SourceChunk> {
  readonly name: string;
  /** progress for a progress bar: done/total in bytes (compressed bytes for gzip) or undefined when unknown */
  progress(): { done: number; total: number } | undefined;
}
