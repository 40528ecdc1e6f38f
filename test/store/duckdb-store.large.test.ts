import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Bar } from '../../src/core/index.js';
import { openDuckDbStore } from '../../src/store/index.js';
import { tempDir } from '../helpers.js';
import { T0, write } from './fixtures.js';

// Size, not speed: no timing asserts (bench/store.bench.ts measures throughput).
test('a 1M-bar commit is stored whole and reads back at both ends', async () => {
  const N = 1_000_000;
  const instruments = ['binance:BTCUSDT', 'binance:ETHUSDT', 'binance:SOLUSDT', 'binance:LTCUSDT'];
  const bars: Bar[] = Array.from({ length: N }, (_, k) => {
    const start = T0 + Math.floor(k / instruments.length) * 1000;
    return {
      type: 'bar',
      instrument: instruments[k % instruments.length] ?? '',
      interval: '1s',
      start,
      end: start + 1000,
      open: 100,
      high: 101,
      low: 99,
      close: 100 + (k % 100) / 100,
      volume: 1,
      quoteVolume: 100,
      buyVolume: 0.5,
      sellVolume: 0.5,
      trades: 3,
      vwap: 100,
      firstTradeId: 3 * k,
      lastTradeId: 3 * k + 2,
      final: true,
      revision: 0,
    };
  });
  const { dir, cleanup } = tempDir('tickflow-large-');
  const store = await openDuckDbStore({ dataDir: dir });
  try {
    await store.commit(write({ bars, checkpoint: { id: 'big', positions: '{}', state: '{}', updatedAt: 1 } }));
    assert.equal((await store.counts()).bars, N);
    const summary = await store.instruments();
    assert.deepEqual(
      summary.map((s) => s.bars),
      [N / 4, N / 4, N / 4, N / 4],
    );
    const last = bars[N - 1];
    assert.deepEqual(await store.latestBar(last?.instrument ?? '', '1s'), last);
    const first = await store.bars({ instrument: 'binance:BTCUSDT', interval: '1s', limit: 3 });
    assert.deepEqual(first.items, [bars[0], bars[4], bars[8]]);
    // The same million again is a full replace (every key collides), still one row per key.
    await store.commit(write({ bars }));
    assert.equal((await store.counts()).bars, N);
    assert.equal((await store.instruments())[0]?.bars, N / 4);
  } finally {
    await store.close();
    cleanup();
  }
});
