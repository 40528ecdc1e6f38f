import type { Bar, PipelineStats } from '../../core/index.js';
import type { LiveEvent, LiveFeed } from '../../api/live-feed.js';

/**
 * The in-process `LiveFeed`: keeps the newest bar per (instrument, interval) and fans events
 * out to API listeners. It is fed from the log's output topics, so the API sees exactly what
 * any other consumer of those topics would.
 */
export class LiveHub implements LiveFeed {
  private readonly latest = new Map<string, Bar>();
  private readonly known = new Set<string>();
  private readonly listeners = new Map<(e: LiveEvent) => void, (() => boolean) | undefined>();

  constructor(private readonly statsProvider: () => PipelineStats) {}

  subscribe(listener: (event: LiveEvent) => void, interested?: () => boolean): () => void {
    this.listeners.set(listener, interested);
    return () => this.listeners.delete(listener);
  }

  /** True when some listener wants every bar update now (see `LiveFeed.subscribe`). */
  listening(): boolean {
    for (const interested of this.listeners.values()) if (interested === undefined || interested()) return true;
    return false;
  }

  latestBar(instrument: string, interval: string): Bar | undefined {
    return this.latest.get(`${instrument}|${interval}`);
  }

  stats(): PipelineStats {
    return this.statsProvider();
  }

  instruments(): string[] {
    return [...this.known];
  }

  publish(event: LiveEvent): void {
    if (event.type === 'bar') {
      const b = event.bar;
      const key = `${b.instrument}|${b.interval}`;
      const prev = this.latest.get(key);
      // A final for an older bar (or a revision) must not replace a newer interim bar.
      if (!prev || b.start >= prev.start) this.latest.set(key, b);
      this.known.add(b.instrument);
    }
    for (const l of this.listeners.keys()) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own (it is an API client); the feed goes on.
      }
    }
  }
}
