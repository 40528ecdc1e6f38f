import type { Bar, PipelineStats } from '../../src/core/index.js';
import type { LiveEvent, LiveFeed } from '../../src/api/live-feed.js';
import { makeStats } from './fixtures.js';

/** A `LiveFeed` driven by the test: `push` an event and every subscriber gets it synchronously. */
export class FakeLive implements LiveFeed {
  readonly #listeners = new Set<(e: LiveEvent) => void>();
  readonly #latest = new Map<string, Bar>();
  readonly #instruments = new Set<string>();
  statsValue: PipelineStats = makeStats();
  statsCalls = 0;

  /** The `interested` of the newest subscription (the WebSocket hub's). */
  interested: ((instrument?: string) => boolean) | undefined;

  subscribe(listener: (event: LiveEvent) => void, interested?: (instrument?: string) => boolean): () => void {
    this.#listeners.add(listener);
    this.interested = interested;
    return () => this.#listeners.delete(listener);
  }

  latestBar(instrument: string, interval: string): Bar | undefined {
    return this.#latest.get(`${instrument}|${interval}`);
  }

  stats(): PipelineStats {
    this.statsCalls += 1;
    return this.statsValue;
  }

  instruments(): string[] {
    return [...this.#instruments];
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  push(event: LiveEvent): void {
    switch (event.type) {
      case 'bar':
        this.#latest.set(`${event.bar.instrument}|${event.bar.interval}`, event.bar);
        this.#instruments.add(event.bar.instrument);
        break;
      case 'alert':
        this.#instruments.add(event.alert.instrument);
        break;
      case 'window':
        this.#instruments.add(event.window.instrument);
        break;
      case 'stats':
        this.statsValue = event.stats;
        break;
    }
    for (const l of this.#listeners) l(event);
  }
}
