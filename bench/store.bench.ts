// Write throughput of the DuckDB store, and the alternatives it was chosen over.
// Run: node --import tsx bench/store.bench.ts [bars=1000000] [perCommit=250000] [all|store]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
//
// "JS µs/row" is the time the calling thread's event loop was busy (eventLoopUtilization)
// per row written: what a commit costs the pipeline's own thread. "rows/s" is wall-clock
// throughput with the thread otherwise idle; "rows/s, busy loop" with the thread kept busy
// in 10 ms slices, as a replay keeps it, which is where in-thread DuckDB callbacks starve.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { Bar } from '../src/core/index.js';
import { openDuckDbStore, type Store, type StoreWrite } from '../src/store/index.js';
import { packWrite } from '../src/store/packed-write.js';
import { ScanSlots, type ScanColumn, type ScanSource } from '../src/store/scan.js';
import { BARS } from '../src/store/tables.js';
import { report, type Row } from './report.js';
import { makeBars, makeIndicators } from './synthetic-bars.js';

const N = Number(process.argv[2] ?? 1_000_000);
const PER = Number(process.argv[3] ?? 250_000);
/** `store` skips the raw-DuckDB alternatives (slow at millions of rows with a primary key). */
const ONLY_STORE = process.argv[4] === 'store';

/** Busy time of this thread's event loop and wall time around `fn`. */
async function measure(fn: () => Promise<void>): Promise<{ activeMs: number; wallMs: number }> {
  const e0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  return { activeMs: performance.eventLoopUtilization(e0).active, wallMs };
}

/** Keeps this thread busy in 10 ms slices (yielding to the event loop between them) while `fn` runs. */
async function withBusyLoop(fn: () => Promise<void>): Promise<number> {
  let stop = false;
  const spinner = (async () => {
    while (!stop) {
      const until = performance.now() + 10;
      while (performance.now() < until) {
        /* the pipeline's work */
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  stop = true;
  await spinner;
  return ms;
}

const BAR_DDL = `instrument VARCHAR NOT NULL, interval VARCHAR NOT NULL, start BIGINT NOT NULL, "end" BIGINT NOT NULL, open DOUBLE NOT NULL,
  high DOUBLE NOT NULL, low DOUBLE NOT NULL, close DOUBLE NOT NULL, volume DOUBLE NOT NULL, quote_volume DOUBLE NOT NULL, buy_volume DOUBLE NOT NULL,
  sell_volume DOUBLE NOT NULL, trades BIGINT NOT NULL, vwap DOUBLE NOT NULL, first_trade_id BIGINT NOT NULL, last_trade_id BIGINT NOT NULL, revision INTEGER NOT NULL`;
const nums = (b: Bar): number[] => [
  b.start,
  b.end,
  b.open,
  b.high,
  b.low,
  b.close,
  b.volume,
  b.quoteVolume,
  b.buyVolume,
  b.sellVolume,
  b.trades,
  b.vwap,
  b.firstTradeId,
  b.lastTradeId,
  b.revision,
];

interface Approach {
  readonly name: string;
  readonly pk: boolean;
  setup(con: DuckDBConnection): Promise<void>;
  commit(con: DuckDBConnection, bars: readonly Bar[]): Promise<void>;
}

function appendRows(con: DuckDBConnection, table: string, schema: string | null, bars: readonly Bar[]): Promise<void> {
  return con.createAppender(table, null, schema).then((app) => {
    for (const b of bars) {
      app.appendVarchar(b.instrument);
      app.appendVarchar(b.interval);
      app.appendBigInt(BigInt(b.start));
      app.appendBigInt(BigInt(b.end));
      for (const x of [b.open, b.high, b.low, b.close, b.volume, b.quoteVolume, b.buyVolume, b.sellVolume]) app.appendDouble(x);
      app.appendBigInt(BigInt(b.trades));
      app.appendDouble(b.vwap);
      app.appendBigInt(BigInt(b.firstTradeId));
      app.appendBigInt(BigInt(b.lastTradeId));
      app.appendInteger(b.revision);
      app.endRow();
    }
    app.closeSync();
  });
}

async function appendChunks(con: DuckDBConnection, table: string, schema: string | null, bars: readonly Bar[]): Promise<void> {
  const app = await con.createAppender(table, null, schema);
  // DOUBLE vectors for the BIGINT columns: the appender casts, and JS skips making BigInts.
  const types = [VARCHAR, VARCHAR, ...Array.from({ length: 15 }, () => DOUBLE)];
  for (let off = 0; off < bars.length; off += 2048) {
    const n = Math.min(2048, bars.length - off);
    const chunk = DuckDBDataChunk.create(types, n);
    const vecs = types.map((_, j) => chunk.getColumnVector(j));
    for (let i = 0; i < n; i++) {
      const b = bars[off + i];
      if (b === undefined) continue;
      vecs[0]?.setItem(i, b.instrument);
      vecs[1]?.setItem(i, b.interval);
      nums(b).forEach((x, j) => vecs[j + 2]?.setItem(i, x));
    }
    for (const v of vecs) v.flush();
    app.appendDataChunk(chunk);
  }
  app.closeSync();
}

/** The store's own packing (packed-write.ts), named as the scan expects. */
function scanOf(bars: readonly Bar[]): { scan: ScanSource; dict: readonly string[] } {
  const packed = packWrite({ bars, indicators: [], alerts: [], windows: [], late: [], rejects: [], trades: [] });
  const table = packed.tables[0];
  const columns = BARS.columns.map((c, i): ScanColumn => {
    const data = table?.columns[i];
    if (data instanceof Uint32Array) return { name: c.name, kind: 'u32', data };
    if (data instanceof Float64Array) return { name: c.name, kind: 'f64', data };
    throw new Error(`bench: unexpected column ${c.name}`);
  });
  return { scan: { rows: table?.rows ?? 0, columns }, dict: packed.dict };
}

const SCAN_SELECT = `SELECT d1.v, d2.v, s.start::BIGINT, s."end"::BIGINT, s.open, s.high, s.low, s.close, s.volume, s.quote_volume, s.buy_volume, s.sell_volume,
  s.trades::BIGINT, s.vwap, s.first_trade_id::BIGINT, s.last_trade_id::BIGINT, s.revision::INTEGER
  FROM tickflow_scan('bars') s JOIN temp.dict d1 ON d1.i = s.instrument JOIN temp.dict d2 ON d2.i = s.interval`;

function scanApproach(name: string, pk: boolean): Approach {
  const slots = new ScanSlots();
  return {
    name,
    pk,
    async setup(con) {
      slots.register(con);
      await con.run('CREATE TEMP TABLE dict (i UINTEGER, v VARCHAR)');
    },
    async commit(con, bars) {
      const { scan, dict } = scanOf(bars);
      await con.run('DELETE FROM temp.dict');
      const app = await con.createAppender('dict', null, 'temp');
      dict.forEach((v, i) => {
        app.appendUInteger(i);
        app.appendVarchar(v);
        app.endRow();
      });
      app.closeSync();
      slots.set('bars', scan);
      await con.run(`INSERT ${pk ? 'OR REPLACE ' : ''}INTO bars ${SCAN_SELECT}`);
    },
  };
}

const STAGED_UPSERT = 'INSERT OR REPLACE INTO bars SELECT * FROM temp.stage';

const APPROACHES: Approach[] = [
  {
    name: 'Appender row by row → staging → INSERT OR REPLACE (PK)',
    pk: true,
    setup: (con) => con.run(`CREATE TEMP TABLE stage (${BAR_DDL})`).then(() => undefined),
    commit: async (con, bars) => {
      await appendRows(con, 'stage', 'temp', bars);
      await con.run(STAGED_UPSERT);
      await con.run('DELETE FROM temp.stage');
    },
  },
  {
    name: 'Appender data chunks → staging → INSERT OR REPLACE (PK)',
    pk: true,
    setup: (con) => con.run(`CREATE TEMP TABLE stage (${BAR_DDL})`).then(() => undefined),
    commit: async (con, bars) => {
      await appendChunks(con, 'stage', 'temp', bars);
      await con.run(STAGED_UPSERT);
      await con.run('DELETE FROM temp.stage');
    },
  },
  {
    name: 'Appender data chunks → table without PK (append only)',
    pk: false,
    setup: async () => undefined,
    commit: (con, bars) => appendChunks(con, 'bars', null, bars),
  },
  scanApproach('tickflow_scan → INSERT OR REPLACE (PK)', true),
  scanApproach('tickflow_scan → INSERT (no PK; chosen)', false),
];

async function runApproach(a: Approach, batches: readonly Bar[][]): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-bench-'));
  const instance = await DuckDBInstance.create(join(dir, 'b.duckdb'));
  const con = await instance.connect();
  try {
    await con.run(`CREATE TABLE bars (${BAR_DDL}${a.pk ? ', PRIMARY KEY (instrument, interval, start)' : ''})`);
    await a.setup(con);
    const { activeMs, wallMs } = await measure(async () => {
      for (const b of batches) {
        await con.run('BEGIN TRANSACTION');
        await a.commit(con, b);
        await con.run('COMMIT');
      }
    });
    const rows = batches.reduce((n, b) => n + b.length, 0);
    return { approach: a.name, rows, 'rows/s': Math.round((rows / wallMs) * 1000), 'JS µs/row': (activeMs * 1000) / rows };
  } finally {
    con.closeSync();
    instance.closeSync();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runStore(inProcess: boolean, writes: readonly StoreWrite[], busy: boolean): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'tickflow-bench-store-'));
  const store: Store = await openDuckDbStore({ dataDir: dir, inProcess });
  try {
    const rows = writes.reduce((n, w) => n + w.bars.length + w.indicators.length, 0);
    const commitAll = async (): Promise<void> => {
      for (const w of writes) await store.commit(w);
    };
    const label = `DuckDbStore.commit, ${inProcess ? 'in-process' : 'worker thread'}`;
    if (busy) {
      const ms = await withBusyLoop(commitAll);
      return { approach: `${label}, busy loop`, rows, 'rows/s': Math.round((rows / ms) * 1000) };
    }
    const { activeMs, wallMs } = await measure(commitAll);
    // Replaying the same writes again: every key collides (the replace path).
    const again = await measure(commitAll);
    return {
      approach: label,
      rows,
      'rows/s': Math.round((rows / wallMs) * 1000),
      'JS µs/row': (activeMs * 1000) / rows,
      'replace rows/s': Math.round((rows / again.wallMs) * 1000),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const batches: Bar[][] = [];
for (let off = 0; off < N; off += PER) batches.push(makeBars(Math.min(PER, N - off), off));
const writes: StoreWrite[] = batches.map((b) => ({
  bars: b,
  indicators: makeIndicators(b),
  alerts: [],
  windows: [],
  late: [],
  rejects: [],
  trades: [],
}));

const rows: Row[] = [];
for (const a of ONLY_STORE ? [] : APPROACHES) {
  rows.push(await runApproach(a, batches));
  process.stderr.write(`${a.name}: done\n`);
}
for (const inProcess of [false, true]) {
  rows.push(await runStore(inProcess, writes, false));
  rows.push(await runStore(inProcess, writes, true));
  process.stderr.write(`store ${inProcess ? 'in-process' : 'worker'}: done\n`);
}
report(`DuckDB store writes: ${N.toLocaleString('en-US')} 1s bars of 10 instruments, ${PER.toLocaleString('en-US')} per commit`, rows, [
  'approach rows: bars only, raw DuckDB; DuckDbStore rows: bars + the same number of indicator rows, with series stats, dictionary and checkpoint work',
  'JS µs/row: busy time of the calling thread per row (eventLoopUtilization); rows/s, busy loop: that thread kept busy in 10 ms slices',
  'replace rows/s: the same writes committed again, so every key is replaced (delete + insert within the transaction)',
]);
