// Latency of the seed API's POST /predict (a same-bar linear regression), measured with autocannon.
// Run: node --import tsx bench/predict.bench.ts [seconds=10] [connections=20] [rate=5000]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md; PROF_DIR=dir writes the
// servers' CPU profiles there.) The servers run with the young-generation size bin/tickflow.js sets.
// The model is trained here by `tickflow train`'s code on the Kaggle BTC daily file (a synthetic
// random walk when ../shared/data is absent); the server runs in a child process on an empty
// in-memory store, so the load generator and the server do not share an event loop.
// Target (issue #6): p99 ≤ 5 ms at 5,000 req/s. The fixed-rate run corrects for coordinated
// omission (autocannon's overallRate); a second run without a rate shows the headroom.
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '../src/api/index.js';
import { train } from '../src/cli/commands/train.js';
import { FakeStore } from '../test/api/fake-store.js';
import { sharedData, tempDir } from '../test/helpers.js';
import { kaggleCsv, randomWalkDays } from '../test/models/seed/days.js';
import { report, type Row } from './report.js';

const SECONDS = Number(process.argv[2] ?? 10);
const CONNECTIONS = Number(process.argv[3] ?? 20);
const RATE = Number(process.argv[4] ?? 5000);

/** The part of autocannon's API used here (it ships no types). */
interface Histogram {
  readonly average: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p99_9: number;
  readonly max: number;
}
interface AutocannonResult {
  readonly requests: Histogram;
  readonly latency: Histogram;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly duration: number;
}
interface PostRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  requests: PostRequest[];
}) => Promise<AutocannonResult>;

/**
 * A server child's side of the talk with the parent: it announces its URL, answers 'cpu' with
 * its CPU time (µs per request is the server's cost whatever else the machine is doing, where
 * latency percentiles are not), and closes when the parent goes.
 */
function serveParent(url: string, close: () => Promise<void>): void {
  process.on('message', (m: unknown) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ cpuUs: u.user + u.system });
    }
  });
  process.send?.({ url });
  process.on('disconnect', () => void close().then(() => process.exit(0)));
}

async function serve(modelPath: string): Promise<void> {
  const server = await startApiServer({
    store: new FakeStore(),
    version: 'bench',
    intervals: ['1m'],
    host: '127.0.0.1',
    port: 0,
    seedModelPath: modelPath,
  });
  await server.app.ready();
  serveParent(server.url, () => server.close());
}

/**
 * The floor: node:http alone parsing the same bodies and answering a JSON of the same size, no
 * framework, headers, validation or metrics. What is left between it and /predict is ours.
 */
async function serveFloor(): Promise<void> {
  const answer = JSON.stringify({ predicted_close: 45_123.45678901234, label: 'same-bar estimator, not a forecast' });
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const bar = JSON.parse(text) as { open?: unknown };
      if (typeof bar.open !== 'number') res.statusCode = 400;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    const url = typeof addr === 'object' && addr !== null ? `http://127.0.0.1:${addr.port}` : '';
    serveParent(url, () => new Promise((done) => server.close(() => done())));
  });
}

async function serverCpuUs(child: ChildProcess): Promise<number> {
  return new Promise((resolvePromise) => {
    const on = (m: unknown): void => {
      if (typeof m === 'object' && m !== null && 'cpuUs' in m && typeof m.cpuUs === 'number') {
        child.off('message', on);
        resolvePromise(m.cpuUs);
      }
    };
    child.on('message', on);
    child.send('cpu');
  });
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

/** Bars near the Kaggle file's last days, varied so the body is not one cached string. */
function bodies(): string[] {
  return Array.from({ length: 64 }, (_, i) => {
    const open = 45_000 + 37 * i;
    return JSON.stringify({ open, high: open * 1.03, low: open * 0.97, volume: 4.5e10 + 1e8 * i });
  });
}

async function main(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const tmp = tempDir('tickflow-predict-bench-');
  let dataset = sharedData('kaggle-daily/coin_Bitcoin.csv');
  if (dataset === undefined) {
    dataset = join(tmp.dir, 'coin_Synthetic.csv');
    writeFileSync(dataset, kaggleCsv(randomWalkDays(2000)));
  }
  const modelPath = join(tmp.dir, 'models', 'seed-linear.json');
  const trained = await train({ dataset, out: modelPath, testFraction: 0.2 });
  const requests = bodies().map((body): PostRequest => ({
    method: 'POST',
    path: '/predict',
    headers: { 'content-type': 'application/json' },
    body,
  }));
  const rows: Row[] = [];
  const rate = `at ${RATE.toLocaleString('en-US')} req/s`;
  const servers = [
    { args: ['--serve', modelPath], scenarios: [`POST /predict ${rate}`, 'POST /predict as fast as possible'] },
    { args: ['--serve-floor'], scenarios: [`floor: bare node:http, same bodies, ${rate}`] },
  ];
  try {
    for (const server of servers) {
      const child = fork(fileURLToPath(import.meta.url), server.args, {
        execArgv: [
          '--import',
          'tsx',
          '--max-semi-space-size=32',
          ...(process.env['PROF_DIR'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['PROF_DIR']}`] : []),
        ],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      try {
        const url = await waitForUrl(child);
        for (const name of server.scenarios)
          rows.push(await scenario(autocannon, child, url, requests, name, name.includes(rate) ? RATE : undefined));
      } finally {
        child.disconnect();
      }
    }
    report(`Seed API POST /predict (autocannon, ${CONNECTIONS} connections, ${SECONDS} s per scenario)`, rows, [
      `model: tickflow train on ${trained.model.dataset.path.split('/').pop() ?? ''} (test RMSE ${trained.model.metrics.test.rmse.toFixed(2)}); server in a child process`,
      'fixed rate: autocannon overallRate, latencies corrected for coordinated omission; autocannon reports whole milliseconds',
      `server CPU: user + system time of the server process over the run / responses; 1e6 / it is the rate one free core sustains; load average at the end ${loadavg()[0]?.toFixed(1) ?? '?'} on ${cpus().length} cores`,
      'floor: a node:http server that parses the body and answers a JSON of the same size, with no framework, headers, validation or metrics, under the same load',
      'target (issue #6): p99 ≤ 5 ms at 5,000 req/s',
    ]);
  } finally {
    tmp.cleanup();
  }
}

async function scenario(
  autocannon: Autocannon,
  child: ChildProcess,
  url: string,
  requests: PostRequest[],
  name: string,
  rate: number | undefined,
): Promise<Row> {
  const opts = { url, connections: CONNECTIONS, requests, ...(rate === undefined ? {} : { overallRate: rate }) };
  // Warm-up: JIT, TypeBox's compiled check and fast-json-stringify's serializer.
  await autocannon({ ...opts, duration: 2 });
  const cpu0 = await serverCpuUs(child);
  const r = await autocannon({ ...opts, duration: SECONDS });
  const cpu = (await serverCpuUs(child)) - cpu0;
  return {
    scenario: name,
    'achieved req/s': Math.round(r.requests.average),
    'p50 ms': r.latency.p50,
    'p90 ms': r.latency.p90,
    'p99 ms': r.latency.p99,
    'p99.9 ms': r.latency.p99_9,
    'max ms': r.latency.max,
    'server CPU µs/req': Math.round(cpu / Math.max(1, r['2xx'] + r.non2xx)),
    'errors+non2xx': r.errors + r.timeouts + r.non2xx,
  };
}

if (process.argv.includes('--serve-floor')) await serveFloor();
else {
  const at = process.argv.indexOf('--serve');
  if (at >= 0) await serve(process.argv[at + 1] ?? '');
  else await main();
}
