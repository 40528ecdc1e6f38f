/**
 * Counts events and reports a rate over a sliding few seconds, for stats and progress
 * lines. `mark(n)` is called on the hot path, so it only adds.
 */
export class RateMeter {
  total = 0;
  private samples: { t: number; total: number }[] = [];

  constructor(private readonly spanMs = 5000) {}

  mark(n: number): void {
    this.total += n;
  }

  /** Events per second over the last span (sampled when called). */
  rate(now = Date.now()): number {
    this.samples.push({ t: now, total: this.total });
    while (this.samples.length > 2 && (this.samples[0]?.t ?? now) < now - this.spanMs) this.samples.shift();
    const first = this.samples[0];
    if (!first || now === first.t) return 0;
    return ((this.total - first.total) * 1000) / (now - first.t);
  }
}
