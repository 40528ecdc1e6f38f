/**
 * One WebSocket to /ws that stays up: reconnects with exponential backoff and jitter,
 * re-sends the wanted subscription on every (re)connect, replaces it on change
 * (unsubscribe everything, subscribe the new one) and pings to find half-open connections.
 */
import type { HelloMessage, ServerMessage, Subscription } from './types.js';

export interface LiveStatus {
  readonly state: 'idle' | 'connecting' | 'open' | 'reconnecting';
  /** Failed attempts in a row. */
  readonly attempt: number;
  /** Epoch ms of the next attempt while (re)connecting. */
  readonly retryAt: number | null;
  /** Why the last connection ended. */
  readonly reason: string | null;
  /** When the connection was last lost (epoch ms); null while it has never been lost. */
  readonly downSince: number | null;
}

interface Events {
  message: ServerMessage;
  status: LiveStatus;
  /** A connection opened again after a drop: anything pushed in between was missed. */
  reconnect: undefined;
}

export interface LiveSocketOptions {
  readonly name?: string;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly pingEveryMs?: number;
  readonly pongTimeoutMs?: number;
}

const CONNECTING = 0;
const OPEN = 1;

/** Words for a close without a reason. */
function closeReason(code: number): string {
  if (code === 1001) return 'the server is going away';
  if (code === 1005 || code === 1006) return 'connection lost';
  if (code === 1011) return 'server error';
  return `closed, code ${code}`;
}

/** The /ws URL for a page served by the API. */
export function wsUrl(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

export class LiveSocket {
  readonly name: string;
  status: LiveStatus = { state: 'idle', attempt: 0, retryAt: null, reason: null, downSince: null };
  /** The hello message of the current connection. */
  hello: HelloMessage | null = null;
  /** Connections opened so far. */
  connections = 0;

  readonly #url: string;
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #pingEveryMs: number;
  readonly #pongTimeoutMs: number;
  #socket: WebSocket | null = null;
  #subscription: Subscription | null = null;
  #stopped = true;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #lastHeard = 0;
  readonly #listeners = new Map<keyof Events, Set<(arg: never) => void>>();

  constructor(url: string, opts: LiveSocketOptions = {}) {
    this.#url = url;
    this.name = opts.name ?? 'ws';
    this.#minDelayMs = opts.minDelayMs ?? 500;
    // A local dashboard: redial at least every 5 s, so it is back soon after the server is.
    this.#maxDelayMs = opts.maxDelayMs ?? 5000;
    this.#pingEveryMs = opts.pingEveryMs ?? 20_000;
    this.#pongTimeoutMs = opts.pongTimeoutMs ?? 10_000;
  }

  /** Listens to an event; returns a function that stops listening. */
  on<E extends keyof Events>(type: E, fn: (arg: Events[E]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const s = set;
    s.add(fn);
    return () => s.delete(fn);
  }

  #emit<E extends keyof Events>(type: E, arg: Events[E]): void {
    for (const fn of this.#listeners.get(type) ?? []) {
      try {
        (fn as (a: Events[E]) => void)(arg);
      } catch (e) {
        console.error(`[${this.name}] ${type} listener failed`, e);
      }
    }
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
    this.#pingTimer = setInterval(() => this.#checkAlive(), Math.min(this.#pingEveryMs, 5000));
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    this.#socket?.close(1000, 'bye');
    this.#socket = null;
    this.#setStatus({ state: 'idle', attempt: 0, retryAt: null, reason: null });
  }

  /** Replaces the subscription (null: nothing). Sent now when connected, else on connect. */
  setSubscription(sub: Subscription | null): void {
    const prev = this.#subscription;
    this.#subscription = sub;
    if (JSON.stringify(sub) === JSON.stringify(prev) || this.#socket?.readyState !== OPEN) return;
    if (prev) this.#send({ op: 'unsubscribe', instruments: '*', intervals: '*', channels: '*' });
    if (sub) this.#send({ op: 'subscribe', ...sub });
  }

  /** Redials now (the retry button), skipping the backoff wait. */
  retryNow(): void {
    if (this.#stopped || this.#socket) return;
    this.#connect();
  }

  #send(msg: object): void {
    if (this.#socket?.readyState === OPEN) this.#socket.send(JSON.stringify(msg));
  }

  #setStatus(patch: Partial<LiveStatus>): void {
    this.status = { ...this.status, ...patch };
    this.#emit('status', this.status);
  }

  #connect(): void {
    clearTimeout(this.#retryTimer);
    if (this.#stopped) return;
    this.#setStatus({ state: this.connections === 0 ? 'connecting' : 'reconnecting', retryAt: null });
    this.#lastHeard = Date.now();
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#url);
    } catch (e) {
      this.#scheduleRetry(e instanceof Error ? e.message : String(e));
      return;
    }
    this.#socket = ws;
    ws.onopen = () => {
      if (this.#socket !== ws) return;
      this.connections += 1;
      this.#lastHeard = Date.now();
      this.hello = null;
      if (this.#subscription) this.#send({ op: 'subscribe', ...this.#subscription });
      this.#setStatus({ state: 'open', attempt: 0, retryAt: null, reason: null, downSince: null });
      if (this.connections > 1) this.#emit('reconnect', undefined);
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.#socket !== ws) return;
      this.#lastHeard = Date.now();
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        console.warn(`[${this.name}] ignoring a message that is not JSON`);
        return;
      }
      if (msg.type === 'hello') this.hello = msg;
      this.#emit('message', msg);
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.#socket !== ws) return;
      this.#socket = null;
      this.#scheduleRetry(ev.reason || closeReason(ev.code));
    };
    // 'error' is always followed by 'close', which does the work.
    ws.onerror = () => undefined;
  }

  #scheduleRetry(reason: string): void {
    if (this.#stopped) return;
    const attempt = this.status.attempt + 1;
    const base = Math.min(this.#maxDelayMs, this.#minDelayMs * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.#setStatus({
      state: this.connections === 0 ? 'connecting' : 'reconnecting',
      attempt,
      retryAt: Date.now() + delay,
      reason,
      downSince: this.status.downSince ?? Date.now(),
    });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  /** Pings a quiet connection; one that stays silent after that is dropped and redialled. */
  #checkAlive(): void {
    const ws = this.#socket;
    const quietMs = Date.now() - this.#lastHeard;
    if (!ws || ws.readyState !== OPEN) {
      // A dial that hangs (no open, no close) is abandoned too.
      if (ws && ws.readyState === CONNECTING && quietMs > this.#pingEveryMs + this.#pongTimeoutMs) ws.close();
      return;
    }
    if (quietMs > this.#pingEveryMs + this.#pongTimeoutMs) {
      this.#socket = null;
      ws.close(4000, 'no answer to ping');
      this.#scheduleRetry('no answer to ping');
    } else if (quietMs >= this.#pingEveryMs - 1000) {
      this.#send({ op: 'ping' });
    }
  }
}
