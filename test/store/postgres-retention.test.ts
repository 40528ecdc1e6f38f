// PostgreSQL retention: rows older than a table's age are deleted in the background, and the
// series summary (instrument list, counts) follows. Needs DATABASE_URL (store-kinds.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { tempDir, waitFor } from '../helpers.js';
import { BTC, ETH, MIN, T0, bars, tradeBatch, write } from './fixtures.js';
import { freshPgSchema, NO_POSTGRES } from './store-kinds.js';

test('retention deletes bars and trades past their age and keeps the instrument list and counts true', { skip: NO_POSTGRES }, async (t) => {
  const { url, drop } = await freshPgSchema('retention');
  t.after(drop);
  // Ages that put the cutoff 30 s before the 10th one-minute bar of the fixtures (which start in
  // 2024): the cutoff moves with the clock, and the test has 30 s before bar 10 is due too.
  const age = Date.now() - (T0 + 10 * MIN - 30_000);
  const store = await openPostgresStore({ url, retention: { bars: age, trades: age }, retentionEveryMs: 100 });
  t.after(() => store.close());
  // 30 BTC bars (20 stay), 5 ETH bars (all go), 300 trades 250 ms apart (the first 75 s go).
  await store.commit(write({ bars: [...bars(30), ...bars(5, ETH)], trades: [tradeBatch(300)] }));
  await waitFor(async () => (await store.counts()).bars === 20, 20_000, 'old bars deleted');
  const list = await store.instruments();
  assert.deepEqual(
    list.map((s) => [s.instrument, s.bars, s.firstTime]),
    [[BTC, 20, T0 + 10 * MIN]],
    'ETH has nothing left and leaves the list; BTC starts at its oldest remaining bar',
  );
  const kept = (await store.bars({ instrument: BTC, interval: '1m', limit: 100 })).items;
  assert.equal(kept.length, 20);
  assert.equal(kept[0]?.start, T0 + 10 * MIN);
  // Trades: 250 ms apart from T0, the cutoff at T0 + 10 min is past all 300 (75 s): all gone.
  await waitFor(async () => (await store.counts()).trades === 0, 20_000, 'old trades deleted');
});

test('--retention is refused with the embedded store, which keeps everything', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(openStore({ store: 'duckdb', dataDir: dir, retention: { trades: 86_400_000 } }), {
      code: 'CONFIG_INVALID',
      message: /--retention applies to the PostgreSQL store/,
    });
  } finally {
    cleanup();
  }
});
