/**
 * The store's health for /health and /ready, without making a probe wait in the store's queue:
 * under load a DuckDB read waits behind the API's other reads, and a 2 s probe timeout then
 * reported a busy, healthy store as down (seen in the 1,000-instrument load run). The last check's
 * result is served while it is fresh; an older one is served while a new check runs behind the
 * request; only with no result yet, or none for `staleMs`, does the answer depend on the check
 * running now.
 */
export interface StoreHealthOptions {
  /** A result younger than this is served without a new check. */
  readonly freshMs?: number;
  /** With no result yet, a request waits this long for the first check. */
  readonly timeoutMs?: number;
  /** With no result this recent, the store counts as not answering. */
  readonly staleMs?: number;
  readonly now?: () => number;
}

export class StoreHealth {
  readonly #check: () => Promise<unknown>;
  readonly #freshMs: number;
  readonly #timeoutMs: number;
  readonly #staleMs: number;
  readonly #now: () => number;
  #last: { readonly at: number; readonly error: string | null } | undefined;
  #running: Promise<void> | undefined;

  constructor(check: () => Promise<unknown>, o: StoreHealthOptions = {}) {
    this.#check = check;
    this.#freshMs = o.freshMs ?? 5_000;
    this.#timeoutMs = o.timeoutMs ?? 2_000;
    this.#staleMs = o.staleMs ?? 30_000;
    this.#now = o.now ?? Date.now;
  }

  /** null when the store answers; else why not. */
  async problem(): Promise<string | null> {
    const last = this.#last;
    const now = this.#now();
    if (last !== undefined && now - last.at < this.#freshMs) return last.error;
    const running = this.#refresh();
    if (last !== undefined && now - last.at < this.#staleMs) return last.error;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.#timeoutMs)));
    try {
      if ((await Promise.race([running, timedOut])) === 'timeout') {
        return `store query failed: no answer within ${this.#timeoutMs} ms${last === undefined ? '' : ` (last answer ${Math.round((now - last.at) / 1000)} s ago)`}`;
      }
    } finally {
      clearTimeout(timer);
    }
    return this.#last?.error ?? null;
  }

  #refresh(): Promise<void> {
    this.#running ??= this.#check()
      .then(
        () => {
          this.#last = { at: this.#now(), error: null };
        },
        (e: unknown) => {
          this.#last = { at: this.#now(), error: `store query failed: ${e instanceof Error ? e.message : String(e)}` };
        },
      )
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}
