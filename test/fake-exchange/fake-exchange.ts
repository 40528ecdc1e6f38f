// A local stand-in for a live venue: one HTTP server on 127.0.0.1 that upgrades to WebSocket
// and replays recorded frames on a single shared "tape", serves REST routes, and lets a test
// inject the faults a real venue produces (drops, stalls, gaps, refusals, rate limits).
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ReplayClock } from './replay-clock.js';
import { RATE_LIMITED_BODY, SlidingWindowLimiter, type RateLimit, type RestHandler, type RestHit, type RestRoutes } from './rest.js';

/** A frame to serve; `CaptureEvent`s of test/support/captures.ts fit as they are. */
export interface ReplayFrame {
  /** recorded time, epoch ms (only differences matter) */
  readonly ts: number;
  readonly data: string;
}

/** One accepted WebSocket connection. */
export interface ConnectionInfo {
  /** 0, 1, 2… in accept order; the index into `connectUrls`. */
  readonly id: number;
  /** path + query the client asked for (`/stream?streams=btcusdt@trade`) */
  readonly url: string;
}

export interface ClientMessage {
  readonly conn: number;
  readonly data: string;
  /** epoch ms */
  readonly at: number;
}

/** A tape frame nobody received: injected gap, or nobody listening while time passed. */
export interface SkippedFrame {
  readonly index: number;
  readonly reason: 'gap' | 'no-listener';
}

export interface FakeExchangeOptions {
  /** The tape: frames every WebSocket connection is served, in this order. Default none. */
  readonly frames?: readonly ReplayFrame[];
  /** `Infinity` (default): as fast as the socket takes them. A number: × real time (1 = recorded timing). */
  readonly speed?: number;
  /** `'continue'` (default): a new connection picks up where the tape is. `'start'`: it rewinds the tape (for everyone). */
  readonly resumeAt?: 'continue' | 'start';
  /**
   * Whether recorded time passes while no connection listens (none open, or all stalled).
   * `'skip'` (the default at finite speed): the clock keeps running from the first connection on and
   * frames falling due meanwhile are lost, listed in `skipped` — a real gap. `'hold'` (the default,
   * and the only choice, at speed Infinity): the tape waits and the next listener gets the next frame.
   */
  readonly whileDisconnected?: 'skip' | 'hold';
  /** Start with the tape paused (call `resume()`); connections are accepted anyway. */
  readonly paused?: boolean;
  /** Text to send `conn` for `frame`, or null/undefined to not send it there. Default: `frame.data` to everyone. */
  readonly frameFor?: (frame: ReplayFrame, conn: ConnectionInfo) => string | null | undefined;
  /** Frames `injectGap(k)` counts and skips by default (e.g. only trade frames). Default: all. */
  readonly gapFilter?: (frame: ReplayFrame) => boolean;
  /** Called for every client text message (after it is recorded in `received`), e.g. to ack subscriptions. */
  readonly onClientMessage?: (data: string, reply: (text: string) => void, conn: ConnectionInfo) => void;
  /** Accept upgrades only on these pathnames (others get 404 like a venue). Default: any path. */
  readonly wsPaths?: readonly string[];
  /** Send a WebSocket ping to every connection this often (as Binance does). Default: never. */
  readonly pingIntervalMs?: number;
  /** REST routes by pathname. */
  readonly rest?: RestRoutes;
  /** Over `requests` per `perMs` (all REST paths together): 429 with `Retry-After` seconds. */
  readonly rateLimit?: RateLimit;
}

export interface FakeExchange {
  /** `ws://127.0.0.1:PORT` (append the venue's path) */
  readonly wsUrl: string;
  /** `http://127.0.0.1:PORT` */
  readonly restUrl: string;
  readonly port: number;

  /** WebSocket connections accepted so far. */
  readonly connections: number;
  /** Connections open right now. */
  readonly open: number;
  /** path + query of each accepted connection, by connection id. */
  readonly connectUrls: readonly string[];
  /** Every text message clients sent, in arrival order. */
  readonly received: readonly ClientMessage[];
  /** Tape frames written to sockets, all connections together (not `sendRaw`, not replies). */
  readonly sent: number;
  /** Index of the next tape frame. */
  readonly position: number;
  /** The whole tape has gone by. */
  readonly finished: boolean;
  /** Tape frames nobody received, in tape order. */
  readonly skipped: readonly SkippedFrame[];
  /** Upgrade attempts answered by `refuseConnections`. */
  readonly refused: number;
  /** Client pings the server answered, and pongs clients sent to server pings. */
  readonly pings: number;
  readonly pongs: number;
  readonly restHits: readonly RestHit[];
  /** REST requests answered 429. */
  readonly rateLimited: number;

  /** Runs `action` when the tape reaches frame `index` (before that frame is sent), once. */
  at(index: number, action: (fake: FakeExchange) => void): void;
  /** Drops every connection after `n` more tape frames have been sent (counted over all connections). */
  dropAfter(n: number): void;
  /** Ends the TCP connection without a WebSocket close frame (the client sees 1006); what was sent still arrives. */
  drop(conn?: number): void;
  /** Like `drop` but with a TCP RST: frames still in flight may be lost. */
  reset(conn?: number): void;
  /** Clean close handshake with `code` and `reason`. */
  closeConnections(code?: number, reason?: string, conn?: number): void;
  /**
   * The server freezes for `ms` on the open connections: it sends nothing and reads nothing, so
   * client pings get no pong (they are answered after the stall, if the socket is still open).
   */
  stall(ms: number, conn?: number): void;
  /** Skips the next `k` tape frames that pass `filter` (default `options.gapFilter`); replaces a pending gap. */
  injectGap(k: number, filter?: (frame: ReplayFrame) => boolean): void;
  /** Sends `text` now on the open, unstalled connections (garbage, a venue error, an ack…). */
  sendRaw(text: string, conn?: number): void;
  /** The next `n` upgrade attempts get HTTP `status` (default 503) instead of a WebSocket. */
  refuseConnections(n: number, status?: number): void;
  /** Stops / restarts the tape (and its clock) without touching connections; pings are still answered. */
  pause(): void;
  resume(): void;
  /** Adds or replaces a REST route. */
  route(path: string, handler: RestHandler): void;
  /** The next `n` REST requests get HTTP `status` (default 500). */
  failRest(n: number, status?: number): void;
  /** Resolves with `predicate()`'s value once it is truthy; rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T, timeoutMs?: number, what?: string): Promise<NonNullable<T>>;
  /** Closes every socket and the server; idempotent. */
  close(): Promise<void>;
}

/** Starts a fake venue on 127.0.0.1 and an ephemeral port. */
export async function startFakeExchange(options: FakeExchangeOptions = {}): Promise<FakeExchange> {
  const fake = new Fake(options);
  await fake.listen();
  return fake;
}

interface Conn {
  readonly info: ConnectionInfo;
  readonly ws: WebSocket;
  readonly socket: Duplex;
  /** a drop/close was asked for: send it nothing more */
  closing: boolean;
  stallTimer: NodeJS.Timeout | undefined;
}

/** Frames per macrotask at speed Infinity, so the test's own client and timers get to run. */
const BATCH = 256;
/** Bytes queued on a socket above which the Infinity pump waits for the client. */
const HIGH_WATER = 1 << 20;

class Fake implements FakeExchange {
  readonly #frames: readonly ReplayFrame[];
  readonly #t0: number;
  readonly #clock: ReplayClock | undefined;
  readonly #skipWhileDisconnected: boolean;
  readonly #opts: FakeExchangeOptions;
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #routes = new Map<string, RestHandler>();
  readonly #limiter: SlidingWindowLimiter | undefined;
  readonly #conns = new Set<Conn>();
  readonly #schedule = new Map<number, ((fake: FakeExchange) => void)[]>();

  #port = 0;
  #next = 0;
  #paused: boolean;
  #everConnected = false;
  #gap: { remaining: number; filter: (f: ReplayFrame) => boolean } | undefined;
  #dropAfter: number | undefined;
  #refuse = { remaining: 0, status: 503 };
  #failRest = { remaining: 0, status: 500 };
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  readonly connectUrls: string[] = [];
  readonly received: ClientMessage[] = [];
  readonly skipped: SkippedFrame[] = [];
  readonly restHits: RestHit[] = [];
  sent = 0;
  refused = 0;
  pings = 0;
  pongs = 0;
  rateLimited = 0;

  constructor(opts: FakeExchangeOptions) {
    const speed = opts.speed ?? Infinity;
    if (!(speed > 0)) throw new RangeError(`speed must be > 0 or Infinity, got ${speed}`);
    if (speed === Infinity && opts.whileDisconnected === 'skip') {
      throw new RangeError("whileDisconnected 'skip' needs a finite speed (at Infinity no time passes); use injectGap(k) to make a gap");
    }
    this.#opts = opts;
    this.#frames = opts.frames ?? [];
    this.#t0 = this.#frames[0]?.ts ?? 0;
    this.#clock = speed === Infinity ? undefined : new ReplayClock(speed);
    this.#skipWhileDisconnected = speed !== Infinity && (opts.whileDisconnected ?? 'skip') === 'skip';
    this.#paused = opts.paused ?? false;
    this.#limiter = opts.rateLimit ? new SlidingWindowLimiter(opts.rateLimit) : undefined;
    for (const [path, h] of Object.entries(opts.rest ?? {})) this.#routes.set(path, h);
    this.#server = createServer((req, res) => void this.#onRequest(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    const every = this.#opts.pingIntervalMs;
    if (every !== undefined) {
      this.#pingTimer = setInterval(() => {
        for (const c of this.#listeners()) c.ws.ping();
      }, every);
      this.#pingTimer.unref();
    }
  }

  get port(): number {
    return this.#port;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }
  get restUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get connections(): number {
    return this.connectUrls.length;
  }
  get open(): number {
    return this.#conns.size;
  }
  get position(): number {
    return this.#next;
  }
  get finished(): boolean {
    return this.#next >= this.#frames.length;
  }

  // ---- faults and control -------------------------------------------------------------

  at(index: number, action: (fake: FakeExchange) => void): void {
    if (!Number.isInteger(index) || index < this.#next) throw new RangeError(`at(${index}): the tape is already at ${this.#next}`);
    const list = this.#schedule.get(index) ?? [];
    list.push(action);
    this.#schedule.set(index, list);
  }

  dropAfter(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`dropAfter needs an integer >= 0, got ${n}`);
    if (n === 0) this.drop();
    else this.#dropAfter = n;
  }

  drop(conn?: number): void {
    for (const c of this.#targets(conn)) {
      c.closing = true;
      c.socket.end();
      // A client that never answers the FIN must not keep the socket (and close()) waiting.
      setTimeout(() => c.socket.destroy(), 2000).unref();
    }
    this.#kick();
  }

  reset(conn?: number): void {
    for (const c of this.#targets(conn)) {
      c.closing = true;
      if (c.socket instanceof Socket) c.socket.resetAndDestroy();
      else c.socket.destroy();
    }
    this.#kick();
  }

  closeConnections(code = 1000, reason = '', conn?: number): void {
    for (const c of this.#targets(conn)) {
      c.closing = true;
      c.ws.close(code, reason);
    }
    this.#kick();
  }

  stall(ms: number, conn?: number): void {
    for (const c of this.#targets(conn)) {
      // ws.pause() stops reading the TCP socket, so pings are neither parsed nor auto-ponged.
      c.ws.pause();
      clearTimeout(c.stallTimer);
      c.stallTimer = setTimeout(() => {
        c.stallTimer = undefined;
        c.ws.resume();
        this.#kick();
      }, ms);
    }
    this.#kick();
  }

  injectGap(k: number, filter?: (frame: ReplayFrame) => boolean): void {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`injectGap needs an integer >= 0, got ${k}`);
    this.#gap = { remaining: k, filter: filter ?? this.#opts.gapFilter ?? (() => true) };
  }

  sendRaw(text: string, conn?: number): void {
    for (const c of this.#targets(conn)) if (c.stallTimer === undefined) c.ws.send(text);
  }

  refuseConnections(n: number, status = 503): void {
    this.#refuse = { remaining: n, status };
  }

  pause(): void {
    this.#paused = true;
    this.#kick();
  }

  resume(): void {
    this.#paused = false;
    this.#kick();
  }

  route(path: string, handler: RestHandler): void {
    this.#routes.set(path, handler);
  }

  failRest(n: number, status = 500): void {
    this.#failRest = { remaining: n, status };
  }

  async waitFor<T>(predicate: () => T, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`fake exchange: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      clearTimeout(this.#timer);
      if (this.#immediate) clearImmediate(this.#immediate);
      clearInterval(this.#pingTimer);
      for (const c of this.#conns) {
        clearTimeout(c.stallTimer);
        c.ws.terminate();
      }
      this.#wss.close();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  // ---- WebSocket side -----------------------------------------------------------------

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const url = req.url ?? '/';
    if (this.#refuse.remaining > 0) {
      this.#refuse.remaining--;
      this.refused++;
      rejectUpgrade(socket, this.#refuse.status);
      return;
    }
    const paths = this.#opts.wsPaths;
    if (paths && !paths.includes(new URL(url, 'http://fake').pathname)) {
      rejectUpgrade(socket, 404);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, socket, url));
  }

  #accept(ws: WebSocket, socket: Duplex, url: string): void {
    const info: ConnectionInfo = { id: this.connectUrls.length, url };
    this.connectUrls.push(url);
    const conn: Conn = { info, ws, socket, closing: false, stallTimer: undefined };
    this.#conns.add(conn);
    ws.on('message', (data: RawData) => {
      const text = rawText(data);
      this.received.push({ conn: info.id, data: text, at: Date.now() });
      this.#opts.onClientMessage?.(
        text,
        (reply) => {
          if (!conn.closing && ws.readyState === ws.OPEN) ws.send(reply);
        },
        info,
      );
    });
    ws.on('ping', () => this.pings++);
    ws.on('pong', () => this.pongs++);
    ws.on('error', () => {}); // a client vanishing is the point of most tests; 'close' follows
    ws.on('close', () => {
      clearTimeout(conn.stallTimer);
      this.#conns.delete(conn);
      this.#kick();
    });
    this.#everConnected = true;
    if (this.#opts.resumeAt === 'start') {
      this.#next = 0;
      this.#clock?.rewind();
    }
    this.#kick();
  }

  #targets(conn: number | undefined): Conn[] {
    return [...this.#conns].filter((c) => !c.closing && (conn === undefined || c.info.id === conn));
  }

  /** Connections that can take a frame now. */
  #listeners(): Conn[] {
    return [...this.#conns].filter((c) => !c.closing && c.stallTimer === undefined && c.ws.readyState === c.ws.OPEN);
  }

  // ---- the tape -----------------------------------------------------------------------

  /** Re-evaluates the tape soon (after the current call stack), once however often it is asked. */
  #kick(): void {
    if (this.#immediate || this.#closed) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#pump();
    });
  }

  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const frameFor = this.#opts.frameFor ?? ((f: ReplayFrame) => f.data);
    for (let budget = BATCH; !this.#closed; budget--) {
      const frame = this.#frames[this.#next];
      if (frame === undefined) {
        this.#clock?.setRunning(false);
        return;
      }
      const listeners = this.#listeners();
      if (this.#clock) {
        const flowing = !this.#paused && (listeners.length > 0 || (this.#skipWhileDisconnected && this.#everConnected));
        this.#clock.setRunning(flowing);
        if (!flowing) return;
        const wait = this.#clock.wallMsUntil(frame.ts - this.#t0);
        if (wait > 0) {
          this.#timer = setTimeout(() => this.#pump(), Math.ceil(wait));
          return;
        }
      } else if (this.#paused || listeners.length === 0) {
        return;
      } else if (listeners.some((c) => c.ws.bufferedAmount > HIGH_WATER)) {
        this.#timer = setTimeout(() => this.#pump(), 2);
        return;
      }
      if (budget <= 0) {
        this.#kick();
        return;
      }
      const actions = this.#schedule.get(this.#next);
      if (actions) {
        // Actions may drop, stall or pause: look at the listeners again before sending.
        this.#schedule.delete(this.#next);
        for (const a of actions) a(this);
        continue;
      }
      const index = this.#next++;
      const gap = this.#gap;
      if (gap && gap.remaining > 0 && gap.filter(frame)) {
        gap.remaining--;
        this.skipped.push({ index, reason: 'gap' });
        continue;
      }
      if (listeners.length === 0) {
        this.skipped.push({ index, reason: 'no-listener' });
        continue;
      }
      for (const c of listeners) {
        const text = frameFor(frame, c.info);
        if (text === null || text === undefined) continue;
        c.ws.send(text);
        this.sent++;
        if (this.#dropAfter !== undefined && --this.#dropAfter === 0) {
          this.#dropAfter = undefined;
          this.drop();
          break;
        }
      }
    }
  }

  // ---- REST side ----------------------------------------------------------------------

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const answer = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
      this.restHits.push({ path: url.pathname, query: url.search.slice(1), status, at: Date.now() });
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json;charset=UTF-8';
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(text);
    };
    const retryAfter = this.#limiter?.take(Date.now());
    if (retryAfter !== undefined) {
      this.rateLimited++;
      answer(429, this.#opts.rateLimit?.body ?? RATE_LIMITED_BODY, { 'retry-after': String(retryAfter) });
      return;
    }
    if (this.#failRest.remaining > 0) {
      this.#failRest.remaining--;
      answer(this.#failRest.status, { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' });
      return;
    }
    const handler = this.#routes.get(url.pathname);
    if (!handler) {
      answer(404, { error: `fake exchange has no route ${url.pathname}` });
      return;
    }
    try {
      const r = await handler(url.searchParams, req);
      answer(r.status ?? 200, r.body, r.headers);
    } catch (e) {
      answer(500, { error: e instanceof Error ? e.message : String(e) });
    }
  }
}

function rejectUpgrade(socket: Duplex, status: number): void {
  const body = STATUS_CODES[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
