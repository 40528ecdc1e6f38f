// The server deployment of deploy/docker-compose.yml, as OS processes: `tickflow ingest` → Kafka →
// two `tickflow process` → `tickflow serve --store postgres://…`, plus a second, read-only `serve`
// on the same database (an API replica, which the embedded DuckDB file cannot have). The API
// answers from PostgreSQL while data flows, and once drained the stored bars equal the embedded
// pipeline's for the same input. Needs a broker and DATABASE_URL; skipped with the reason without
// them, a failure under REQUIRE_KAFKA=1 / REQUIRE_POSTGRES=1.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { ROOT, tempDir, waitFor } from '../helpers.js';
import { cli, query, replayFiles } from '../cli/e2e-helpers.js';
import { freshPgSchema, NO_POSTGRES } from '../store/store-kinds.js';
import { deleteTopicsWithPrefix, findKafka, uniquePrefix, type KafkaTarget } from './broker.js';

const fixtures = tempDir('tickflow-split-pg-');
after(() => fixtures.cleanup());

/** Four hours of real 1-minute klines under their own file name (which names the instrument). */
function klineHead(file: string, minutes: number): string {
  const out = join(fixtures.dir, 'klines', basename(file));
  mkdirSync(join(fixtures.dir, 'klines'), { recursive: true });
  const lines = readFileSync(file, 'utf8').split('\n');
  writeFileSync(out, `${lines.slice(0, minutes + 1).join('\n')}\n`);
  return out;
}

const KLINES = klineHead(join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv'), 240);
const TRADES = join(ROOT, 'samples', 'binance-spot_BTCUSDT_trades_2024-08-08T2354.from-ws.csv');
const FILES = [KLINES, TRADES];

const BARS_SQL = `SELECT instrument, "interval", start, "end", open, high, low, close, volume, quote_volume, buy_volume, sell_volume, trades, vwap, first_trade_id, last_trade_id
  FROM bars ORDER BY instrument, "interval", start`;

const target = await findKafka();
const skip = typeof target === 'string' ? target : NO_POSTGRES;

/** BIGINT as number on both sides, so DuckDB's and PostgreSQL's rows compare. */
const plain = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));

async function pgRows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  u.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: u.toString(), options: `-c search_path=${schema}` });
  await c.connect();
  try {
    const r = await c.query<Record<string, unknown>>({ text: sql, types: { getTypeParser: pgParser } });
    return plain(r.rows);
  } finally {
    await c.end();
  }
}

const pgParser = ((oid: number, format?: string) =>
  oid === pg.types.builtins.INT8
    ? (v: string) => Number(v)
    : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser;

/** Starts a tickflow command; resolves with its API URL once it prints one (serve), or at once. */
function start(args: string[], children: ChildProcess[], env: Record<string, string>): { child: ChildProcess; url: Promise<string> } {
  const child = cli(args, env);
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /API\s+(http:\/\/\S+)\/api/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`tickflow ${args[0]} exited (${code}) before serving:\n${err.slice(-2000)}`)));
  });
  url.catch(() => undefined);
  return { child, url };
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  assert.equal(r.status, 200, `${url}: ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as T;
}

interface Stats {
  consumerLag?: { group: string; topic: string; lag: number }[];
}

/** Bars stored, as the API's instrument list tells it (PostgreSQL's series summary). */
async function storedBars(api: string): Promise<number> {
  const r = await getJson<{ instruments: { bars: number }[] }>(`${api}/api/instruments`);
  return r.instruments.reduce((n, i) => n + i.bars, 0);
}

test(
  'ingest → Kafka → 2 × process → serve on PostgreSQL: the API answers from PostgreSQL while data flows, a read-only replica too, and the stored bars equal the embedded run',
  { skip, timeout: 400_000 },
  async (t) => {
    const k = target as KafkaTarget;
    const prefix = uniquePrefix();
    const log = `kafka://${k.brokers.join(',')}?prefix=${prefix}`;
    t.after(() => deleteTopicsWithPrefix(k, prefix));
    const { url: storeUrl, drop } = await freshPgSchema('split');
    t.after(drop);
    const embedded = tempDir();
    t.after(() => embedded.cleanup());
    const dataDir = tempDir();
    t.after(() => dataDir.cleanup());
    const children: ChildProcess[] = [];
    t.after(() => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    });

    // The embedded pipeline's bars for the same input: the oracle.
    await replayFiles(FILES, embedded.dir);
    const want = plain(await query(embedded.dir, BARS_SQL));
    assert.ok(want.length > 500);

    // The password travels in the environment, as docs/OPERATIONS.md advises, never in argv.
    const env = { TICKFLOW_STORE: storeUrl };
    const common = ['--log', log, '--partitions', '4', '--log-level', 'warn'];
    const serve = start(['serve', ...common, '--port', '0', '--data-dir', dataDir.dir, '--checkpoint-interval', '200ms'], children, env);
    const api = await serve.url;
    for (let i = 0; i < 2; i++) start(['process', ...common, '--checkpoint-interval', '200ms'], children, {});
    // Paced so the API is queried mid-stream: 4 h of klines at 720x is about 20 s of ingest.
    const ingest = start(['ingest', ...common, '--source', 'replay', '--replay', FILES.join(','), '--pace', '720'], children, {});
    const ingestDone = new Promise<number | null>((r) => ingest.child.on('exit', r));

    // While data flows: bars appear in PostgreSQL and the API serves them, the count growing.
    // The trades file's seconds bars may be all there is at first: wait for the klines' own.
    const ltc = 'binance:LTCUSDT';
    const first = await waitFor(
      async () => {
        const n = await storedBars(api);
        return n > 50 ? n : undefined;
      },
      120_000,
      'the first bars in PostgreSQL',
    );
    const page = await waitFor(
      async () => {
        const p = await getJson<{ bars: { start: number }[] }>(`${api}/api/bars?instrument=${ltc}&interval=1m&limit=5`);
        return p.bars.length > 0 ? p : undefined;
      },
      60_000,
      `${ltc} 1m bars served from PostgreSQL mid-stream`,
    );
    assert.ok(page.bars.length > 0, 'bars served from PostgreSQL mid-stream');
    assert.equal(ingest.child.exitCode, null, 'still ingesting when the API answered');

    // A second API on the same database, read-only, answering while the first one writes.
    const replica = start(['serve', '--port', '0', '--data-dir', dataDir.dir, '--log-level', 'warn'], children, env);
    const replicaApi = await replica.url;
    const instruments = await getJson<{ instruments: { instrument: string }[] }>(`${replicaApi}/api/instruments`);
    assert.ok(instruments.instruments.some((i) => i.instrument === ltc));
    const later = await waitFor(
      async () => {
        const n = await storedBars(replicaApi);
        return n > first ? n : undefined;
      },
      120_000,
      'the replica sees the count grow',
    );
    assert.ok(later > first);

    assert.equal(await ingestDone, 0, 'ingest finished its replay');
    await waitFor(
      async () => {
        const rows = ((await getJson<Stats>(`${api}/api/stats`)).consumerLag ?? []).filter(
          (r) => r.group === 'process' && r.topic === 'trades',
        );
        return rows.length === 4 && rows.every((r) => r.lag === 0);
      },
      120_000,
      "the process group's lag reaches 0",
    );
    // serve's own sink drains the output topics; the bars then stop changing.
    let last = '';
    await waitFor(
      async () => {
        const now = JSON.stringify(await pgRows(storeUrl, 'SELECT count(*) AS n, sum(revision) AS r FROM bars'));
        const same = now === last && now !== '';
        last = now;
        const got = await pgRows(storeUrl, BARS_SQL);
        return same && got.length === want.length;
      },
      120_000,
      'every bar stored',
    );
    assert.deepEqual(await pgRows(storeUrl, BARS_SQL), want);
    // Both APIs report the same, from the series summary (their instrument lists are cached for
    // a second and refreshed behind the request, so the first answer after a pause may be older).
    for (const a of [api, replicaApi]) await waitFor(async () => (await storedBars(a)) === want.length, 10_000, `${a} counts every bar`);
  },
);
