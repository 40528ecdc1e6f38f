// A 200-instrument Binance trade feed end to end over a real local WebSocket: openLiveSource (ws
// client, frame → text, venue mapper, id checks, batching, chunk queue) consuming synthetic
// combined-stream trade frames as fast as a server in another process sends them. Reports the
// trades/s received and the CPU % of each process. Three servers (bench/fake-feed-server.ts): the
// test fake exchange, a bare ws server, and pre-encoded frames written straight to the socket.
// Run: node --import tsx bench/live-feed.bench.ts
// Env: LIVE_FEED_FRAMES (default 1,000,000: the three runs and the tape's synthesis stay under a minute), LIVE_FEED_SYMBOLS (default 200),
//      LIVE_FEED_SERVERS (default raw,ws,fake).
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { openLiveSource } from '../src/sources/live/live-source.js';
import { binance } from '../src/sources/live/venues/binance.js';
import { report, type Row } from './report.js';

const FRAMES = Number(process.env['LIVE_FEED_FRAMES'] ?? 1_000_000);
const SYMBOLS = Number(process.env['LIVE_FEED_SYMBOLS'] ?? 200);
const SERVERS = (process.env['LIVE_FEED_SERVERS'] ?? 'raw,ws,fake').split(',').map((s) => s.trim());
/** No trade for this long ends a run as failed. */
const STALL_MS = 15_000;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SERVER_LABEL: Record<string, string> = {
  raw: 'pre-encoded frames written to the socket',
  ws: 'bare ws server, ws.send per frame',
  fake: 'test fake exchange (startFakeExchange)',
};

interface Ready {
  type: 'ready';
  urls: Record<string, string>;
  symbols: string[];
}
interface Cpu {
  type: 'cpu';
  usage: NodeJS.CpuUsage;
}

const child = fork(fileURLToPath(new URL('./fake-feed-server.ts', import.meta.url)), [String(FRAMES), String(SYMBOLS)], {
  cwd: ROOT,
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
const next = <T>(type: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type?: string }): void => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null): void => reject(new Error(`fake-feed-server exited (${code}) before '${type}'`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
const serverCpu = async (): Promise<number> => {
  const got = next<Cpu>('cpu');
  child.send({ type: 'cpu' });
  const { usage } = await got;
  return (usage.user + usage.system) / 1000;
};

const ready = await next<Ready>('ready');
const load = loadavg()[0] ?? 0;
const rows: Row[] = [];
try {
  for (const server of SERVERS) {
    const url = ready.urls[server];
    if (url === undefined) throw new Error(`unknown server '${server}'; have ${Object.keys(ready.urls).join(', ')}`);
    const abort = new AbortController();
    const source = openLiveSource({
      subscriptions: [{ venue: binance, symbols: ready.symbols }],
      urls: { binance: url },
      signal: abort.signal,
    });
    let trades = 0;
    let lastProgress = performance.now();
    const watchdog = setInterval(() => {
      if (performance.now() - lastProgress > STALL_MS) abort.abort();
    }, 1000);

    const server0 = await serverCpu();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    for await (const chunk of source) {
      trades += chunk.trades.length;
      lastProgress = performance.now();
      if (trades >= FRAMES) break;
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const serverMs = (await serverCpu()) - server0;
    clearInterval(watchdog);

    const st = source.stats().connections[0];
    if (trades !== FRAMES) throw new Error(`${server}: ${trades} of ${FRAMES} trades received (stalled for ${STALL_MS} ms)`);
    if (st === undefined || st.rejects > 0 || st.gapsDetected > 0 || st.outOfOrder > 0 || st.reconnects > 0) {
      throw new Error(`${server}: the feed saw trouble: ${JSON.stringify(st)}`);
    }
    const clientPct = ((cpu.user + cpu.system) / 1000 / wall) * 100;
    rows.push({
      server: `${server}: ${SERVER_LABEL[server] ?? server}`,
      trades,
      s: wall / 1000,
      'trades/s': Math.round((trades * 1000) / wall),
      'client CPU %': Math.round(clientPct),
      'client event loop busy %': Math.round(elu.utilization * 100),
      'server CPU %': Math.round((serverMs / wall) * 100),
      'client CPU µs/trade': Math.round(((cpu.user + cpu.system) / trades) * 100) / 100,
      'client trades/s per core': Math.round((trades * 1e6) / (cpu.user + cpu.system)),
      'server CPU µs/frame': Math.round(((serverMs * 1000) / trades) * 100) / 100,
    });
    process.stderr.write(`${server}: ${Math.round((trades * 1000) / wall).toLocaleString('en-US')} trades/s\n`);
  }
} finally {
  child.send({ type: 'exit' });
  await exited;
}

report(`Live feed end to end: ${SYMBOLS} Binance instruments over a local WebSocket`, rows, [
  `${FRAMES.toLocaleString('en-US')} synthetic Binance combined-stream trade frames (\`{"stream":"s000usdt@trade","data":{"e":"trade",…}}\`, one trade each, ids sequential per symbol, 8-decimal price and size strings, Zipf-like activity over ${SYMBOLS} symbols), served as fast as the server can to one connection of \`openLiveSource({ subscriptions: [{ venue: binance, symbols }] })\`, which the bench iterates and counts; default settings (batches of 4096, 50 ms flush)`,
  'trades/s: all trades / (iteration start → chunk with the last trade), connect included; client CPU %: process.cpuUsage() of the bench process over that time (100 % = one core; GC helper threads can push it past 100); the server runs in a child process (bench/fake-feed-server.ts) and its CPU % is its own',
  'client CPU µs/trade: the cost per trade of the whole receive path (ws frame parsing, Buffer → string, mapper, id checks, batch builder); client trades/s per core = 10⁶ / that, the rate one free core would sustain; server CPU µs/frame likewise for the server',
  `load average ${load.toFixed(1)} on ${cpus().length} cores when the runs began: this host is shared, and other work slows both processes (then a process is busy more than it gets CPU: event loop busy % > CPU %)`,
  `command: \`node --import tsx bench/live-feed.bench.ts\` (or \`npm run bench -- live-feed\`); LIVE_FEED_FRAMES, LIVE_FEED_SYMBOLS, LIVE_FEED_SERVERS=${SERVERS.join(',')} change the size and the servers`,
]);
