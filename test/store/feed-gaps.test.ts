// Gap markers of live feeds: stored once per key, read back per instrument by start time, paged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedGap } from '../../src/core/index.js';
import { STORE_KINDS } from './store-kinds.js';

const T0 = Date.UTC(2026, 1, 1);

function gap(i: number, instrument = 'coinbase:BTC-USD'): FeedGap {
  return {
    type: 'gap',
    instrument,
    start: T0 + i * 60_000,
    end: T0 + i * 60_000 + 5_000,
    kind: i % 2 ? 'ids' : 'disconnect',
    missing: i % 2 ? i : -1,
    source: 'coinbase#0',
    time: T0 + i,
  };
}

for (const kind of STORE_KINDS) {
  test(`${kind.name}: feed gaps are stored once, read back by instrument and start time, and paged`, { skip: kind.skip }, async () => {
    const { store, cleanup } = await kind.open();
    try {
      const empty = { bars: [], indicators: [], alerts: [], windows: [], late: [], rejects: [], trades: [] };
      await store.commit({ ...empty, gaps: [gap(0), gap(1), gap(2), gap(0, 'kraken:BTC/USD')] });
      // a replayed write (after a crash) does not double them
      await store.commit({ ...empty, gaps: [gap(1), gap(3)] });
      const all = await store.gaps({ instrument: 'coinbase:BTC-USD', limit: 100 });
      assert.deepEqual(all.items, [gap(0), gap(1), gap(2), gap(3)]);
      const first = await store.gaps({ instrument: 'coinbase:BTC-USD', limit: 2 });
      assert.deepEqual(first.items, [gap(0), gap(1)]);
      const rest = await store.gaps({ instrument: 'coinbase:BTC-USD', limit: 2, cursor: first.nextCursor ?? '' });
      assert.deepEqual(rest.items, [gap(2), gap(3)]);
      const ranged = await store.gaps({ instrument: 'coinbase:BTC-USD', from: T0 + 60_000, to: T0 + 3 * 60_000, limit: 10 });
      assert.deepEqual(ranged.items, [gap(1), gap(2)]);
      assert.deepEqual((await store.gaps({ instrument: 'kraken:BTC/USD', limit: 10 })).items, [gap(0, 'kraken:BTC/USD')]);
    } finally {
      await cleanup();
    }
  });
}
