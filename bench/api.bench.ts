// HTTP throughput and latency of the API's hot routes, measured with autocannon.
// Run: node --import tsx bench/api.bench.ts [seconds=10] [connections=20]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
// The server runs in a child process on an in-memory store (100 instruments × 1000 1m bars,
// 200 5m bars each) and a live feed holding each instrument's current 1m bar, updated
// 100×/s, so the load generator and the server do not share an event loop.
// Targets: /api/bars/latest ≥ 10k req/s with p99 ≤ 10 ms on 2 cores.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '../src/api/index.js';
import { FakeLive } from '../test/api/fake-live.js';
import { FakeStore } from '../test/api/fake-store.js';
import { barSeries, makeBar, T0 } from '../test/api/fixtures.js';
import { report, type Row } from './report.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 20);
const INSTRUMENTS = Array.from({ length: 100 }, (_, i) => `binance:SYM${String(i).padStart(3, '0')}USDT`);

/** The part of autocannon's API used here (it ships no types). */
interface Histogram {
  readonly average: number;
  readonly p50: number;
  readonly p99: number;
}
interface AutocannonResult {
  readonly requests: Histogram;
  readonly latency: Histogram;
  readonly throughput: Histogram;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: 'GET'; path: string }[];
}) => Promise<AutocannonResult>;

async function serve(): Promise<void> {
  const store = new FakeStore({
    bars: INSTRUMENTS.flatMap((id, i) => [...barSeries(id, '1m', 1000, T0, 100 + i), ...barSeries(id, '5m', 200, T0, 100 + i)]),
  });
  const live = new FakeLive();
  for (const id of INSTRUMENTS) live.push({ type: 'bar', bar: makeBar(id, '1m', T0 + 1000 * 60_000, 100, 101, { final: false }) });
  const server = await startApiServer({ store, live, version: 'bench', intervals: ['1m', '5m'], host: '127.0.0.1', port: 0 });
  // A trickle of interim updates, as a running pipeline would produce.
  let n = 0;
  setInterval(() => {
    for (let k = 0; k < 10; k++) {
      const id = INSTRUMENTS[n++ % INSTRUMENTS.length] ?? '';
      live.push({ type: 'bar', bar: makeBar(id, '1m', T0 + 1000 * 60_000, 100, 100 + (n % 7), { final: false }) });
    }
  }, 100).unref();
  process.send?.({ url: server.url });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

async function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    child.once('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'url' in m && typeof m.url === 'string') resolvePromise(m.url);
      else reject(new Error(`unexpected message from the server process: ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const url = await waitForUrl(child);
    const scenarios: { name: string; path: (id: string) => string }[] = [
      { name: '/api/bars/latest (live)', path: (id) => `/api/bars/latest?instrument=${id}&interval=1m` },
      { name: '/api/bars/latest (store fallback)', path: (id) => `/api/bars/latest?instrument=${id}&interval=5m` },
      { name: '/api/bars?limit=1000', path: (id) => `/api/bars?instrument=${id}&interval=1m&limit=1000` },
    ];
    const rows: Row[] = [];
    for (const s of scenarios) {
      // Warm-up: JIT, the instrument cache and fast-json-stringify's compiled serializers.
      await autocannon({
        url,
        connections: CONNECTIONS,
        duration: 2,
        requests: INSTRUMENTS.map((id) => ({ method: 'GET', path: s.path(id) })),
      });
      const r = await autocannon({
        url,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: INSTRUMENTS.map((id) => ({ method: 'GET', path: s.path(id) })),
      });
      rows.push({
        route: s.name,
        'req/s': Math.round(r.requests.average),
        'p50 ms': r.latency.p50,
        'p99 ms': r.latency.p99,
        'MB/s': r.throughput.average / 1e6,
        'errors+non2xx': r.errors + r.timeouts + r.non2xx,
      });
    }
    report(`API HTTP (autocannon, ${CONNECTIONS} connections, ${SECONDS} s per route)`, rows, [
      'server in a child process on an in-memory store: 100 instruments × 1000 1m bars; live feed holds each current 1m bar',
      'targets: /api/bars/latest ≥ 10,000 req/s and p99 ≤ 10 ms on 2 cores',
    ]);
  } finally {
    child.disconnect();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
