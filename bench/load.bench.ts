// `tickflow run` with 1,000 simulated instruments while autocannon drives the API, for 30 minutes
// (LOAD_SECONDS to change): no errors, no memory growth. RSS is sampled every 10 s from
// /api/stats; the requests mix what a dashboard and scripts ask for, at a fixed rate (LOAD_RATE,
// default 200 req/s over 20 connections) so that the pipeline keeps its share of the two cores.
// Runs only when named: `npm run bench -- load`. LOAD_ARGS adds flags to the command.
import { createRequire } from 'node:module';
import { report } from './report.js';
import { memorySummary, startNodeFlags, startThousandInstruments } from './thousand-instruments.js';

const seconds = Number(process.env['LOAD_SECONDS'] ?? 1800);
const rate = Number(process.env['LOAD_RATE'] ?? 200);
const connections = 20;

/** The part of autocannon's API used here (it ships no types). */
interface Histogram {
  readonly average: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}
interface AutocannonResult {
  readonly requests: Histogram & { readonly total: number };
  readonly latency: Histogram;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodeStats: Record<string, { count: number }>;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate: number;
  requests: { method: 'GET'; path: string }[];
}) => Promise<AutocannonResult>;

const run = startThousandInstruments('load', process.env['LOAD_ARGS'] ?? '');
const base = run.base;

async function json<T>(path: string): Promise<T> {
  return (await (await fetch(base + path)).json()) as T;
}

let result: AutocannonResult | undefined;
try {
  // Ready: the API answers and the simulator's instruments have bars.
  let ids: string[] = [];
  for (let i = 0; i < 300 && ids.length < 1000; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    try {
      ids = (await json<{ instruments: { instrument: string }[] }>('/api/instruments')).instruments.map((x) => x.instrument);
    } catch {
      // not listening yet
    }
  }
  if (ids.length === 0) throw new Error('the pipeline never served its instruments');
  const pick = (i: number): string => encodeURIComponent(ids[(i * 7919) % ids.length] ?? '');
  const requests = Array.from({ length: 200 }, (_, i) => {
    const id = pick(i);
    const paths = [
      `/api/bars/latest?instrument=${id}&interval=1m`,
      `/api/bars?instrument=${id}&interval=1m&limit=500&order=desc`,
      `/api/bars?instrument=${id}&interval=1s&limit=300&order=desc`,
      `/api/indicators?instrument=${id}&interval=1m&limit=200&order=desc`,
      `/api/predictions?instrument=${id}&interval=1m&limit=50&order=desc`,
      '/api/instruments',
      '/api/alerts?limit=50',
      '/api/stats',
      '/api/models?interval=1m',
      '/health',
    ];
    return { method: 'GET' as const, path: paths[i % paths.length] ?? '/health' };
  });
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  result = await autocannon({ url: base, connections, duration: seconds, overallRate: rate, requests });
} finally {
  await run.stop();
  run.cleanup();
}

const r = result;
const failures = r === undefined ? -1 : r.errors + r.timeouts + r.non2xx;
report(
  `tickflow run: 1,000 simulated instruments with the API under load (${rate} req/s, ${connections} connections)`,
  [
    {
      'duration s': seconds,
      requests: r?.requests.total ?? 0,
      'req/s': Math.round(r?.requests.average ?? 0),
      'p50 ms': r?.latency.p50 ?? 0,
      'p99 ms': r?.latency.p99 ?? 0,
      'max ms': r?.latency.max ?? 0,
      'errors+timeouts+non2xx': failures,
      ...memorySummary(run.samples),
    },
  ],
  [
    `node ${startNodeFlags().join(' ')} bin/tickflow.js run --instruments 1000 --rate 10000${process.env['LOAD_ARGS'] ? ` ${process.env['LOAD_ARGS']}` : ''}; autocannon in the bench process over loopback: bars (latest, 500 1m, 300 1s), indicators, predictions, instruments, alerts, stats, models, health`,
    'status codes: ' + JSON.stringify(Object.fromEntries(Object.entries(r?.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]))),
  ],
);
if (failures !== 0) process.exit(1);
