// A live feed that polls a REST price endpoint (Binance ticker price, CoinGecko simple price):
// one request in flight at a time, every `intervalMs` measured from the start of the previous
// request; 429/418 wait out `Retry-After`; 5xx, timeouts and network errors back off
// exponentially with jitter. Each quote of a response becomes a price tick: a trade record with
// size 0, id -1 and side 0, so bars of a polled instrument carry prices but no volume.
//
// Ticks. A quote with the venue's own time (CoinGecko `last_updated_at`) is a new observation
// only if that time advanced, or the price changed at the same time: a repeat of the quote
// already handed on is skipped (a cached answer polled twice), and one older than it (another
// cache's copy) is skipped and counted as out of order. A quote without a time (Binance ticker
// price) is an observation of its own at the local receive time, so every poll yields a tick.
//
// Stats (FeedConnectionStats, as the WebSocket connections report them):
// - state: `connecting` until the first answer, `open` while polls succeed, `waiting` while
//   backing off or waiting out `Retry-After` after a failed poll, `closed` after `close()` (or
//   when no symbol is left to poll).
// - messages: HTTP responses received, whatever their status; trades: ticks handed on;
//   ignored: successful responses that yielded no tick (every quote unchanged) and no reject.
// - rejects: bad quotes or bodies (MALFORMED, NOT_NUMERIC, BAD_PRICE, BAD_TIMESTAMP…);
//   venueErrors: answers in which the venue said no (error bodies, a symbol it does not know,
//   rate limits 429/418); every one except the rate limits is also a VENUE_ERROR reject.
// - connects: times polling started to succeed (the first good poll, and each recovery);
//   reconnects: failed polls (network, timeout, 5xx, 429/418, other 4xx), each followed by a wait.
// - outOfOrder: quotes whose venue time went backwards; skewMs: mean local receive time minus the
//   venue's quote time (how old quotes are when they arrive), null when the venue gives no time.
// - lastMessageAgeMs: since the last response of any kind.
// A failure streak that ends is reported like a WebSocket disconnect (a `disconnect` event), and
// each instrument's next tick closes a `disconnect` gap, unless the venue's time shows that no
// quote was missed meanwhile.
import { checkPrice, checkTime, type RecordError } from '../../record-checks.js';
import type { FeedConnectionStats, InstrumentId } from '../../../core/index.js';
import type { Logger } from '../../../obs/index.js';
import { FeedMeter, type Feed, type FeedSink } from '../feed.js';

/** Where a poll mapper puts the quotes it finds (already checked with `checkQuote`). */
export interface QuoteOut {
  /** One quote; `ts` is the venue's time of it (epoch ms), or null when the venue gives none. */
  quote(inst: InstrumentId, price: number, ts: number | null): void;
}

/** A bad quote or body; `raw` is the offending element's text (default: the whole body). */
export type PollReject = RecordError & { readonly raw?: string };

/** What one response was. */
export interface PollResult {
  readonly rejects: readonly PollReject[];
  /** The venue's error message (an error body, or a non-2xx status it did not explain). */
  readonly venueError?: string;
  /** The venue refused the whole request because a symbol in it does not exist, without saying which. */
  readonly badSymbol?: boolean;
  /** Symbols asked for that the answer left out (unknown to the venue, or no price). */
  readonly missing?: readonly string[];
}

/** How to ask one venue for prices and how to read its answers. */
export interface PollApi {
  /** The venue's name: instrument prefix, stats and reject source. */
  readonly name: string;
  /** The request for the prices of `symbols` (normalized), at REST base `base`. */
  url(base: string, symbols: readonly string[]): string;
  /**
   * Maps a response body: a 2xx answer, or a 4xx other than 429/418 (the venue's error body).
   * `localTs` is when it arrived (epoch ms). Never throws on bad input; a throw counts as MALFORMED.
   */
  map(body: string, status: number, symbols: readonly string[], localTs: number, out: QuoteOut): PollResult;
}

export interface PollingSettings {
  /** Time between the starts of two polls. */
  readonly intervalMs: number;
  /** A request with no complete answer after this long fails (and is retried with backoff). */
  readonly timeoutMs: number;
}

/** Options of a poller spec's factory (`createBinanceTicker({ intervalMs: 5000 })`). */
export interface PollerOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

export const DEFAULT_POLL_TIMEOUT_MS = 10_000;

/** Checks a quote as every venue's quotes are checked; the error names the instrument. */
export function checkQuote(inst: string, price: number, ts: number | null, localTs: number): RecordError | undefined {
  const e = checkPrice(price) ?? (ts === null ? undefined : checkTime(ts, localTs, 'quote time'));
  return e === undefined ? undefined : { reason: e.reason, message: `${inst}: ${e.message}` };
}

/** `Retry-After` (delta seconds or an HTTP date) in ms from now, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const s = Number(header.trim());
  if (Number.isFinite(s)) return s >= 0 ? s * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

interface InstrumentState {
  /** time of the newest tick handed on (venue time, else local), -Infinity before the first */
  lastTs: number;
  lastPrice: number;
  /** polls failed since that tick: the next tick closes a disconnect gap */
  dropped: boolean;
}

type Outcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'failed'; readonly why: string; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'bad-symbol'; readonly why: string }
  | { readonly kind: 'closed' };

export class PollingFeed implements Feed, QuoteOut {
  private readonly m = new FeedMeter();
  /** symbols still polled: those the venue said it does not know are dropped */
  private active: string[];
  private readonly insts = new Map<InstrumentId, InstrumentState>();
  private readonly abort = new AbortController();
  private started = false;
  private closed = false;
  private paused = false;
  private sleeping: { timer: NodeJS.Timeout | undefined; resolve: () => void } | undefined;
  /** failed polls in a row */
  private attempt = 0;
  /** local time of the last good poll before the current failure streak (null: no streak) */
  private failingSince: number | null = null;
  private lastGoodAt: number | null = null;
  private localTs = 0;
  private seq = 0;
  private ticks = 0;
  /** the venue error last logged, so a repeated one is not logged on every poll */
  private lastWarned: string | undefined;
  private readonly missingReported = new Set<string>();
  private readonly url: string;

  constructor(
    private readonly sink: FeedSink,
    readonly index: number,
    private readonly api: PollApi,
    symbols: readonly string[],
    private readonly restUrl: string,
    private readonly settings: PollingSettings,
  ) {
    this.active = [...symbols];
    // stats show the endpoint, not a query that may name hundreds of symbols
    this.url = api.url(restUrl, symbols).split('?')[0] ?? restUrl;
  }

  stats(now: number): FeedConnectionStats {
    return this.m.stats({ venue: this.api.name, connection: this.index, url: this.url, symbols: this.active.length }, now);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.m.state = 'connecting';
    void this.run();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.m.state = 'closed';
    this.abort.abort();
    this.wake();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    // only the wait for the unpause ends: a wait for the next poll or a Retry-After runs its course
    if (!paused && this.sleeping?.timer === undefined) this.wake();
  }

  private log(): Logger | undefined {
    return this.sink.logger();
  }

  private async run(): Promise<void> {
    const o = this.sink.options;
    while (!this.closed) {
      // a paused feed sends nothing; setPaused(false) and close() end the wait
      while (this.paused && !this.closed) await this.sleep(Infinity);
      if (this.closed) break;
      const startedAt = o.now();
      let outcome: Outcome;
      try {
        outcome = await this.poll(this.active);
      } catch (e) {
        // a bug here must not end the feed: it is retried like any failed poll
        outcome = { kind: 'failed', why: `poll failed: ${(e as Error).message}`, retryAfterMs: undefined };
      }
      if (this.closed || outcome.kind === 'closed') break;
      if (this.active.length === 0) {
        this.m.state = 'closed';
        this.log()?.warn(
          { venue: this.api.name, connection: this.index },
          `poller: ${this.api.name} #${this.index} has no symbol left to poll; stopped`,
        );
        break;
      }
      const delay = outcome.kind === 'failed' ? this.failed(outcome.why, outcome.retryAfterMs) : this.succeeded(startedAt);
      await this.sleep(delay);
    }
  }

  /** Polls `symbols`; when the venue refuses them for an unknown symbol it does not name, halves the set to find it. */
  private async poll(symbols: readonly string[]): Promise<Outcome> {
    const r = await this.request(symbols);
    if (r.kind !== 'bad-symbol') return r;
    const [only] = symbols;
    if (symbols.length === 1 && only !== undefined) {
      this.dropSymbol(only, r.why);
      return { kind: 'ok' };
    }
    const half = Math.ceil(symbols.length / 2);
    const first = await this.poll(symbols.slice(0, half));
    if (first.kind !== 'ok') return first;
    return this.poll(symbols.slice(half));
  }

  private async request(symbols: readonly string[]): Promise<Outcome> {
    if (this.closed) return { kind: 'closed' };
    const o = this.sink.options;
    const url = this.api.url(this.restUrl, symbols);
    let status: number;
    let body: string;
    let retryAfter: string | null;
    try {
      const res = await o.fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.settings.timeoutMs)]),
      });
      body = await res.text();
      status = res.status;
      retryAfter = res.headers.get('retry-after');
    } catch (e) {
      if (this.closed) return { kind: 'closed' };
      const err = e as Error;
      const why = err.name === 'TimeoutError' ? `no answer within ${this.settings.timeoutMs} ms` : `request failed: ${causeOf(err)}`;
      return { kind: 'failed', why, retryAfterMs: undefined };
    }
    if (this.closed) return { kind: 'closed' };
    const now = o.now();
    this.localTs = now;
    this.m.lastMessageAt = now;
    this.m.c.messages++;
    this.seq++;
    if (status === 429 || status === 418) {
      this.m.c.venueErrors++;
      const wait = retryAfterMs(retryAfter);
      const why = `HTTP ${status} (${status === 418 ? 'banned for ignoring rate limits' : 'rate limited'}${wait === undefined ? '' : `, Retry-After ${Math.round(wait / 1000)} s`}): ${clip(body)}`;
      return { kind: 'failed', why, retryAfterMs: wait };
    }
    if (status >= 500) return { kind: 'failed', why: `HTTP ${status}: ${clip(body)}`, retryAfterMs: retryAfterMs(retryAfter) };

    const ok = status >= 200 && status < 300;
    this.ticks = 0;
    let r: PollResult;
    try {
      r = this.api.map(body, status, symbols, now, this);
    } catch (e) {
      r = { rejects: [{ reason: 'MALFORMED', message: `mapper failed: ${(e as Error).message}` }] };
    }
    for (const e of r.rejects) this.reject({ reason: e.reason, message: e.message }, e.raw ?? body);
    this.noteMissing(symbols, r.missing ?? []);
    const venueError = r.venueError ?? (ok ? undefined : `HTTP ${status}: ${clip(body)}`);
    if (r.badSymbol === true) return { kind: 'bad-symbol', why: venueError ?? 'unknown symbol' };
    if (venueError !== undefined) {
      this.m.c.venueErrors++;
      this.m.lastError = venueError;
      this.reject({ reason: 'VENUE_ERROR', message: venueError }, body);
      if (ok) this.warnVenue(venueError);
    }
    if (!ok) return { kind: 'failed', why: venueError ?? `HTTP ${status}`, retryAfterMs: undefined };
    if (venueError === undefined) this.lastWarned = undefined;
    if (this.ticks === 0 && r.rejects.length === 0 && venueError === undefined) this.m.c.ignored++;
    return { kind: 'ok' };
  }

  /** QuoteOut: one checked quote of the response being mapped. */
  quote(inst: InstrumentId, price: number, venueTs: number | null): void {
    const localTs = this.localTs;
    const ts = venueTs ?? localTs;
    let st = this.insts.get(inst);
    if (st === undefined) {
      st = { lastTs: -Infinity, lastPrice: NaN, dropped: false };
      this.insts.set(inst, st);
    }
    if (venueTs !== null) {
      if (ts < st.lastTs) {
        this.m.c.outOfOrder++;
        return;
      }
      if (ts === st.lastTs && price === st.lastPrice) {
        // the quote already handed on: the venue's time shows nothing was missed meanwhile
        st.dropped = false;
        return;
      }
      const d = localTs - ts;
      this.m.skewSample(d);
    }
    if (st.dropped) {
      st.dropped = false;
      this.sink.gap({
        type: 'gap',
        instrument: inst,
        start: st.lastTs,
        end: ts,
        kind: 'disconnect',
        missing: -1,
        source: `${this.api.name}#${this.index}`,
        time: localTs,
      });
    }
    st.lastTs = ts;
    st.lastPrice = price;
    this.ticks++;
    this.m.c.trades++;
    this.sink.push(inst, ts, price, 0, -1, 0, localTs);
  }

  private reject(e: RecordError, raw: string): void {
    this.m.c.rejects++;
    this.sink.reject(this.api.name, this.index, this.seq, e, raw, this.localTs);
  }

  /** A good poll: the next one starts `intervalMs` after this one started. */
  private succeeded(startedAt: number): number {
    const o = this.sink.options;
    const now = o.now();
    if (this.m.state !== 'open') {
      this.m.c.connects++;
      if (this.failingSince !== null) {
        this.log()?.info(
          { venue: this.api.name, connection: this.index, failedPolls: this.attempt, downMs: now - this.failingSince },
          `poller: ${this.api.name} #${this.index} recovered after ${this.attempt} failed poll${this.attempt === 1 ? '' : 's'} (${duration(now - this.failingSince)} without prices)`,
        );
        this.sink.event({ type: 'disconnect', venue: this.api.name, connection: this.index, time: now, from: this.failingSince, to: now });
      } else {
        this.log()?.info(
          {
            venue: this.api.name,
            connection: this.index,
            url: this.url,
            symbols: this.active.length,
            intervalMs: this.settings.intervalMs,
          },
          `poller: ${this.api.name} #${this.index} polling ${this.active.length} symbol${this.active.length === 1 ? '' : 's'} every ${duration(this.settings.intervalMs)}`,
        );
      }
    }
    this.m.state = 'open';
    this.attempt = 0;
    this.failingSince = null;
    this.lastGoodAt = now;
    return Math.max(0, startedAt + this.settings.intervalMs - now);
  }

  /** A failed poll: how long to wait before the next one. */
  private failed(why: string, retryAfter: number | undefined): number {
    const o = this.sink.options;
    const now = o.now();
    this.m.c.reconnects++;
    this.m.lastError = why;
    const base = Math.min(o.reconnectMaxMs, o.reconnectMinMs * 2 ** Math.min(this.attempt, 30));
    const backoff = Math.round(base * (1 - o.jitter * Math.random()));
    // never poll a failing venue more often than a healthy one; a Retry-After is a floor
    const delay = Math.max(this.settings.intervalMs, backoff, retryAfter ?? 0);
    this.attempt++;
    const fields = { venue: this.api.name, connection: this.index, url: this.url, reason: why, retryInMs: delay, attempt: this.attempt };
    if (this.failingSince === null) {
      this.failingSince = this.lastGoodAt ?? now;
      for (const st of this.insts.values()) if (st.lastTs > -Infinity) st.dropped = true;
      this.log()?.warn(
        fields,
        `poller: ${this.api.name} #${this.index} poll failed (${why}); retrying in ${duration(delay)}, with backoff until it recovers`,
      );
    } else {
      this.log()?.debug(fields, `poller: ${this.api.name} #${this.index} poll failed again (${why})`);
    }
    this.m.state = 'waiting';
    return delay;
  }

  private warnVenue(message: string): void {
    if (message === this.lastWarned) return;
    this.lastWarned = message;
    this.log()?.warn({ venue: this.api.name, connection: this.index, error: message }, `poller: ${this.api.name} says: ${message}`);
  }

  /** Reports each symbol once when the answers start to leave it out. */
  private noteMissing(asked: readonly string[], missing: readonly string[]): void {
    const gone = new Set(missing);
    for (const s of asked) if (!gone.has(s)) this.missingReported.delete(s);
    for (const s of missing) {
      if (this.missingReported.has(s)) continue;
      this.missingReported.add(s);
      const message = `${this.api.name} has no price for '${s}' (unknown symbol, or no quote); still asking`;
      this.m.c.venueErrors++;
      this.reject({ reason: 'VENUE_ERROR', message }, s);
      this.log()?.warn({ venue: this.api.name, connection: this.index, symbol: s }, `poller: ${message}`);
    }
  }

  /** The venue does not know `symbol` and refuses every request naming it: stop asking. */
  private dropSymbol(symbol: string, why: string): void {
    this.active = this.active.filter((s) => s !== symbol);
    const message = `${this.api.name} does not know symbol '${symbol}' (${why}); no longer polled`;
    this.m.c.venueErrors++;
    this.m.lastError = message;
    this.reject({ reason: 'VENUE_ERROR', message }, symbol);
    this.log()?.warn({ venue: this.api.name, connection: this.index, symbol, error: why }, `poller: ${message}`);
  }

  /** Waits `ms` (Infinity: until woken); `wake()` ends the wait early. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => this.wake(), ms) : undefined;
      this.sleeping = { timer, resolve };
    });
  }

  private wake(): void {
    const s = this.sleeping;
    if (s === undefined) return;
    this.sleeping = undefined;
    if (s.timer !== undefined) clearTimeout(s.timer);
    s.resolve();
  }
}

/** undici hides the reason of a failed fetch in `cause` (ECONNREFUSED, ENOTFOUND…). */
function causeOf(e: Error): string {
  const cause = e.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${e.message} (${code}: ${cause.message})` : `${e.message} (${cause.message})`;
  }
  return e.message;
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function clip(body: string): string {
  const t = body.trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
