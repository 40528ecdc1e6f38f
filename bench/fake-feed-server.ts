// The server side of bench/live-feed.bench.ts, in its own process so that the bench measures the
// client's CPU alone. Synthesizes Binance combined-stream trade frames for many symbols and serves
// the same tape three ways, one port each, every connection getting the whole tape from frame 0:
// - fake: test/fake-exchange's startFakeExchange at full speed (256 frames per macrotask, 1 MiB high water);
// - ws:   a bare `ws` server, one `ws.send(text)` per frame, waiting for 'drain' above 1 MiB queued;
// - raw:  the frames pre-encoded as WebSocket text frames in ~64 KiB buffers written straight to the
//         socket, so that the server costs next to nothing and the client alone sets the rate.
// Started by the bench with `node --import tsx bench/fake-feed-server.ts <frames> <symbols>`; talks over IPC:
// sends {type:'ready', urls, symbols}, answers {type:'cpu'} with its process.cpuUsage(), exits on {type:'exit'}.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Prng } from '../src/sources/prng.js';
import { startFakeExchange, type ReplayFrame } from '../test/fake-exchange/index.js';

const FRAMES = Number(process.argv[2] ?? 2_000_000);
const SYMBOLS = Number(process.argv[3] ?? 200);
const HIGH_WATER = 1 << 20;
const CHUNK = 64 << 10;

if (typeof process.send !== 'function') throw new Error('fake-feed-server: start me with an IPC channel (from live-feed.bench.ts)');
const send = (m: unknown): void => void process.send?.(m);
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** Binance spot prints prices and sizes with 8 decimals: `"61837.63000000"`; `pow` = 10 ** decimals, `pad` the zeros after. */
function decimal(units: number, decimals: number, pow: number, pad: string): string {
  return `${Math.floor(units / pow)}.${String(units % pow).padStart(decimals, '0')}${pad}`;
}

function synthesize(): { symbols: string[]; frames: string[] } {
  const rng = new Prng(20261201);
  // symbols from BTC-like (5 digits, 2 decimals) to sub-cent coins (8 decimals); activity Zipf-like, the first busiest
  const syms = Array.from({ length: SYMBOLS }, (_, i) => {
    const name = `S${String(i).padStart(3, '0')}USDT`;
    const decimals = [2, 2, 3, 4, 5, 6, 8][i % 7] ?? 2;
    const level = [60_000, 3_000, 150, 7, 0.6, 0.05, 0.0002][i % 7] ?? 1;
    return {
      name,
      head: `{"stream":"${name.toLowerCase()}@trade","data":{"e":"trade","E":`,
      symbol: `,"s":"${name}","t":`,
      decimals,
      pow: 10 ** decimals,
      pad: '0'.repeat(8 - decimals),
      ticks: Math.round(level * (0.5 + rng.uniform()) * 10 ** decimals),
      id: 1_000_000 + Math.floor(rng.uniform() * 1e9),
    };
  });
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < SYMBOLS; i++) cum.push((total += 1 / (i + 1)));
  const pick = (): number => {
    const x = rng.uniform() * total;
    let lo = 0;
    let hi = SYMBOLS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cum[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // trade times run on from a second ago at 2,000 per ms, so they never get ahead of the client's clock
  const t0 = Date.now() - 1000;
  const lotPad = '000';
  const frames: string[] = new Array<string>(FRAMES);
  for (let i = 0; i < FRAMES; i++) {
    const s = syms[pick()];
    if (s === undefined) throw new Error('pick out of range');
    s.ticks = Math.max(1, s.ticks + Math.round(rng.normal() * 2));
    const T = t0 + Math.floor(i / 2000);
    const lots = 1 + Math.floor(rng.exponential(1) * 2000);
    frames[i] =
      `${s.head}${T + 1}${s.symbol}${s.id++},"p":"${decimal(s.ticks, s.decimals, s.pow, s.pad)}",` +
      `"q":"${decimal(lots, 5, 100_000, lotPad)}","T":${T},"m":${rng.uniform() < 0.5},"M":true}}`;
  }
  return { symbols: syms.map((s) => s.name), frames };
}

/** WebSocket text frames (server → client: not masked), packed into buffers of about CHUNK bytes. */
function encode(frames: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  const buf = Buffer.allocUnsafe(2 * CHUNK);
  let at = 0;
  for (const f of frames) {
    // the frames are ASCII: one byte per character
    const n = f.length;
    // at < CHUNK here, so a frame below CHUNK bytes always fits the 2 × CHUNK scratch buffer
    if (n >= CHUNK) throw new Error('frame too large for this encoder');
    buf[at++] = 0x81;
    if (n < 126) buf[at++] = n;
    else {
      buf[at++] = 126;
      at = buf.writeUInt16BE(n, at);
    }
    at += buf.write(f, at, 'latin1');
    if (at >= CHUNK) {
      out.push(Buffer.from(buf.subarray(0, at)));
      at = 0;
    }
  }
  if (at > 0) out.push(Buffer.from(buf.subarray(0, at)));
  return out;
}

/** A bare ws server on 127.0.0.1 calling `serve` for each connection; resolves with its URL. */
async function wsServer(serve: (ws: WebSocket, socket: Socket) => void): Promise<{ url: string; close: () => void }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('error', () => undefined);
    serve(ws, req.socket as Socket);
  });
  const addr = wss.address();
  if (addr === null || typeof addr === 'string') throw new Error(`unexpected address ${String(addr)}`);
  return { url: `ws://127.0.0.1:${addr.port}`, close: () => wss.close() };
}

const t = performance.now();
const cpu0 = process.cpuUsage();
const { symbols, frames } = synthesize();
const t1 = performance.now();
const chunks = encode(frames);
const tape: ReplayFrame[] = frames.map((data, i) => ({ ts: i, data }));
process.stderr.write(
  `fake-feed-server: ${FRAMES.toLocaleString('en-US')} frames of ${SYMBOLS} symbols synthesized in ${Math.round(t1 - t)} ms, encoded in ${Math.round(performance.now() - t1)} ms (${Math.round(cpuMs(process.cpuUsage(cpu0)))} ms CPU)\n`,
);

const fake = await startFakeExchange({ frames: tape, resumeAt: 'start' });

const plain = await wsServer((ws, socket) => {
  let i = 0;
  const pump = (): void => {
    while (i < frames.length && ws.readyState === ws.OPEN) {
      ws.send(frames[i++] ?? '');
      if (ws.bufferedAmount > HIGH_WATER) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
});

const raw = await wsServer((ws, socket) => {
  let i = 0;
  const pump = (): void => {
    while (i < chunks.length && ws.readyState === ws.OPEN) {
      if (!socket.write(chunks[i++] ?? Buffer.alloc(0)) && socket.writableLength > HIGH_WATER) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
});

process.on('message', (m: { type?: string }) => {
  if (m.type === 'cpu') send({ type: 'cpu', usage: process.cpuUsage() });
  else if (m.type === 'exit') {
    plain.close();
    raw.close();
    void fake.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', urls: { fake: fake.wsUrl, ws: plain.url, raw: raw.url }, symbols, frames: FRAMES });
