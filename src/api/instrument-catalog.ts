import type { InstrumentSummary, Store } from '../store/store.js';
import type { LiveFeed } from './live-feed.js';

export interface CatalogSnapshot {
  /** Local time the store was read, epoch ms. */
  readonly at: number;
  readonly byId: ReadonlyMap<string, InstrumentSummary>;
  /** Intervals that have stored data, so a serve-only process accepts what an earlier run wrote. */
  readonly intervals: ReadonlySet<string>;
}

/**
 * The known instruments: the store's list, cached for `ttlMs`, plus whatever the live
 * pipeline has seen. Hot routes validate instruments on every request, so the store is read
 * at most once per TTL; after that the stale list keeps answering while one refresh runs
 * (stale-while-revalidate), so no request waits on the database for it once warm.
 */
export class InstrumentCatalog {
  readonly #store: Store;
  readonly #live: LiveFeed | undefined;
  readonly #ttlMs: number;
  readonly #now: () => number;
  #snapshot: CatalogSnapshot | undefined;
  #refreshing: Promise<CatalogSnapshot> | undefined;
  #retryAt = 0;

  constructor(store: Store, live: LiveFeed | undefined, options: { ttlMs?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#live = live;
    this.#ttlMs = options.ttlMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The last snapshot read, without touching the store (may be undefined before the first read). */
  peek(): CatalogSnapshot | undefined {
    return this.#snapshot;
  }

  async snapshot(): Promise<CatalogSnapshot> {
    const s = this.#snapshot;
    const now = this.#now();
    if (s === undefined) return this.#refresh();
    if (now - s.at >= this.#ttlMs && now >= this.#retryAt) {
      // A failed background refresh keeps the stale list and is retried after one TTL.
      this.#refresh().catch(() => {
        this.#retryAt = this.#now() + this.#ttlMs;
      });
    }
    return s;
  }

  /** True when the store or the live pipeline knows the instrument. */
  async has(id: string): Promise<boolean> {
    if ((await this.snapshot()).byId.has(id)) return true;
    return this.#live?.instruments().includes(id) ?? false;
  }

  /** Every known instrument id (store ∪ live), sorted. */
  async ids(): Promise<string[]> {
    const ids = new Set((await this.snapshot()).byId.keys());
    for (const id of this.#live?.instruments() ?? []) ids.add(id);
    return [...ids].sort();
  }

  /** Known instruments whose symbol part matches a bare symbol, ignoring case and separators (BTC-USD = btcusd). */
  async matchSymbol(symbol: string): Promise<string[]> {
    const key = normalizeSymbol(symbol);
    return (await this.ids()).filter((id) => normalizeSymbol(id.slice(id.indexOf(':') + 1)) === key);
  }

  invalidate(): void {
    this.#snapshot = undefined;
  }

  #refresh(): Promise<CatalogSnapshot> {
    this.#refreshing ??= this.#store
      .instruments()
      .then((list) => {
        const snap: CatalogSnapshot = {
          at: this.#now(),
          byId: new Map(list.map((s) => [s.instrument, s])),
          intervals: new Set(list.flatMap((s) => s.intervals)),
        };
        this.#snapshot = snap;
        return snap;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }
}

function normalizeSymbol(s: string): string {
  return s.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
