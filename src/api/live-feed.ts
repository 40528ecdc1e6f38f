import type { Alert, Bar, PipelineStats, Prediction, WindowStats } from '../core/index.js';

/** What the running pipeline pushes to API clients (WebSocket /ws). */
export type LiveEvent =
  | { readonly type: 'bar'; readonly bar: Bar }
  | { readonly type: 'alert'; readonly alert: Alert }
  | { readonly type: 'window'; readonly window: WindowStats }
  | { readonly type: 'prediction'; readonly prediction: Prediction }
  | { readonly type: 'stats'; readonly stats: PipelineStats };

/**
 * The API's view of the live pipeline. In `tickflow run` the processor feeds it directly;
 * in `tickflow serve` alone it is fed from the log topics (or is empty: store-only).
 */
export interface LiveFeed {
  /**
   * Returns an unsubscribe function. Listeners must not throw or block. `interested` tells
   * whether the listener would do anything with bar updates now (the WebSocket hub: whether
   * any client is connected), or, given an instrument, with that instrument's bar updates (a
   * client takes its bars); when no listener is, a feed may publish only each series' newest
   * bar of a batch (what `latestBar` answers), not every update.
   */
  subscribe(listener: (event: LiveEvent) => void, interested?: (instrument?: string) => boolean): () => void;
  /** Newest bar in memory (interim or final) for an instrument and interval. */
  latestBar(instrument: string, interval: string): Bar | undefined;
  stats(): PipelineStats;
  /** Instruments seen by the live pipeline (may include ones not yet in the store). */
  instruments(): string[];
}
