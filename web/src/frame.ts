/**
 * Live updates are applied once per animation frame: an open bar can change with every trade
 * and the stats arrive every second, but only the newest version of each matters on screen.
 * Updates in between are merged by key, so a page getting hundreds of messages a second does
 * the DOM and chart work of at most one batch per frame, and none while the tab is hidden.
 */

/** `requestAnimationFrame` in the page; anything that calls back later in tests. */
export type RequestFrame = (cb: () => void) => unknown;

/** Counters for the budgets: how much arrived and how many frames drew it. */
export interface FrameCounters {
  /** Values pushed. */
  received: number;
  /** Values handed to the flush function (after merging). */
  applied: number;
  /** Flushes (frames that had something to draw). */
  frames: number;
}

/** The newest value per key, handed to `flush` in first-pushed order at the next frame. */
export class Coalescer<K, V> {
  readonly counters: FrameCounters = { received: 0, applied: 0, frames: 0 };
  readonly #pending = new Map<K, V>();
  readonly #flush: (values: V[]) => void;
  readonly #requestFrame: RequestFrame;
  #scheduled = false;

  constructor(flush: (values: V[]) => void, requestFrame: RequestFrame) {
    this.#flush = flush;
    this.#requestFrame = requestFrame;
  }

  push(key: K, value: V): void {
    this.counters.received++;
    // Re-inserting moves nothing: a key keeps its first position, with its newest value.
    this.#pending.set(key, value);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#requestFrame(() => this.flushNow());
  }

  /** Drops what has not been drawn yet (the selection changed). */
  clear(): void {
    this.#pending.clear();
  }

  get size(): number {
    return this.#pending.size;
  }

  flushNow(): void {
    this.#scheduled = false;
    if (this.#pending.size === 0) return;
    const values = [...this.#pending.values()];
    this.#pending.clear();
    this.counters.frames++;
    this.counters.applied += values.length;
    this.#flush(values);
  }
}
