import { performance } from 'node:perf_hooks';

/**
 * The fake venue's clock: milliseconds of *recorded* time elapsed since the first frame,
 * advancing at `speed` × wall time while running and frozen while stopped. Frame `i` is due
 * once `now() >= frames[i].ts - frames[0].ts`.
 */
export class ReplayClock {
  #base = 0;
  #since: number | undefined;

  constructor(readonly speed: number) {
    if (!(speed > 0) || speed === Infinity) throw new RangeError(`ReplayClock needs a finite speed > 0, got ${speed}`);
  }

  get running(): boolean {
    return this.#since !== undefined;
  }

  now(): number {
    return this.#since === undefined ? this.#base : this.#base + (performance.now() - this.#since) * this.speed;
  }

  /** Starts or freezes the clock; idempotent. */
  setRunning(run: boolean): void {
    if (run && this.#since === undefined) this.#since = performance.now();
    else if (!run && this.#since !== undefined) {
      this.#base = this.now();
      this.#since = undefined;
    }
  }

  /** Back to recorded time 0, keeping the running state. */
  rewind(): void {
    this.#base = 0;
    if (this.#since !== undefined) this.#since = performance.now();
  }

  /** Wall milliseconds until recorded time `t` (0 when already due). */
  wallMsUntil(t: number): number {
    return Math.max(0, (t - this.now()) / this.speed);
  }
}
