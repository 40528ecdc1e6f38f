import type { Bar, PipelineStats } from '../../core/index.js';
import type { LiveEvent, LiveFeed } from '../../api/live-feed.js';

/**
 * The in-process `LiveFeed`: keeps the newest bar per (instrument, interval) and fans events
 * out to API listeners. It is fed from the log's output topics, so the API sees exactly what
 * any other consumer of those topics would.
 */
export class LiveHub implements LiveFeed {
  /**
   * The hub's own copy of each series' newest bar, updated in place: with 1,000 instruments and a
   * client listening, interim updates replace ~24,000 bars a second, and holding each update's
   * object until the next one replaced it kept every one of them alive long enough to be
   * promoted to V8's old generation.
   */
  private readonly latest = new Map<string, Bar>();
  private readonly known = new Set<string>();
  private readonly listeners = new Map<(e: LiveEvent) => void, ((instrument?: string) => boolean) | undefined>();

  /**
   * `liveBar`: a series' open bar as it stands now, where the hub runs beside the processor
   * (`tickflow run`); `latestBar` answers the newer of it and the last bar received.
   */
  constructor(
    private readonly statsProvider: () => PipelineStats,
    private readonly liveBar?: (instrument: string, interval: string) => Bar | undefined,
  ) {}

  subscribe(listener: (event: LiveEvent) => void, interested?: (instrument?: string) => boolean): () => void {
    this.listeners.set(listener, interested);
    return () => this.listeners.delete(listener);
  }

  /**
   * True when some listener wants every bar update now, or, given an instrument, every update of
   * that instrument's bars (see `LiveFeed.subscribe`).
   */
  listening(instrument?: string): boolean {
    for (const interested of this.listeners.values()) if (interested === undefined || interested(instrument)) return true;
    return false;
  }

  latestBar(instrument: string, interval: string): Bar | undefined {
    const b = this.latest.get(`${instrument}|${interval}`);
    const live = this.liveBar?.(instrument, interval);
    // An open bar is newer than any bar received with the same start (a final closes it).
    if (live && (!b || live.start >= b.start)) return live;
    // a copy: the kept one changes with the next update, maybe while the caller still awaits
    return b && { ...b };
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
      if (!prev) this.latest.set(key, { ...b });
      else if (b.start >= prev.start) Object.assign(prev, b);
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
