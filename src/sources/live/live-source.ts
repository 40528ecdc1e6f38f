// A live source: WebSocket trade feeds of one or more venues, merged into one `TradeSource`.
// Each venue's symbols are spread over connections (`maxSymbolsPerConnection`); each connection
// reconnects on its own with capped exponential backoff and jitter, is forced to reconnect when
// silent (stale timeout per connection, and per instrument when set), and watches trade ids for
// gaps, which it backfills over REST where the venue allows it (holding the instrument's newer
// trades back meanwhile, so bars see every trade in id order and nothing arrives late).
import WebSocket from 'ws';
import {
  createTradeBatch,
  excerpt,
  TradeBatchBuilder,
  type FeedConnectionStats,
  type FeedEvent,
  type FeedGap,
  type FeedStats,
  type InstrumentId,
  type Reject,
  type Side,
  type TradeBatch,
} from '../../core/index.js';
import type { Logger } from '../../obs/index.js';
import type { RecordError } from '../record-checks.js';
import type { SourceChunk, TradeSource } from '../source.js';
import { FeedMeter, type Feed, type FeedSettings, type FeedSink, type PollerSpec } from './feed.js';
import type { FrameResult, TradeOut } from './mapper.js';
import type { VenueSpec } from './venue.js';

export interface LiveSubscription {
  readonly venue: VenueSpec | PollerSpec;
  /** Venue symbols, normalized by `venue.normalizeSymbol`. */
  readonly symbols: readonly string[];
}

export interface LiveSourceOptions {
  readonly subscriptions: readonly LiveSubscription[];
  /** Endpoint overrides: `<venue>` → WebSocket base URL, `<venue>.rest` → REST base URL. */
  readonly urls?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  readonly signal?: AbortSignal;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxMs`. Default 500 ms. */
  readonly reconnectMinMs?: number;
  /** Default 30 s. */
  readonly reconnectMaxMs?: number;
  /** Up to this fraction of a delay is taken off at random, so many clients do not reconnect in step. Default 0.5. */
  readonly jitter?: number;
  /** A connection that receives nothing (not even a pong) for this long is replaced. Default 30 s. */
  readonly staleMs?: number;
  /** An instrument with no trade for this long makes its connection reconnect; 0 = off (default: quiet markets are quiet). */
  readonly instrumentStaleMs?: number;
  /** WebSocket ping period. Default a third of `staleMs`. */
  readonly pingMs?: number;
  /** A partial batch is handed on after this long. Default 50 ms. */
  readonly flushMs?: number;
  readonly batchSize?: number;
  /** Chunks waiting for the consumer beyond which the sockets stop reading (TCP then pushes back). Default 64. */
  readonly maxQueuedChunks?: number;
  /** Tries per backfill request (429/418 wait `Retry-After`). Default 5. */
  readonly backfillAttempts?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

const MAX_EVENTS = 100;

/** Opens a live source; it connects when iterated. */
export function openLiveSource(options: LiveSourceOptions): LiveSource {
  return new LiveSource(options);
}

export class LiveSource implements TradeSource, FeedSink {
  readonly name: string;
  private readonly o: Required<Omit<LiveSourceOptions, 'logger' | 'signal' | 'urls'>> &
    Pick<LiveSourceOptions, 'logger' | 'signal' | 'urls'>;
  private readonly connections: Feed[] = [];
  private readonly events: FeedEvent[] = [];
  private builder: TradeBatchBuilder;
  private rejects: Reject[] = [];
  private gaps: FeedGap[] = [];
  private readonly queue: SourceChunk[] = [];
  private wake: (() => void) | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  private paused = false;
  private chunkSeq = 0;

  constructor(options: LiveSourceOptions) {
    if (options.subscriptions.length === 0) throw new Error('live source: no subscriptions');
    const staleMs = options.staleMs ?? 30_000;
    this.o = {
      reconnectMinMs: 500,
      reconnectMaxMs: 30_000,
      jitter: 0.5,
      instrumentStaleMs: 0,
      pingMs: Math.max(100, Math.floor(staleMs / 3)),
      flushMs: 50,
      batchSize: 4096,
      maxQueuedChunks: 64,
      backfillAttempts: 5,
      fetch: globalThis.fetch.bind(globalThis),
      now: Date.now,
      ...options,
      staleMs,
    };
    this.name = `live:${options.subscriptions.map((s) => s.venue.name).join('+')}`;
    this.builder = new TradeBatchBuilder(this.o.batchSize);
    let n = 0;
    for (const sub of options.subscriptions) {
      const v = sub.venue;
      const per = Math.max(1, 'kind' in v ? v.maxSymbolsPerFeed : v.maxSymbolsPerConnection);
      for (let i = 0; i < sub.symbols.length; i += per) {
        const symbols = sub.symbols.slice(i, i + per);
        this.connections.push(
          'kind' in v
            ? v.createFeed(this, n++, symbols, options.urls?.[`${v.name}.rest`] ?? v.restUrl)
            : new Connection(this, n++, v, symbols),
        );
      }
    }
  }

  get options(): FeedSettings {
    return this.o;
  }

  progress(): undefined {
    return undefined;
  }

  stats(): FeedStats {
    const now = this.o.now();
    return { source: this.name, connections: this.connections.map((c) => c.stats(now)), events: [...this.events] };
  }

  /** Stops every connection; the iteration ends after the trades already received. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.connections) c.close();
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flush();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SourceChunk> {
    if (this.started) throw new Error('live source: already iterated');
    this.started = true;
    const onAbort = (): void => this.close();
    this.o.signal?.addEventListener('abort', onAbort, { once: true });
    if (this.o.signal?.aborted) this.close();
    else {
      this.flushTimer = setInterval(() => this.flush(), this.o.flushMs);
      for (const c of this.connections) c.start();
    }
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          if (this.paused && this.queue.length <= this.o.maxQueuedChunks / 2) this.setPaused(false);
          yield chunk;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      this.o.signal?.removeEventListener('abort', onAbort);
      this.close();
    }
  }

  // ---- called by connections ----

  push(inst: InstrumentId, ts: number, price: number, size: number, id: number, side: Side, localTs: number): void {
    const full = this.builder.push(inst, ts, price, size, id, side, localTs);
    if (full !== undefined) this.enqueue(full);
  }

  reject(venue: string, connection: number, message: number, e: RecordError, raw: string, time: number): void {
    this.rejects.push({
      type: 'reject',
      source: `${venue}#${connection}`,
      position: `message ${message}`,
      reason: e.reason,
      message: e.message,
      raw: excerpt(raw),
      time,
    });
    if (this.rejects.length >= 1024) this.flush();
  }

  gap(g: FeedGap): void {
    // after the trades received before it (their batch is handed on first)
    const b = this.builder.flush();
    if (b !== undefined) this.enqueue(b);
    this.gaps.push(g);
  }

  event(e: FeedEvent): void {
    this.events.push(e);
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  logger(): Logger | undefined {
    return this.o.logger;
  }

  private flush(): void {
    const b = this.builder.flush();
    if (b !== undefined) this.enqueue(b);
    else if (this.rejects.length > 0 || this.gaps.length > 0) this.enqueue(undefined);
  }

  private enqueue(batch: TradeBatch | undefined): void {
    const trades = batch ?? createTradeBatch(0);
    trades.position = { source: this.name, chunk: ++this.chunkSeq };
    this.queue.push({ trades, rejects: this.rejects, ...(this.gaps.length > 0 ? { gaps: this.gaps } : {}), position: trades.position });
    this.rejects = [];
    this.gaps = [];
    if (!this.paused && this.queue.length > this.o.maxQueuedChunks) this.setPaused(true);
    this.wake?.();
  }

  private setPaused(p: boolean): void {
    this.paused = p;
    for (const c of this.connections) c.setPaused(p);
  }
}

/** Per instrument: the id order seen, and trades held back while a gap is backfilled. */
interface InstrumentState {
  readonly inst: InstrumentId;
  readonly symbol: string;
  lastId: number;
  lastTradeAt: number;
  /** exchange time of the newest trade handed on (-Infinity before the first) */
  lastTs: number;
  /** the connection dropped since that trade: the next one closes a disconnect gap */
  dropped: boolean;
  held: HeldTrade[] | undefined;
}

interface HeldTrade {
  readonly ts: number;
  readonly price: number;
  readonly size: number;
  readonly id: number;
  readonly side: Side;
  readonly localTs: number;
}

class Connection implements TradeOut, Feed {
  private ws: WebSocket | undefined;
  private readonly m = new FeedMeter();
  private readonly url: string;
  private readonly restUrl: string | undefined;
  private readonly insts = new Map<InstrumentId, InstrumentState>();
  private mapper;
  private attempt = 0;
  private timers: NodeJS.Timeout[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private paused = false;
  private localTs = 0;
  private disconnectedAt: number | null = null;
  private messageSeq = 0;
  private readonly rejectsByReason = new Map<string, number>();

  constructor(
    private readonly source: FeedSink,
    readonly index: number,
    private readonly venue: VenueSpec,
    private readonly symbols: readonly string[],
  ) {
    const urls = source.options.urls ?? {};
    this.url = venue.connectUrl(urls[venue.name] ?? venue.wsUrl, symbols);
    this.restUrl = urls[`${venue.name}.rest`] ?? venue.restUrl;
    for (const s of symbols)
      this.insts.set(venue.instrument(s), {
        inst: venue.instrument(s),
        symbol: s,
        lastId: -1,
        lastTradeAt: 0,
        lastTs: -Infinity,
        dropped: false,
        held: undefined,
      });
    this.mapper = venue.createMapper();
  }

  stats(now: number): FeedConnectionStats {
    return this.m.stats({ venue: this.venue.name, connection: this.index, url: this.url, symbols: this.symbols.length }, now);
  }

  start(): void {
    const o = this.source.options;
    this.timers.push(setInterval(() => this.watch(), Math.max(50, Math.min(1000, o.staleMs / 4))));
    this.connect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.m.state = 'closed';
    for (const t of this.timers) clearInterval(t);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
    }
    // trades held for a backfill that can no longer finish go on as they are
    for (const st of this.insts.values()) this.release(st);
  }

  setPaused(p: boolean): void {
    this.paused = p;
    if (p) this.ws?.pause();
    else this.ws?.resume();
  }

  private log(): Logger | undefined {
    return this.source.logger();
  }

  private connect(): void {
    if (this.closed) return;
    const o = this.source.options;
    this.m.state = 'connecting';
    this.mapper = this.venue.createMapper();
    // No UTF-8 check of each frame by ws: toString replaces bad bytes and the mapper rejects what is then malformed.
    const ws = new WebSocket(this.url, { handshakeTimeout: Math.max(1000, o.staleMs), perMessageDeflate: false, skipUTF8Validation: true });
    this.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.m.state = 'open';
      this.m.c.connects++;
      const now = o.now();
      this.m.lastMessageAt = now;
      if (this.disconnectedAt !== null) {
        this.source.event({
          type: 'disconnect',
          venue: this.venue.name,
          connection: this.index,
          time: now,
          from: this.disconnectedAt,
          to: now,
        });
        this.disconnectedAt = null;
      }
      for (const st of this.insts.values()) st.lastTradeAt = now;
      if (this.paused) ws.pause();
      this.log()?.info({ venue: this.venue.name, connection: this.index, url: this.url, symbols: this.symbols.length }, 'feed: connected');
      this.sendSubscriptions(ws);
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (this.ws !== ws) return;
      this.onMessage(isBinary ? rawText(data) : rawText(data));
    });
    ws.on('pong', () => {
      if (this.ws === ws) this.m.lastMessageAt = o.now();
    });
    ws.on('error', (e: Error) => {
      this.m.lastError = e.message;
    });
    ws.on('close', (code: number, reason: Buffer) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      const why = this.m.lastError ?? `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
      if (this.disconnectedAt === null) this.disconnectedAt = this.m.lastMessageAt ?? o.now();
      for (const st of this.insts.values()) if (st.lastTs > -Infinity) st.dropped = true;
      if (opened) this.attempt = 0;
      this.scheduleReconnect(why);
    });
  }

  private sendSubscriptions(ws: WebSocket): void {
    const frames = this.venue.subscribe(this.symbols);
    // venues limit messages per second on a connection (Binance 5/s): space them out
    frames.forEach((f, i) => {
      const t = setTimeout(() => {
        if (this.ws === ws && ws.readyState === WebSocket.OPEN) ws.send(f);
      }, i * 250);
      t.unref?.();
    });
  }

  private scheduleReconnect(why: string): void {
    if (this.closed) return;
    const o = this.source.options;
    this.m.state = 'waiting';
    const base = Math.min(o.reconnectMaxMs, o.reconnectMinMs * 2 ** Math.min(this.attempt, 30));
    const delay = Math.round(base * (1 - o.jitter * Math.random()));
    this.attempt++;
    this.m.c.reconnects++;
    this.log()?.warn(
      { venue: this.venue.name, connection: this.index, url: this.url, reason: why, retryInMs: delay, attempt: this.attempt },
      `feed: ${this.venue.name} connection ${this.index} lost or unreachable (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`,
    );
    this.m.lastError = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  /** Replaces a connection that has gone quiet. */
  private drop(why: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.m.lastError = why;
    ws.terminate();
  }

  private watch(): void {
    const ws = this.ws;
    if (!ws || this.m.state !== 'open' || this.paused) return;
    const o = this.source.options;
    const now = o.now();
    if (this.m.lastMessageAt !== null && now - this.m.lastMessageAt > o.staleMs) {
      this.drop(`nothing received for ${Math.round((now - this.m.lastMessageAt) / 1000)} s`);
      return;
    }
    if (o.instrumentStaleMs > 0) {
      for (const [inst, st] of this.insts) {
        if (now - st.lastTradeAt > o.instrumentStaleMs) {
          this.drop(`no trade of ${inst} for ${Math.round((now - st.lastTradeAt) / 1000)} s`);
          return;
        }
      }
    }
    if (this.lastPing === 0 || now - this.lastPing >= o.pingMs) {
      this.lastPing = now;
      try {
        ws.ping();
        if (this.venue.ping !== undefined && now - this.lastAppPing >= this.venue.ping.intervalMs) {
          this.lastAppPing = now;
          ws.send(this.venue.ping.frame);
        }
      } catch {
        // the close handler takes over
      }
    }
  }

  private lastPing = 0;
  private lastAppPing = 0;

  private onMessage(text: string): void {
    const now = this.source.options.now();
    this.m.lastMessageAt = now;
    this.localTs = now;
    this.m.c.messages++;
    this.messageSeq++;
    let r: FrameResult;
    try {
      r = this.mapper.map(text, now, this);
    } catch (e) {
      // a mapper bug must not kill the feed: the frame is kept as a reject
      r = { trades: 0, rejects: [{ reason: 'MALFORMED', message: `mapper failed: ${(e as Error).message}` }] };
    }
    for (const e of r.rejects) {
      this.source.reject(this.venue.name, this.index, this.messageSeq, e, text, now);
      // logged too, but not every one of a flood: the 1st, 10th, 100th… of each reason
      const n = (this.rejectsByReason.get(e.reason) ?? 0) + 1;
      this.rejectsByReason.set(e.reason, n);
      if (/^10*$/.test(String(n))) {
        this.log()?.warn(
          { venue: this.venue.name, connection: this.index, reason: e.reason, count: n, raw: excerpt(text) },
          `feed: ${this.venue.name} frame rejected (${e.reason}: ${e.message}); ${n} so far`,
        );
      }
    }
    this.m.c.rejects += r.rejects.length;
    if (r.venueError !== undefined) {
      this.m.c.venueErrors++;
      this.m.lastError = r.venueError;
      this.log()?.warn(
        { venue: this.venue.name, connection: this.index, error: r.venueError },
        `feed: ${this.venue.name} says: ${r.venueError}`,
      );
      this.source.reject(this.venue.name, this.index, this.messageSeq, { reason: 'VENUE_ERROR', message: r.venueError }, text, now);
    }
    if (r.trades === 0 && r.rejects.length === 0 && r.venueError === undefined) this.m.c.ignored++;
  }

  /** TradeOut: one trade of the frame being mapped. */
  trade(inst: InstrumentId, ts: number, price: number, size: number, id: number, side: Side): void {
    const localTs = this.localTs;
    this.m.c.trades++;
    const d = localTs - ts;
    this.m.skewSample(d);
    let st = this.insts.get(inst);
    if (st === undefined) {
      // a venue may answer with instruments not asked for (aliases): follow them too
      st = { inst, symbol: '', lastId: -1, lastTradeAt: localTs, lastTs: -Infinity, dropped: false, held: undefined };
      this.insts.set(inst, st);
    }
    st.lastTradeAt = localTs;
    if (st.dropped) {
      st.dropped = false;
      // Sequential ids tell exactly what a disconnect cost (accept checks them); other venues'
      // trades around a disconnect may be missing, and the bars over it are marked.
      if (this.venue.ids !== 'sequential') this.markGap(st, 'disconnect', st.lastTs, ts, -1);
    }
    this.accept(inst, st, { ts, price, size, id, side, localTs });
  }

  private markGap(st: InstrumentState, kind: 'ids' | 'disconnect', start: number, end: number, missing: number): void {
    this.source.gap({
      type: 'gap',
      instrument: st.inst,
      start,
      end,
      kind,
      missing,
      source: `${this.venue.name}#${this.index}`,
      time: this.source.options.now(),
    });
  }

  /** Hands a trade on, remembering how far the instrument has got. */
  private emit(st: InstrumentState, t: HeldTrade): void {
    if (t.ts > st.lastTs) st.lastTs = t.ts;
    this.source.push(st.inst, t.ts, t.price, t.size, t.id, t.side, t.localTs);
  }

  private accept(inst: InstrumentId, st: InstrumentState, t: HeldTrade): void {
    const ids = this.venue.ids;
    if (ids !== 'none' && t.id >= 0) {
      if (st.held !== undefined) {
        st.held.push(t);
        return;
      }
      if (st.lastId >= 0 && t.id <= st.lastId) {
        // a duplicate or a step back: the processor's dedupe drops repeats; counted here
        this.m.c.outOfOrder++;
      } else if (ids === 'sequential' && st.lastId >= 0 && t.id > st.lastId + 1) {
        const first = st.lastId + 1;
        const last = t.id - 1;
        this.m.c.gapsDetected++;
        this.m.c.tradesMissed += last - first + 1;
        const canBackfill = this.venue.backfill !== undefined && this.restUrl !== undefined && st.symbol !== '';
        this.log()?.warn(
          { venue: this.venue.name, instrument: inst, firstMissingId: first, lastMissingId: last, backfill: canBackfill },
          `feed: ${inst} trade ids ${first}..${last} missed${canBackfill ? '; backfilling over REST' : ''}`,
        );
        if (canBackfill) {
          st.held = [t];
          st.lastId = t.id;
          void this.backfill(inst, st, first, last, st.lastTs);
          return;
        }
        this.m.c.gapsUnrecovered++;
        this.markGap(st, 'ids', st.lastTs, t.ts, last - first + 1);
        this.source.event({
          type: 'gap',
          venue: this.venue.name,
          connection: this.index,
          time: t.localTs,
          instrument: inst,
          firstMissingId: first,
          lastMissingId: last,
          backfilled: 'no',
          reason: 'the venue offers no backfill',
        });
      }
      if (t.id > st.lastId) st.lastId = t.id;
    }
    this.emit(st, t);
  }

  /** Fetches ids first..last, emits them, then the trades held meanwhile. */
  private async backfill(inst: InstrumentId, st: InstrumentState, first: number, last: number, before: number): Promise<void> {
    const bf = this.venue.backfill;
    const rest = this.restUrl;
    if (bf === undefined || rest === undefined) return;
    const o = this.source.options;
    const got: HeldTrade[] = [];
    let next = first;
    let failure: string | undefined;
    try {
      while (next <= last && !this.closed) {
        const limit = Math.min(bf.limit, last - next + 1);
        const body = await this.get(bf.url(rest, st.symbol, next, limit));
        const page: HeldTrade[] = [];
        const localTs = o.now();
        const r = bf.map(body, st.symbol, localTs, {
          trade: (_i, ts, price, size, id, side) => page.push({ ts, price, size, id, side, localTs }),
        });
        if (r.venueError !== undefined) throw new Error(r.venueError);
        const fresh = page.filter((t) => t.id >= next && t.id <= last).sort((a, b) => a.id - b.id);
        if (fresh.length === 0) throw new Error(`no trades from id ${next} in the response (${r.rejects.length} rejected)`);
        got.push(...fresh);
        next = (fresh[fresh.length - 1]?.id ?? next) + 1;
      }
    } catch (e) {
      failure = (e as Error).message;
    }
    const recovered = got.length;
    this.m.c.tradesBackfilled += recovered;
    const complete = failure === undefined && next > last;
    if (!complete) {
      this.m.c.gapsUnrecovered++;
      this.markGap(st, 'ids', before, st.held?.[0]?.ts ?? before, last - first + 1 - recovered);
    }
    this.source.event({
      type: 'gap',
      venue: this.venue.name,
      connection: this.index,
      time: o.now(),
      instrument: inst,
      firstMissingId: first,
      lastMissingId: last,
      backfilled: complete ? 'yes' : 'failed',
      ...(complete ? {} : { reason: failure ?? 'stopped' }),
    });
    if (complete) this.log()?.info({ venue: this.venue.name, instrument: inst, trades: recovered }, `feed: ${inst} gap backfilled`);
    else
      this.log()?.warn(
        { venue: this.venue.name, instrument: inst, firstMissingId: first, lastMissingId: last, recovered, error: failure },
        `feed: ${inst} backfill failed; the gap stays`,
      );
    for (const t of got) this.emit(st, t);
    this.release(st);
  }

  /** Emits trades held for a backfill, in order, through the normal id checks. */
  private release(st: InstrumentState): void {
    const held = st.held;
    if (held === undefined) return;
    st.held = undefined;
    const [head, ...rest] = held;
    if (head !== undefined) this.emit(st, head);
    for (const t of rest) this.accept(st.inst, st, t);
  }

  /** GET with retries: 429/418 wait `Retry-After`, 5xx and network errors back off. */
  private async get(url: string): Promise<string> {
    const o = this.source.options;
    let lastError = '';
    for (let attempt = 0; attempt < o.backfillAttempts; attempt++) {
      if (this.closed) throw new Error('feed closed');
      let wait = Math.min(o.reconnectMaxMs, o.reconnectMinMs * 2 ** attempt);
      try {
        const res = await o.fetch(url, { signal: AbortSignal.timeout(Math.max(1000, o.staleMs)) });
        const body = await res.text();
        if (res.ok) return body;
        lastError = `HTTP ${res.status} from ${url}: ${body.slice(0, 200)}`;
        if (res.status === 429 || res.status === 418) {
          const after = Number(res.headers.get('retry-after'));
          if (Number.isFinite(after) && after >= 0) wait = after * 1000;
        } else if (res.status < 500) throw new Error(lastError);
      } catch (e) {
        if ((e as Error).message === lastError) throw e;
        lastError = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, wait));
    }
    throw new Error(`${lastError} (gave up after ${o.backfillAttempts} tries)`);
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
