// The PostgreSQL store: write throughput for bars and raw trades, and the API's query latency
// over a table of 10M bars.
// Run: DATABASE_URL=postgres://… node --import tsx bench/postgres-store.bench.ts [bars=1000000] [trades=2000000] [big=10000000]
// (`infra/postgres/postgres.sh start` prints a URL; BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
//
// Writes go through `Store.commit` as the pipeline makes them: 10,000 bars (with as many
// indicator rows) or 50,000 trades per commit, each one transaction. The 10M-bar table is filled
// by the server itself (generate_series) and then queried through the HTTP API, one request at a
// time, as a dashboard or script would.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApiServer } from '../src/api/index.js';
import { createTradeBatch, instrumentId, instrumentIndex, pushTrade, type TradeBatch } from '../src/core/index.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import type { Store, StoreWrite } from '../src/store/index.js';
import { report, type Row } from './report.js';
import { INSTRUMENTS, makeBars, makeIndicators, T0 } from './synthetic-bars.js';

const URL_ = process.env['DATABASE_URL'];
if (URL_ === undefined || URL_ === '') {
  process.stdout.write('postgres-store bench skipped: set DATABASE_URL (infra/postgres/postgres.sh start prints one)\n');
  process.exit(0);
}
const N_BARS = Number(process.argv[2] ?? 1_000_000);
const N_TRADES = Number(process.argv[3] ?? 2_000_000);
const N_BIG = Number(process.argv[4] ?? 10_000_000);
const BARS_PER_COMMIT = 10_000;
const TRADES_PER_COMMIT = 50_000;

function schemaUrl(schema: string): string {
  const u = new URL(URL_ ?? '');
  u.searchParams.set('schema', schema);
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: URL_ });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const dropSchema = (s: string): Promise<unknown> => admin((c) => c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(s)} CASCADE`));

const EMPTY: StoreWrite = { bars: [], indicators: [], alerts: [], windows: [], late: [], rejects: [], trades: [] };

function barWrites(n: number): StoreWrite[] {
  const out: StoreWrite[] = [];
  for (let from = 0; from < n; from += BARS_PER_COMMIT) {
    const bars = makeBars(Math.min(BARS_PER_COMMIT, n - from), from);
    out.push({
      ...EMPTY,
      bars,
      indicators: makeIndicators(bars),
      checkpoint: { id: 'bench', positions: String(from), state: '{}', updatedAt: from },
    });
  }
  return out;
}

function tradeWrites(n: number): StoreWrite[] {
  const ids = INSTRUMENTS.map((s) => instrumentId(s.split(':')[0] ?? '', s.split(':')[1] ?? ''));
  const out: StoreWrite[] = [];
  for (let from = 0; from < n; from += TRADES_PER_COMMIT) {
    const len = Math.min(TRADES_PER_COMMIT, n - from);
    const b: TradeBatch = createTradeBatch(len);
    for (let i = 0; i < len; i++) {
      const k = from + i;
      const inst = instrumentIndex(b, ids[k % ids.length] ?? ids[0] ?? instrumentId('binance', 'X'));
      pushTrade(b, inst, T0 + Math.floor(k / 10) * 7, 100 + (k % 100) / 100, 0.25, k, k % 2 === 0 ? 1 : -1, T0 + k);
    }
    out.push({ ...EMPTY, trades: [b], checkpoint: { id: 'bench', positions: String(from), state: '{}', updatedAt: from } });
  }
  return out;
}

async function timeCommits(
  store: Store,
  writes: readonly StoreWrite[],
  rows: number,
): Promise<{ rowsPerSecond: number; msPerCommit: number }> {
  const t = performance.now();
  for (const w of writes) await store.commit(w);
  const s = (performance.now() - t) / 1000;
  return { rowsPerSecond: Math.round(rows / s), msPerCommit: (s * 1000) / writes.length };
}

const rows: Row[] = [];

// 1. Writes: bars (+ indicators), the same again (every key replaced), raw trades.
{
  const schema = `bench_writes_${process.pid}`;
  const store = await openPostgresStore({ url: schemaUrl(schema) });
  try {
    const bw = barWrites(N_BARS);
    const first = await timeCommits(store, bw, N_BARS * 2);
    rows.push({
      case: `bars + indicators, new keys (${BARS_PER_COMMIT.toLocaleString('en-US')} bars/commit)`,
      rows: N_BARS * 2,
      'rows/s': first.rowsPerSecond,
      'ms/commit': first.msPerCommit,
    });
    const again = await timeCommits(store, bw, N_BARS * 2);
    rows.push({
      case: 'bars + indicators, every key replaced',
      rows: N_BARS * 2,
      'rows/s': again.rowsPerSecond,
      'ms/commit': again.msPerCommit,
    });
    const tw = tradeWrites(N_TRADES);
    const trades = await timeCommits(store, tw, N_TRADES);
    rows.push({
      case: `raw trades, new keys (${TRADES_PER_COMMIT.toLocaleString('en-US')}/commit)`,
      rows: N_TRADES,
      'rows/s': trades.rowsPerSecond,
      'ms/commit': trades.msPerCommit,
    });
    const counts = await store.counts();
    if (counts.bars !== N_BARS || counts.trades !== N_TRADES) throw new Error(`counts ${JSON.stringify(counts)}`);
  } finally {
    await store.close();
    await dropSchema(schema);
  }
}

// 2. The API over 10M bars: 100 instruments × 100,000 one-minute bars.
{
  const schema = `bench_big_${process.pid}`;
  const store = await openPostgresStore({ url: schemaUrl(schema) });
  const perInstrument = Math.ceil(N_BIG / 100);
  const fill = performance.now();
  await admin(async (c) => {
    await c.query(`SET search_path = ${pg.escapeIdentifier(schema)}`);
    await c.query(
      `INSERT INTO bars SELECT 'bench:SYM' || i || 'USDT', '1m', $1::bigint + k * 60000, $1::bigint + (k + 1) * 60000, p, p * 1.001, p * 0.999, p * 1.0005,
         3.25, 3.25 * p, 2, 1.25, 17, p, k * 17, k * 17 + 16, 0
       FROM generate_series(0, 99) i, generate_series(0, $2::bigint - 1) k, LATERAL (SELECT 100 + sin(k / 1000.0) * 5 AS p) x`,
      [T0, perInstrument],
    );
    await c.query(
      `INSERT INTO series_stats SELECT 'bars', instrument, interval, min(start), max(start), max("end"), NULL, count(*) FROM bars GROUP BY instrument, interval`,
    );
    await c.query('ANALYZE bars');
  });
  const fillS = (performance.now() - fill) / 1000;
  const app = await createApiServer({ store, version: 'bench', intervals: ['1m'], logger: false });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const mid = T0 + Math.floor(perInstrument / 2) * 60_000;
  const cases: [string, (i: number) => string][] = [
    ['GET /api/bars latest 500 (desc)', (i) => `/api/bars?instrument=bench:SYM${i % 100}USDT&interval=1m&limit=500&order=desc`],
    [
      'GET /api/bars 1,000 from the middle',
      (i) => `/api/bars?instrument=bench:SYM${i % 100}USDT&interval=1m&from=${mid + (i % 50) * 3_600_000}&limit=1000`,
    ],
    [
      'GET /api/bars one day (1,440 bars)',
      (i) => `/api/bars?instrument=bench:SYM${i % 100}USDT&interval=1m&from=${mid}&to=${mid + 86_400_000}&limit=2000`,
    ],
    ['GET /api/bars/latest', (i) => `/api/bars/latest?instrument=bench:SYM${i % 100}USDT&interval=1m`],
    ['GET /api/instruments (100)', () => '/api/instruments'],
  ];
  try {
    for (const [name, url] of cases) {
      for (let i = 0; i < 20; i++) await (await fetch(base + url(i))).arrayBuffer();
      const ms: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t = performance.now();
        const r = await fetch(base + url(i));
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${url(i)}: ${r.status}`);
        ms.push(performance.now() - t);
      }
      ms.sort((a, b) => a - b);
      const q = (p: number): number => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? NaN;
      rows.push({
        case: `${name}, ${(perInstrument * 100).toLocaleString('en-US')} bars stored`,
        rows: '',
        'p50 ms': q(0.5),
        'p99 ms': q(0.99),
      });
    }
  } finally {
    await app.close();
    await store.close();
    await dropSchema(schema);
  }
  rows.push({
    case: `(filling ${(perInstrument * 100).toLocaleString('en-US')} bars server-side with their primary key)`,
    rows: perInstrument * 100,
    'rows/s': Math.round((perInstrument * 100) / fillS),
  });
}

const version = await admin(async (c) => (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?');
report(`PostgreSQL store: writes and API latency (PostgreSQL ${version}, same machine, default settings)`, rows, [
  'writes: Store.commit as the pipeline calls it, one transaction each: unnest-array upserts on the primary key, with the series summary updated in the same statement',
  'API: sequential requests over loopback HTTP through the fastify server, after 20 warm-up requests per case',
]);
