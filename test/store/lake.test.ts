import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { openDuckDbStore } from '../../src/store/index.js';
import { copyCount } from '../../src/store/lake.js';
import { tempDir } from '../helpers.js';
import { BTC, ETH, SLASH, T0, alert, bar, bars, indicatorSet, lateTrade, reject, tradeBatch, windowStats, write } from './fixtures.js';

const DAY = 86_400_000;
/** 1-hour bars over three UTC days. */
const HOUR = 3_600_000;

async function reader(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

async function query(con: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await con.runAndReadAll(sql)).getRowsJS();
}

function parquetFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name));
}

describe('Parquet lake', () => {
  test('files use the configured codec: snappy by default, zstd when asked', async () => {
    for (const [setting, want] of [
      [undefined, 'SNAPPY'],
      ['zstd', 'ZSTD'],
    ] as const) {
      const { dir, cleanup } = tempDir('tickflow-lake-codec-');
      const store = await openDuckDbStore({ dataDir: dir, ...(setting ? { lakeCompression: setting } : {}) });
      try {
        await store.commit(write({ bars: bars(3, BTC), indicators: [indicatorSet(0)] }));
        await store.exportLake();
        const con = await reader();
        for (const f of parquetFiles(join(dir, 'lake'))) {
          const codecs = await query(con, `SELECT DISTINCT compression FROM parquet_metadata('${f}')`);
          assert.deepEqual(codecs, [[want]], f);
        }
      } finally {
        await store.close();
        cleanup();
      }
    }
  });

  test('hive partitions by instrument and date, read back intact, no duplicates after re-exports', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake-');
    const lake = join(dir, 'lake');
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      const hourly = (inst: string): ReturnType<typeof bars> => bars(72, inst, '1h', HOUR);
      await store.commit(
        write({
          bars: [...hourly(BTC), ...hourly(SLASH), ...bars(3, ETH)],
          indicators: [indicatorSet(0), indicatorSet(5)],
          alerts: [alert(1), alert(2, SLASH, 'price_gap', 'info')],
          windows: [windowStats(0), windowStats(1)],
          late: [lateTrade(0), lateTrade(1, -1)],
          rejects: [reject(0), reject(1)],
          trades: [tradeBatch(10)],
        }),
      );
      const first = await store.exportLake();
      assert.equal(first.dir, lake);
      // bars: BTC and SLASH over 3 days + ETH on 1 day; one file each.
      const barDirs = readdirSync(join(lake, 'bars'));
      assert.deepEqual(barDirs.sort(), ['instrument=binance%3ABTCUSDT', 'instrument=binance%3AETHUSDT', 'instrument=coinbase%3ABTC%2FUSD']);
      assert.deepEqual(readdirSync(join(lake, 'bars', 'instrument=binance%3ABTCUSDT')).sort(), [
        'date=2024-03-01',
        'date=2024-03-02',
        'date=2024-03-03',
      ]);
      assert.deepEqual(readdirSync(join(lake, 'rejects')), ['date=2024-03-01']);
      for (const t of ['indicators', 'alerts', 'windows', 'late_trades', 'trades']) assert.ok(parquetFiles(join(lake, t)).length > 0, t);
      assert.equal(first.files, parquetFiles(lake).length);

      const con = await reader();
      const glob = (t: string): string => `read_parquet('${join(lake, t)}/**/*.parquet', hive_partitioning = true)`;
      const countBars = async (): Promise<unknown[][]> =>
        query(
          con,
          `SELECT instrument, count(*)::INT, count(DISTINCT start)::INT, min(date)::VARCHAR, max(date)::VARCHAR FROM ${glob('bars')} GROUP BY instrument ORDER BY instrument`,
        );
      const expected = [
        [BTC, 72, 72, '2024-03-01', '2024-03-03'],
        [ETH, 3, 3, '2024-03-01', '2024-03-01'],
        [SLASH, 72, 72, '2024-03-01', '2024-03-03'],
      ];
      assert.deepEqual(await countBars(), expected);
      const [row] = await query(
        con,
        `SELECT open, close, revision, "end" - start FROM ${glob('bars')} WHERE instrument = '${SLASH}' AND start = ${T0 + 5 * HOUR}`,
      );
      assert.deepEqual(row, [105, 105.75, 0, BigInt(HOUR)]);
      assert.deepEqual(await query(con, `SELECT count(*)::INT FROM ${glob('rejects')}`), [[2]]);
      assert.deepEqual(await query(con, `SELECT instrument, kind FROM ${glob('alerts')} ORDER BY instrument`), [
        [BTC, 'return_zscore'],
        [SLASH, 'price_gap'],
      ]);

      // Nothing changed: nothing rewritten, nothing doubled.
      assert.equal((await store.exportLake()).files, 0);
      assert.deepEqual(await countBars(), expected);

      // A commit touching one partition: only it is rewritten, and the new values show.
      const filesBefore = parquetFiles(lake).length;
      await store.commit(write({ bars: [{ ...bar(30, BTC, '1h', HOUR), close: 1, revision: 1 }] }));
      const third = await store.exportLake();
      assert.equal(third.files, 1);
      assert.equal(parquetFiles(lake).length, filesBefore);
      assert.deepEqual(await countBars(), expected);
      assert.deepEqual(
        await query(con, `SELECT close, revision FROM ${glob('bars')} WHERE instrument = '${BTC}' AND start = ${T0 + 30 * HOUR}`),
        [[1, 1]],
      );

      // New data on a new day adds a partition.
      await store.commit(
        write({ bars: [bar(0, BTC, '1h', HOUR), { ...bar(0, BTC, '1h', HOUR), start: T0 + 3 * DAY, end: T0 + 3 * DAY + HOUR }] }),
      );
      assert.equal((await store.exportLake()).files, 2);
      assert.deepEqual(await query(con, `SELECT count(*)::INT FROM ${glob('bars')} WHERE instrument = '${BTC}'`), [[73]]);
      assert.deepEqual(
        readdirSync(lake),
        ['alerts', 'bars', 'indicators', 'late_trades', 'rejects', 'trades', 'windows'],
        'no staging left behind',
      );
    } finally {
      await store.close();
    }

    // Reopened on the existing file: the lake is already complete, so nothing is rewritten.
    const before = parquetFiles(lake).sort();
    const again = await openDuckDbStore({ dataDir: dir });
    try {
      assert.equal((await again.exportLake()).files, 0);
      assert.deepEqual(parquetFiles(lake).sort(), before);
      const con = await reader();
      assert.deepEqual(
        await query(
          con,
          `SELECT count(*)::INT, count(DISTINCT (instrument, start))::INT FROM read_parquet('${lake}/bars/**/*.parquet', hive_partitioning = true)`,
        ),
        [[148, 148]],
      );
    } finally {
      await again.close();
      cleanup();
    }
  });

  test('lakeDir can live outside the data dir; a read-only store exports too', async () => {
    const { dir, cleanup } = tempDir('tickflow-lake2-');
    try {
      const s = await openDuckDbStore({ dataDir: join(dir, 'data'), lakeDir: join(dir, 'elsewhere') });
      await s.commit(write({ bars: bars(3) }));
      await s.close();
      const ro = await openDuckDbStore({ dataDir: join(dir, 'data'), lakeDir: join(dir, 'elsewhere'), readOnly: true });
      const r = await ro.exportLake();
      await ro.close();
      assert.equal(r.files, 1);
      assert.equal(r.dir, join(dir, 'elsewhere'));
    } finally {
      cleanup();
    }
  });
});

test("an export's COPYs: 8 partitions each while their scans stay cheap, up to 32 each over many rows", () => {
  // tickflow run, 1,000 instruments: a minute of trades, a minute of 1s bars.
  assert.equal(copyCount(1000, 460_000), 108);
  assert.equal(copyCount(1000, 60_000), 125);
  // A replay's export every 10 s: millions of rows over hundreds of date partitions.
  assert.equal(copyCount(720, 2_400_000), 23);
  // A compaction (rows not counted), a small export.
  assert.equal(copyCount(1000, undefined), 32);
  assert.equal(copyCount(5, 100), 1);
  assert.equal(copyCount(0, 0), 1);
});
