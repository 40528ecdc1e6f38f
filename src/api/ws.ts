import Type from 'typebox';
import { Compile } from 'typebox/compile';
import type {} from '@fastify/websocket';
import type { RawData, WebSocket } from 'ws';
import { isTickflowError, TickflowError, type ErrorCode, type PipelineStats } from '../core/index.js';
import type { ApiServer } from './context.js';
import { ErrorBodySchema, errorBody, errorResponses } from './errors.js';
import type { LiveEvent, LiveFeed } from './live-feed.js';
import { wsClients, wsMessagesDropped, wsMessagesSent, wsSlowClientsClosed } from './metrics.js';
import { canonicalInstrument } from './params.js';
import { CHANNELS, ClientMessageSchema, type Channel, type ClientMessage, type ServerMessage } from './ws-messages.js';

export interface LiveHubOptions {
  readonly version: string;
  readonly live: LiveFeed | undefined;
  /** Canonical interval name, or throws UNKNOWN_INTERVAL. */
  readonly resolveInterval: (raw: string) => string;
  readonly servedIntervals: () => string[];
  /** Above this many unsent bytes a client stops getting interim bars (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Above this many unsent bytes a client is disconnected: it is not reading at all (default 64 MiB). */
  readonly closeBufferedBytes?: number;
  readonly statsIntervalMs?: number;
  readonly heartbeatMs?: number;
}

type Selection = ReadonlySet<string> | '*';

interface Subscription {
  readonly instruments: Selection;
  /** undefined until the client names intervals: every interval. */
  readonly intervals: Selection | undefined;
  readonly channels: ReadonlySet<Channel>;
}

interface Client {
  readonly socket: WebSocket;
  sub: Subscription;
  /** Interim bars skipped since the last `dropped` notice. */
  dropped: number;
  alive: boolean;
}

export interface WsQuery {
  readonly instruments?: string;
  readonly intervals?: string;
  readonly channels?: string;
}

const OPEN = 1;
const checkClientMessage = Compile(ClientMessageSchema);

/**
 * Fans live pipeline events out to WebSocket clients. One subscription to the live feed
 * serves every client, and each event is serialized at most once whatever the number of
 * clients. Slow readers lose interim bar updates (counted, and told with a `dropped`
 * notice once they catch up), never finals, alerts or windows.
 */
export class LiveHub {
  readonly #opts: LiveHubOptions;
  readonly #clients = new Set<Client>();
  readonly #maxBuffered: number;
  readonly #closeBuffered: number;
  readonly #unsubscribe: (() => void) | undefined;
  #pendingStats: PipelineStats | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(opts: LiveHubOptions) {
    this.#opts = opts;
    this.#maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.#closeBuffered = opts.closeBufferedBytes ?? 64 * 1024 * 1024;
    this.#unsubscribe = opts.live?.subscribe(
      (e) => this.#onEvent(e),
      (instrument) => (instrument === undefined ? this.#clients.size > 0 : this.#wantsBars(instrument)),
    );
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  connect(socket: WebSocket, query: WsQuery): void {
    const client: Client = { socket, sub: { instruments: new Set(), intervals: undefined, channels: new Set() }, dropped: 0, alive: true };
    this.#clients.add(client);
    wsClients.inc();
    // Handlers are attached before anything async so no early message is lost.
    socket.on('message', (data) => this.#onMessage(client, data));
    socket.on('pong', () => {
      client.alive = true;
    });
    // 'error' is always followed by 'close'; listening keeps it from crashing the process.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#clients.delete(client);
      wsClients.dec();
      this.#syncTimers();
    });
    this.#send(client, {
      type: 'hello',
      version: this.#opts.version,
      channels: [...CHANNELS],
      intervals: this.#opts.servedIntervals(),
      live: this.#opts.live !== undefined,
      maxBufferedBytes: this.#maxBuffered,
    });
    const fromQuery = queryToMessage(query);
    if (fromQuery !== undefined) this.#handle(client, fromQuery);
    this.#syncTimers();
  }

  close(): void {
    this.#unsubscribe?.();
    clearInterval(this.#statsTimer);
    clearInterval(this.#heartbeat);
    this.#statsTimer = undefined;
    this.#heartbeat = undefined;
  }

  #onEvent(e: LiveEvent): void {
    switch (e.type) {
      case 'bar':
        this.#fanOut('bars', e.bar.instrument, e.bar.interval, { type: 'bar', data: e.bar }, !e.bar.final);
        return;
      case 'alert':
        this.#fanOut('alerts', e.alert.instrument, undefined, { type: 'alert', data: e.alert }, false);
        return;
      case 'window':
        this.#fanOut('windows', e.window.instrument, undefined, { type: 'window', data: e.window }, false);
        return;
      case 'prediction':
        this.#fanOut('predictions', e.prediction.instrument, e.prediction.interval, { type: 'prediction', data: e.prediction }, false);
        return;
      case 'stats':
        // Coalesced: the stats timer sends the newest one at most once per interval.
        this.#pendingStats = e.stats;
        return;
    }
  }

  /** Some client takes this instrument's bars (any interval). */
  #wantsBars(instrument: string): boolean {
    for (const c of this.#clients) {
      const sub = c.sub;
      if (sub.channels.has('bars') && (sub.instruments === '*' || sub.instruments.has(instrument))) return true;
    }
    return false;
  }

  #fanOut(channel: Channel, instrument: string, interval: string | undefined, message: ServerMessage, droppable: boolean): void {
    let text: string | undefined;
    for (const c of this.#clients) {
      const sub = c.sub;
      if (!sub.channels.has(channel)) continue;
      if (sub.instruments !== '*' && !sub.instruments.has(instrument)) continue;
      if (interval !== undefined && sub.intervals !== undefined && sub.intervals !== '*' && !sub.intervals.has(interval)) continue;
      if (c.socket.readyState !== OPEN) continue;
      const buffered = c.socket.bufferedAmount;
      if (buffered > this.#closeBuffered) {
        wsSlowClientsClosed.inc();
        c.socket.terminate();
        continue;
      }
      if (droppable && buffered > this.#maxBuffered) {
        c.dropped += 1;
        wsMessagesDropped.inc();
        continue;
      }
      if (c.dropped > 0 && buffered <= this.#maxBuffered) {
        this.#send(c, { type: 'dropped', data: { bars: c.dropped } });
        c.dropped = 0;
      }
      text ??= JSON.stringify(message);
      c.socket.send(text);
      wsMessagesSent.inc({ type: message.type });
    }
  }

  #send(c: Client, message: ServerMessage): void {
    if (c.socket.readyState !== OPEN) return;
    c.socket.send(JSON.stringify(message));
    wsMessagesSent.inc({ type: message.type });
  }

  #sendError(c: Client, code: ErrorCode, message: string): void {
    this.#send(c, { type: 'error', error: { code, message } });
  }

  #onMessage(c: Client, data: RawData): void {
    let msg: unknown;
    try {
      msg = JSON.parse(rawToString(data));
    } catch {
      this.#sendError(c, 'BAD_REQUEST', `message is not JSON; send e.g. ${EXAMPLE}`);
      return;
    }
    this.#handle(c, msg);
  }

  #handle(c: Client, msg: unknown): void {
    if (!checkClientMessage.Check(msg)) {
      // The deepest error is the specific one (a union's first branch failing says little).
      const first = checkClientMessage.Errors(msg).sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
      const where = first === undefined || first.instancePath === '' ? 'message' : `message${first.instancePath}`;
      const allowed = first?.keyword === 'enum' ? `: ${first.params.allowedValues.map(String).join(', ')}` : '';
      this.#sendError(c, 'BAD_REQUEST', `${where} ${first?.message ?? 'is invalid'}${allowed}; expected e.g. ${EXAMPLE}`);
      return;
    }
    if (msg.op === 'ping') {
      this.#send(c, { type: 'pong', time: Date.now() });
      return;
    }
    try {
      c.sub = this.#apply(c.sub, msg);
    } catch (e) {
      if (!isTickflowError(e)) throw e;
      this.#sendError(c, e.code, e.message);
      return;
    }
    this.#send(c, {
      type: 'subscribed',
      instruments: selectionOut(c.sub.instruments),
      intervals: selectionOut(c.sub.intervals ?? '*'),
      channels: [...c.sub.channels],
    });
    this.#syncTimers();
  }

  /** The subscription after a subscribe/unsubscribe; throws without changing anything on bad input. */
  #apply(cur: Subscription, msg: ClientMessage): Subscription {
    const instruments = msg.instruments === undefined || msg.instruments === '*' ? msg.instruments : msg.instruments.map(wsInstrument);
    const intervals =
      msg.intervals === undefined || msg.intervals === '*' ? msg.intervals : msg.intervals.map((i) => this.#opts.resolveInterval(i));
    const channels = msg.channels === '*' ? [...CHANNELS] : msg.channels;
    const add = msg.op === 'subscribe';
    return {
      instruments: combine(cur.instruments, instruments, add, 'instruments'),
      // The first interval list replaces the implicit "every interval".
      intervals:
        cur.intervals === undefined && intervals === undefined
          ? undefined
          : combine(cur.intervals ?? (add ? new Set() : '*'), intervals, add, 'intervals'),
      channels:
        channels === undefined
          ? cur.channels
          : add
            ? new Set([...cur.channels, ...channels])
            : new Set([...cur.channels].filter((ch) => !channels.includes(ch))),
    };
  }

  /** Stats and heartbeat timers run only while someone can receive them. */
  #syncTimers(): void {
    const wantStats = this.#opts.live !== undefined && [...this.#clients].some((c) => c.sub.channels.has('stats'));
    if (wantStats && this.#statsTimer === undefined) {
      this.#statsTimer = setInterval(() => this.#pushStats(), this.#opts.statsIntervalMs ?? 1000);
      this.#statsTimer.unref();
    } else if (!wantStats && this.#statsTimer !== undefined) {
      clearInterval(this.#statsTimer);
      this.#statsTimer = undefined;
    }
    if (this.#clients.size > 0 && this.#heartbeat === undefined) {
      this.#heartbeat = setInterval(() => this.#beat(), this.#opts.heartbeatMs ?? 30_000);
      this.#heartbeat.unref();
    } else if (this.#clients.size === 0 && this.#heartbeat !== undefined) {
      clearInterval(this.#heartbeat);
      this.#heartbeat = undefined;
    }
  }

  #pushStats(): void {
    const live = this.#opts.live;
    if (live === undefined) return;
    const stats = this.#pendingStats ?? live.stats();
    this.#pendingStats = undefined;
    let text: string | undefined;
    for (const c of this.#clients) {
      if (!c.sub.channels.has('stats') || c.socket.readyState !== OPEN) continue;
      text ??= JSON.stringify({ type: 'stats', data: stats } satisfies ServerMessage);
      c.socket.send(text);
      wsMessagesSent.inc({ type: 'stats' });
    }
  }

  /** Half-open connections (a laptop lid closed) never send 'close'; unanswered pings find them. */
  #beat(): void {
    for (const c of this.#clients) {
      if (!c.alive) {
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }
}

const EXAMPLE = '{"op":"subscribe","instruments":["binance:BTCUSDT"],"intervals":["1m"],"channels":["bars","alerts"]}';

function wsInstrument(raw: string): string {
  const id = canonicalInstrument(raw);
  if (id === undefined)
    throw new TickflowError('BAD_REQUEST', `'${raw}' is not an instrument id <exchange>:<SYMBOL> (e.g. binance:BTCUSDT)`);
  return id;
}

function combine(cur: Selection, change: readonly string[] | '*' | undefined, add: boolean, what: string): Selection {
  if (change === undefined) return cur;
  if (add) return change === '*' || cur === '*' ? '*' : new Set([...cur, ...change]);
  if (change === '*') return new Set();
  if (cur === '*') {
    throw new TickflowError('BAD_REQUEST', `cannot remove single ${what} from "*"; unsubscribe "*" and subscribe the ones you want`);
  }
  return new Set([...cur].filter((x) => !change.includes(x)));
}

function selectionOut(s: Selection): string[] | '*' {
  return s === '*' ? '*' : [...s];
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function splitList(s: string | undefined): string[] | '*' | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  return t === '*'
    ? '*'
    : t
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
}

/** `?instruments=a,b&intervals=1m&channels=bars` → the equivalent subscribe message (unvalidated). */
function queryToMessage(q: WsQuery): unknown {
  const instruments = splitList(q.instruments);
  const intervals = splitList(q.intervals);
  const channels = splitList(q.channels);
  if (instruments === undefined && intervals === undefined && channels === undefined) return undefined;
  return {
    op: 'subscribe',
    ...(instruments === undefined ? {} : { instruments }),
    ...(intervals === undefined ? {} : { intervals }),
    ...(channels === undefined ? {} : { channels }),
  };
}

export const WsQuerySchema = Type.Object({
  // 8000, not more: with the other two lists the URL must stay under Node's 16 KiB header limit,
  // beyond which the request is refused (431) before it reaches this route. Longer lists: send
  // them in a subscribe message (up to 64 KiB).
  instruments: Type.Optional(
    Type.String({ maxLength: 8000, description: 'comma-separated instrument ids, or *; longer lists: a subscribe message' }),
  ),
  intervals: Type.Optional(Type.String({ maxLength: 1000, description: 'comma-separated intervals (filters bars), or *' })),
  channels: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated: bars, alerts, stats, windows, predictions, or *' })),
});

const WS_DESCRIPTION = [
  'WebSocket live stream. On connect the server sends `{"type":"hello",version,channels,intervals,live,maxBufferedBytes}`.',
  `Subscribe with a message such as \`${EXAMPLE}\` (or the same lists in the query string: ?instruments=..&intervals=..&channels=..).`,
  '`instruments`/`intervals`/`channels` accept a list or "*"; a subscribe adds to the current subscription, an unsubscribe removes',
  '(`"*"` clears); omitted fields stay as they were. `intervals` filters the bars channel only. Each change is acknowledged with',
  '`{"type":"subscribed",...}`. Pushes: `{"type":"bar","data":Bar}` (interim `final:false` and final), `{"type":"alert","data":Alert}`,',
  '`{"type":"window","data":WindowStats}`, `{"type":"stats","data":PipelineStats}` (at most once per second).',
  'A bad message gets `{"type":"error","error":{code,message}}` and the socket stays open. `{"op":"ping"}` → `{"type":"pong"}`.',
  'A client that reads too slowly (send buffer over maxBufferedBytes) misses interim bar updates, never finals or alerts,',
  'and is told how many with `{"type":"dropped","data":{"bars":n}}` once it catches up.',
].join(' ');

export function registerWsRoute(app: ApiServer, hub: LiveHub): void {
  // The full declaration (handler + wsHandler) rather than `websocket: true`, which would
  // hide the route from the OpenAPI document; a plain GET gets a 426 that says what to do.
  app.route({
    method: 'GET',
    url: '/ws',
    schema: {
      tags: ['live'],
      summary: 'live bars, alerts, windows, predictions and stats over WebSocket',
      description: WS_DESCRIPTION,
      querystring: WsQuerySchema,
      response: {
        101: Type.Null({ description: 'Switching Protocols: the WebSocket session described above' }),
        426: ErrorBodySchema,
        ...errorResponses,
      },
    },
    handler: async (_request, reply) =>
      reply
        .status(426)
        .header('upgrade', 'websocket')
        .send(errorBody('BAD_REQUEST', '/ws is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)')),
    wsHandler: (socket, request) => hub.connect(socket, request.query),
  });
}
