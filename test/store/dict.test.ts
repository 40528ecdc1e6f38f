// A long-running pipeline commits every second or so, each commit with its own string
// dictionary (instrument ids, intervals, ...). DuckDB never reclaims deleted rows of a temporary
// table, so emptying one dictionary table per commit made DuckDB's memory grow with every
// commit, until its pool ran out (a 1,000-instrument run at 64 MB, after ~18 minutes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDbEngine } from '../../src/store/duckdb-engine.js';
import { packWrite } from '../../src/store/packed-write.js';
import { tempDir } from '../helpers.js';
import { bar, engineOptions, write } from './fixtures.js';

const COMMITS = 150;
const INSTRUMENTS = 1_000;

test("commits' string dictionaries do not accumulate in DuckDB's memory", async () => {
  const { dir, cleanup } = tempDir('tickflow-dict-');
  const engine = await DuckDbEngine.open(engineOptions(dir, { memoryLimit: '512MB' }), () => undefined);
  try {
    const inMemory = async (): Promise<number> => {
      const m = await engine.memory();
      return (m.get('IN_MEMORY_TABLE')?.bytes ?? 0) + (m.get('IN_MEMORY_TABLE')?.tempBytes ?? 0);
    };
    let first = 0;
    for (let c = 0; c < COMMITS; c++) {
      // A new dictionary every commit: ids no commit used before.
      const bars = Array.from({ length: INSTRUMENTS }, (_, k) => bar(c, `sim:I${c}-${k}-${'x'.repeat(500)}`));
      await engine.commit(packWrite(write({ bars })));
      if (c === 9) first = await inMemory();
    }
    const last = await inMemory();
    // Appended rows are in memory too until DuckDB checkpoints them (the long ids make it do
    // so every few dozen commits): +6 MB here. With the leak, +80 MB (each commit's dictionary).
    assert.ok(last - first < 24 * 2 ** 20, `DuckDB's in-memory tables grew from ${first} to ${last} bytes over ${COMMITS - 10} commits`);
  } finally {
    await engine.close();
    cleanup();
  }
});
