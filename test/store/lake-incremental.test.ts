import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Bar } from '../../src/core/index.js';
import { openDuckDbStore, type Store } from '../../src/store/index.js';
import { MAX_FILES_PER_PARTITION, compactionPoint } from '../../src/store/lake.js';
import { TABLES, q } from '../../src/store/tables.js';
import { tempDir } from '../helpers.js';
import { BTC, ETH, MIN, SLASH, T0, bar, bars, tradeBatch, write } from './fixtures.js';

/** The BTC 1m bars partition of 2024-03-01, as DuckDB names it. */
const BTC_DAY = join('bars', 'instrument=binance%3ABTCUSDT', 'date=2024-03-01');

let memory: DuckDBConnection | undefined;
async function duck(): Promise<DuckDBConnection> {
  memory ??= await (await DuckDBInstance.create(':memory:')).connect();
  return memory;
}

async function rows(con: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await con.runAndReadAll(sql)).getRowsJS();
}

function files(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.parquet')) : [];
}

/** (instrument, interval, start, close, revision) of every bar in the lake, in key order. */
async function lakeBars(lake: string, glob = '**/*.parquet'): Promise<unknown[][]> {
  return rows(
    await duck(),
    `SELECT instrument, "interval", start, close, revision FROM read_parquet('${join(lake, 'bars', glob)}', hive_partitioning = true)
     ORDER BY instrument, "interval", start`,
  );
}

/** The same from the store. */
async function storeBars(store: Store, series: readonly [string, string][]): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for (const [instrument, interval] of [...series].sort()) {
    const items: Bar[] = (await store.bars({ instrument, interval, limit: 100_000 })).items;
    for (const b of items) out.push([b.instrument, b.interval, BigInt(b.start), b.close, b.revision]);
  }
  return out;
}

/** Runs `fn` on a DuckDB connection to the closed store's file (the lake's bookkeeping). */
async function onFile<T>(dir: string, fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(join(dir, 'tickflow.duckdb'));
  const con = await db.connect();
  try {
    return await fn(con);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

async function lakeSeq(dir: string): Promise<bigint> {
  const r = await onFile(dir, (con) => rows(con, 'SELECT commit_seq FROM lake_state'));
  assert.equal(r.length, 1);
  return r[0]?.[0] as bigint;
}

describe('incremental Parquet lake', () => {
  test('exports add a file per touched partition; the files together hold exactly the stored rows, in time order, without commit_seq', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-inc-');
    const lake = join(dir, 'lake');
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      await store.commit(write({ bars: [...bars(10), ...bars(5, SLASH)] }));
      assert.equal((await store.exportLake()).files, 2, 'the first export of a new store is a full one');
      assert.deepEqual(files(join(lake, BTC_DAY)), ['part-0_0.parquet']);

      // Three more commits, two exports: each adds one file to each partition it touches.
      await store.commit(write({ bars: bars(20).slice(10, 15) }));
      await store.commit(write({ bars: bars(20).slice(15, 20), trades: [tradeBatch(8)] }));
      assert.equal((await store.exportLake()).files, 2);
      await store.commit(write({ bars: [bar(20), ...bars(8, ETH)] }));
      assert.equal((await store.exportLake()).files, 2);
      assert.equal(files(join(lake, BTC_DAY)).length, 3);
      assert.deepEqual(files(join(lake, 'bars', 'instrument=coinbase%3ABTC%2FUSD', 'date=2024-03-01')), ['part-0_0.parquet']);
      assert.equal((await store.exportLake()).files, 0, 'nothing new, nothing written');

      const series: [string, string][] = [
        [BTC, '1m'],
        [ETH, '1m'],
        [SLASH, '1m'],
      ];
      assert.deepEqual(await lakeBars(lake), await storeBars(store, series));
      assert.equal((await lakeBars(lake, `instrument=binance%3ABTCUSDT/**/*.parquet`)).length, 21);
      const con = await duck();
      const glob = `read_parquet('${join(lake, BTC_DAY)}/*.parquet', filename = true, file_row_number = true)`;
      assert.deepEqual(
        await rows(
          con,
          `SELECT count(*)::INT FROM (SELECT start - lag(start) OVER (PARTITION BY filename ORDER BY file_row_number) d FROM ${glob}) WHERE d <= 0`,
        ),
        [[0]],
        'rows are in time order within each file',
      );
      const cols = await rows(
        con,
        `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('${join(lake, BTC_DAY)}/*.parquet', hive_partitioning = false))`,
      );
      const expected = TABLES.find((t) => t.name === 'bars')
        ?.columns.map((c) => c.name)
        .filter((c) => c !== 'instrument');
      assert.deepEqual(
        cols.map((r) => r[0]),
        expected,
        'the files have the table columns, no commit_seq',
      );
      assert.deepEqual(await rows(con, `SELECT count(*)::INT FROM read_parquet('${lake}/trades/**/*.parquet')`), [[8]]);
    } finally {
      await store.close();
      cleanup();
    }
  });

  test('a crash between writing the files and persisting the seq leaves no duplicates: the retry replaces the same files', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-crash-');
    const lake = join(dir, 'lake');
    try {
      let store = await openDuckDbStore({ dataDir: dir });
      await store.commit(write({ bars: bars(10), trades: [tradeBatch(4)] }));
      await store.exportLake();
      await store.close();
      const persisted = await lakeSeq(dir);

      store = await openDuckDbStore({ dataDir: dir });
      await store.commit(write({ bars: bars(20).slice(10), trades: [tradeBatch(4, BTC, 5, T0 + 1000)] }));
      assert.equal((await store.exportLake()).files, 2);
      await store.close();
      const added = `part-${persisted + 1n}_0.parquet`;
      assert.deepEqual(files(join(lake, BTC_DAY)).sort(), ['part-0_0.parquet', added]);
      // The crash: the files are in place, the seq was never stored.
      await onFile(dir, (con) => con.run(`UPDATE lake_state SET commit_seq = ${persisted}`));

      store = await openDuckDbStore({ dataDir: dir });
      try {
        await store.commit(write({ bars: bars(25).slice(20), trades: [tradeBatch(4, BTC, 9, T0 + 2000)] }));
        assert.equal((await store.exportLake()).files, 2);
        assert.deepEqual(files(join(lake, BTC_DAY)).sort(), ['part-0_0.parquet', added], 'the same file name, now with more rows');
        assert.deepEqual(await lakeBars(lake), await storeBars(store, [[BTC, '1m']]));
        assert.equal((await lakeBars(lake)).length, 25);
        const con = await duck();
        assert.deepEqual(
          await rows(con, `SELECT count(*)::INT, count(DISTINCT id)::INT FROM read_parquet('${lake}/trades/**/*.parquet')`),
          [[12, 12]],
        );
      } finally {
        await store.close();
      }
    } finally {
      cleanup();
    }
  });

  test('a partition past its compaction point is rewritten into one file with the same rows', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-compact-');
    const lake = join(dir, 'lake');
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      const point = compactionPoint(BTC_DAY);
      assert.ok(point > MAX_FILES_PER_PARTITION / 2 && point <= MAX_FILES_PER_PARTITION);
      const counts: number[] = [];
      for (let i = 0; i <= point; i++) {
        await store.commit(write({ bars: [bar(i)] }));
        await store.exportLake();
        counts.push(files(join(lake, BTC_DAY)).length);
      }
      // One file per export up to the point; the export that would pass it compacts.
      assert.deepEqual(
        counts,
        Array.from({ length: point + 1 }, (_, i) => (i < point ? i + 1 : 1)),
      );
      assert.deepEqual(files(join(lake, BTC_DAY)), ['part-0_0.parquet']);
      assert.deepEqual(await lakeBars(lake), await storeBars(store, [[BTC, '1m']]));
      assert.equal((await lakeBars(lake)).length, point + 1);
      // And it goes on adding files after the compaction.
      await store.commit(write({ bars: [bar(point + 1)] }));
      await store.exportLake();
      assert.equal(files(join(lake, BTC_DAY)).length, 2);
      assert.equal((await lakeBars(lake)).length, point + 2);
    } finally {
      await store.close();
    }
    assert.deepEqual(
      await onFile(dir, (con) => rows(con, 'SELECT count(*)::INT FROM lake_rewrites')),
      [[0]],
      'the compaction listed its partition until the export was persisted',
    );
    cleanup();
  });

  test("a compaction reads the partition's own files, not the table, and writes the columns an added file has", async () => {
    // Reading the table scanned the day's rows for each export that compacted (with 1,000
    // instruments, most exports): a value changed in the table behind the store's back shows
    // which one the compaction read.
    const { dir, cleanup } = tempDir('tickflow-lake-compact-files-');
    const lake = join(dir, 'lake');
    const point = compactionPoint(BTC_DAY);
    try {
      let store = await openDuckDbStore({ dataDir: dir });
      for (let i = 0; i < point; i++) {
        await store.commit(write({ bars: [bar(i)] }));
        await store.exportLake();
      }
      await store.close();
      assert.equal(files(join(lake, BTC_DAY)).length, point);
      const second = files(join(lake, BTC_DAY)).sort()[1] ?? '';
      const added = await rows(await duck(), `DESCRIBE SELECT * FROM read_parquet('${join(lake, BTC_DAY, second)}')`);
      await onFile(dir, (con) => con.run(`UPDATE bars SET close = -1 WHERE start = ${T0}`));
      store = await openDuckDbStore({ dataDir: dir });
      try {
        await store.commit(write({ bars: [bar(point)] }));
        await store.exportLake();
      } finally {
        await store.close();
      }
      assert.deepEqual(files(join(lake, BTC_DAY)), ['part-0_0.parquet']);
      const lakeRows = await lakeBars(lake);
      assert.equal(lakeRows.length, point + 1);
      assert.deepEqual(lakeRows[0], [BTC, '1m', BigInt(T0), bar(0).close, 0]);
      assert.deepEqual(
        await rows(await duck(), `DESCRIBE SELECT * FROM read_parquet('${join(lake, BTC_DAY, 'part-0_0.parquet')}')`),
        added,
      );
      // in time order without a sort: the files are read in commit order (part-10 after part-9)
      const starts = await rows(await duck(), `SELECT start FROM read_parquet('${join(lake, BTC_DAY, 'part-0_0.parquet')}')`);
      assert.deepEqual(
        starts.map((r) => r[0]),
        Array.from({ length: point + 1 }, (_, i) => BigInt(T0 + i * MIN)),
      );
    } finally {
      cleanup();
    }
  });

  test('revised bars rewrite their partition, so the lake never holds the old version; other partitions only gain files', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-revise-');
    const lake = join(dir, 'lake');
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      await store.commit(write({ bars: [...bars(10), ...bars(10, ETH)] }));
      await store.exportLake();
      await store.commit(write({ bars: [...bars(12).slice(10), ...bars(12, ETH).slice(10)] }));
      await store.exportLake();
      const ethDay = join('bars', 'instrument=binance%3AETHUSDT', 'date=2024-03-01');
      assert.equal(files(join(lake, BTC_DAY)).length, 2);

      // One BTC bar revised, one new ETH bar: BTC's partition is rewritten, ETH's gains a file.
      await store.commit(write({ bars: [{ ...bar(3), close: 1, revision: 1 }, bar(12, ETH)] }));
      assert.equal((await store.exportLake()).files, 2);
      assert.deepEqual(files(join(lake, BTC_DAY)), ['part-0_0.parquet']);
      assert.equal(files(join(lake, ethDay)).length, 3);
      const btc = await lakeBars(lake, 'instrument=binance%3ABTCUSDT/**/*.parquet');
      assert.equal(btc.length, 12);
      assert.deepEqual(
        btc.filter((r) => r[2] === BigInt(T0 + 3 * MIN)),
        [[BTC, '1m', BigInt(T0 + 3 * MIN), 1, 1]],
      );
      assert.deepEqual(
        await lakeBars(lake),
        await storeBars(store, [
          [BTC, '1m'],
          [ETH, '1m'],
        ]),
      );

      // A revision together with new rows of the same partition, and a replay of stored bars
      // with the same values (the replace path finds them): still exactly the stored rows.
      await store.commit(write({ bars: [{ ...bar(5), high: 500, revision: 2 }, bar(12), bar(13), ...bars(13, ETH)] }));
      await store.exportLake();
      assert.deepEqual(
        await lakeBars(lake),
        await storeBars(store, [
          [BTC, '1m'],
          [ETH, '1m'],
        ]),
      );
      assert.equal((await lakeBars(lake)).length, 27);
    } finally {
      await store.close();
      cleanup();
    }
  });

  test('an export over more partitions than one COPY writes is split, and still leaves one file per partition', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-many-');
    const lake = join(dir, 'lake');
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      const instruments = Array.from({ length: 150 }, (_, i) => `sim:I${i}`);
      const series = instruments.map((i): [string, string] => [i, '1m']);
      const dirOf = (i: string): string => join(lake, 'bars', `instrument=${i.replace(':', '%3A')}`, 'date=2024-03-01');
      // Full, incremental, then rewrite (every bar revised): 150 partitions each time.
      await store.commit(write({ bars: instruments.flatMap((i) => bars(2, i)) }));
      assert.equal((await store.exportLake()).files, 150);
      await store.commit(write({ bars: instruments.map((i) => bar(2, i)) }));
      assert.equal((await store.exportLake()).files, 150);
      assert.ok(instruments.every((i) => files(dirOf(i)).length === 2));
      await store.commit(write({ bars: instruments.map((i) => ({ ...bar(1, i), close: 7, revision: 1 })) }));
      assert.equal((await store.exportLake()).files, 150);
      assert.ok(instruments.every((i) => files(dirOf(i)).length === 1));
      const lakeRows = await lakeBars(lake);
      assert.equal(lakeRows.length, 450);
      assert.deepEqual(lakeRows, await storeBars(store, series));
    } finally {
      await store.close();
      cleanup();
    }
  });

  test('commits that land while an export runs go into the next export, once', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-race-');
    const lake = join(dir, 'lake');
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      await store.commit(write({ bars: bars(50) }));
      await store.exportLake();
      const all = bars(400);
      const exports: Promise<unknown>[] = [];
      for (let i = 50; i < 400; i += 50) {
        exports.push(store.exportLake());
        await store.commit(write({ bars: all.slice(i, i + 50) }));
      }
      await Promise.all(exports);
      await store.exportLake();
      const lakeRows = await lakeBars(lake);
      assert.equal(lakeRows.length, 400);
      assert.deepEqual(lakeRows, await storeBars(store, [[BTC, '1m']]));
    } finally {
      await store.close();
      cleanup();
    }
  });

  test('a database from before the incremental lake is migrated, keeps its rows and gets one full export', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-v1-');
    const lake = join(dir, 'lake');
    try {
      // Schema version 1 as tickflow created it, with rows, and a lake from that time.
      await onFile(dir, async (con) => {
        await con.run('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)');
        const later = ['feed_gaps', 'predictions', 'model_metrics', 'model_versions'];
        for (const t of TABLES.filter((x) => !later.includes(x.name)))
          await con.run(`CREATE TABLE ${t.name} (${t.columns.map((c) => `${q(c.name)} ${c.sql}`).join(', ')})`);
        await con.run(
          'CREATE TABLE checkpoints (id VARCHAR PRIMARY KEY, positions VARCHAR NOT NULL, state VARCHAR NOT NULL, updated_at BIGINT NOT NULL)',
        );
        await con.run(`CREATE TABLE series_stats (
          tbl VARCHAR NOT NULL, instrument VARCHAR NOT NULL, sub VARCHAR NOT NULL,
          first_time BIGINT NOT NULL, last_time BIGINT NOT NULL, last_end BIGINT, last_close DOUBLE, "rows" BIGINT NOT NULL,
          PRIMARY KEY (tbl, instrument, sub))`);
        await con.run('INSERT INTO schema_version VALUES (1, 0)');
        const values = bars(3)
          .map(
            (b) =>
              `('${b.instrument}', '1m', ${b.start}, ${b.end}, ${b.open}, ${b.high}, ${b.low}, ${b.close}, ${b.volume}, ${b.quoteVolume}, ` +
              `${b.buyVolume}, ${b.sellVolume}, ${b.trades}, ${b.vwap}, ${b.firstTradeId}, ${b.lastTradeId}, 0)`,
          )
          .join(', ');
        await con.run(`INSERT INTO bars VALUES ${values}`);
        await con.run(`INSERT INTO series_stats VALUES ('bars', '${BTC}', '1m', ${T0}, ${T0 + 2 * MIN}, ${T0 + 3 * MIN}, 102.75, 3)`);
        mkdirSync(lake);
        await con.run(
          `COPY (SELECT * EXCLUDE (instrument), instrument, '2024-03-01' AS date FROM bars) TO '${join(lake, 'bars')}' (FORMAT parquet, PARTITION_BY (instrument, date), FILENAME_PATTERN 'part-{i}')`,
        );
      });
      assert.deepEqual(files(join(lake, BTC_DAY)), ['part-0.parquet']);

      const store = await openDuckDbStore({ dataDir: dir });
      try {
        assert.deepEqual((await store.bars({ instrument: BTC, interval: '1m', limit: 10 })).items, bars(3));
        await store.commit(write({ bars: bars(5).slice(3) }));
        assert.equal((await store.exportLake()).files, 1, 'one full export');
        assert.deepEqual(files(join(lake, BTC_DAY)), ['part-0_0.parquet']);
        await store.commit(write({ bars: [bar(5)] }));
        assert.equal((await store.exportLake()).files, 1);
        assert.equal(files(join(lake, BTC_DAY)).length, 2, 'then incremental');
        assert.deepEqual(await lakeBars(lake), await storeBars(store, [[BTC, '1m']]));
        assert.equal((await lakeBars(lake)).length, 6);
      } finally {
        await store.close();
      }
      assert.deepEqual(await onFile(dir, (con) => rows(con, 'SELECT max(version) FROM schema_version')), [[4]]);
      assert.deepEqual(await onFile(dir, (con) => rows(con, 'SELECT count(*) FROM feed_gaps')), [[0n]], 'version 3 added feed_gaps');
      for (const t of ['predictions', 'model_metrics', 'model_versions'])
        assert.deepEqual(await onFile(dir, (con) => rows(con, `SELECT count(*) FROM ${t}`)), [[0n]], `version 4 added ${t}`);
    } finally {
      cleanup();
    }
  });
});
