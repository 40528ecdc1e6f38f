import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Replays event time at `pace` × wall-clock speed. Asked once per chunk, never per trade:
 * the first event time it sees is "now", and each later chunk waits until the wall clock
 * has caught up with its event time.
 */
export class Pacer {
  private eventStart = NaN;
  private wallStart = 0;

  constructor(private readonly pace: number) {}

  /** Resolves when a chunk starting at event time `ts` is due; false if `signal` aborted the wait. */
  async wait(ts: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (Number.isNaN(this.eventStart)) {
      this.eventStart = ts;
      this.wallStart = performance.now();
      return true;
    }
    const delay = this.wallStart + (ts - this.eventStart) / this.pace - performance.now();
    if (delay < 1) return true;
    try {
      await sleep(delay, undefined, signal ? { signal } : {});
      return true;
    } catch (e) {
      if (signal?.aborted) return false;
      throw e;
    }
  }
}
