// DuckDB keeps every table block it writes or reads cached up to its memory limit. A pipeline
// writes far more than it reads back, so the engine evicts that cache down to `cacheLimit` after
// each lake export and every few seconds (duckdb-engine.ts trimCache).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchFromTrades, epochMs, instrumentId, tradesOf, type TradeBatch } from '../../src/core/index.js';
import { DuckDbEngine, type EngineOptions } from '../../src/store/duckdb-engine.js';
import { packWrite } from '../../src/store/packed-write.js';
import { tempDir, waitFor } from '../helpers.js';
import { T0, engineOptions, write } from './fixtures.js';

const MB = 2 ** 20;
const ROWS = 400_000;

/** Trades whose prices and sizes do not compress away, so the table takes several MB. */
function trades(): TradeBatch {
  let x = 12345;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return batchFromTrades(
    Array.from({ length: ROWS }, (_, i) => ({
      type: 'trade' as const,
      instrument: instrumentId('binance', 'BTCUSDT'),
      id: i + 1,
      timestamp: epochMs(T0 + i * 7),
      localTimestamp: epochMs(T0 + i * 7 + Math.floor(rnd() * 50)),
      price: 60_000 + rnd() * 1000,
      size: rnd() * 3,
      side: (rnd() < 0.5 ? 1 : -1) as 1 | -1,
    })),
  );
}

/** Table blocks DuckDB holds cached after the first (full) lake export of a store with `trades()`. */
async function cachedAfterExport(dir: string, cacheLimit: number): Promise<number> {
  const opts = (lake: string): EngineOptions => engineOptions(dir, { lakeDir: `${dir}/${lake}`, cacheLimit });
  // Written and checkpointed (close) first, so the export reads the table's blocks into the cache.
  const writer = await DuckDbEngine.open(opts('lake0'), () => undefined);
  await writer.commit(packWrite(write({ trades: [trades()] })));
  await writer.close();
  const engine = await DuckDbEngine.open(opts('lake'), () => undefined);
  try {
    await engine.exportLake();
    return (await engine.memory()).get('BASE_TABLE')?.bytes ?? 0;
  } finally {
    await engine.close();
  }
}

test('after a lake export DuckDB keeps at most cacheLimit of table data cached', async () => {
  const a = tempDir('tickflow-trim-');
  const b = tempDir('tickflow-trim-');
  try {
    const untrimmed = await cachedAfterExport(a.dir, 0);
    const trimmed = await cachedAfterExport(b.dir, 1 * MB);
    assert.ok(untrimmed > 4 * MB, `without a limit the export's reads stay cached (${untrimmed} bytes)`);
    assert.ok(trimmed <= 1 * MB, `trimmed to ${trimmed} bytes, more than the 1 MB limit`);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

/** DuckDB's memory for table data (cached blocks and rows committed since the last checkpoint) after a commit of `trades()`. */
async function tableMemoryAfterCommit(dir: string, trimEveryMs: number): Promise<number> {
  const engine = await DuckDbEngine.open(engineOptions(dir, { cacheLimit: MB, trimEveryMs }), () => undefined);
  const tableBytes = async (): Promise<number> => {
    const m = await engine.memory();
    return (m.get('BASE_TABLE')?.bytes ?? 0) + (m.get('IN_MEMORY_TABLE')?.bytes ?? 0);
  };
  try {
    await engine.commit(packWrite(write({ trades: [trades()] })));
    const held = await tableBytes();
    assert.ok(held > 4 * MB, `a commit of ${ROWS} trades holds ${held} bytes`);
    if (trimEveryMs === 0) {
      await new Promise((r) => setTimeout(r, 1000));
      return await tableBytes();
    }
    // no lake export in between: the timer's trim (a checkpoint, then the eviction)
    return await waitFor(
      async () => {
        const n = await tableBytes();
        return n <= 2 * MB ? n + 1 : undefined;
      },
      10_000,
      'the timed trim',
    );
  } finally {
    await engine.close();
  }
}

test('between lake exports the cache is trimmed on a timer, with the rows committed since the last checkpoint', async () => {
  const a = tempDir('tickflow-trim-');
  const b = tempDir('tickflow-trim-');
  try {
    const untimed = await tableMemoryAfterCommit(a.dir, 0);
    assert.ok(untimed > 4 * MB, `without the timer it stays (${untimed} bytes)`);
    await tableMemoryAfterCommit(b.dir, 100);
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test("a lake compaction reads each partition's files once: DuckDB does not keep them cached", async () => {
  const { dir, cleanup } = tempDir('tickflow-trim-');
  const engine = await DuckDbEngine.open(engineOptions(dir), () => undefined);
  try {
    const all = [...tradesOf(trades())];
    // past the partition's compaction point (at most 32 files): an export per slice
    for (let i = 0; i < 34; i++) {
      await engine.commit(packWrite(write({ trades: [batchFromTrades(all.slice(i * 1000, (i + 1) * 1000))] })));
      await engine.exportLake();
    }
    const m = await engine.memory();
    assert.equal(m.get('EXTERNAL_FILE_CACHE')?.bytes ?? 0, 0, JSON.stringify([...m]));
  } finally {
    await engine.close();
    cleanup();
  }
});
