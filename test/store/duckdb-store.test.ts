import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TickflowError, type Bar } from '../../src/core/index.js';
import { openDuckDbStore, type Store, type StoreWrite } from '../../src/store/index.js';
import { sizeBytes } from '../../src/store/duckdb-store.js';
import { packWrite } from '../../src/store/packed-write.js';
import { tempDir } from '../helpers.js';
import { STORE_KINDS, type StoreKind } from './store-kinds.js';
import {
  BTC,
  ETH,
  MIN,
  T0,
  alert,
  bar,
  bars,
  byJson,
  indicatorSet,
  lateTrade,
  reject,
  tradeBatch,
  windowStats,
  write,
} from './fixtures.js';

async function withStore<T>(fn: (store: Store, dir: string) => Promise<T>, inProcess = false): Promise<T> {
  const { dir, cleanup } = tempDir('tickflow-store-');
  const store = await openDuckDbStore({ dataDir: dir, inProcess });
  try {
    return await fn(store, dir);
  } finally {
    await store.close();
    cleanup();
  }
}

async function withKind<T>(kind: StoreKind, fn: (store: Store) => Promise<T>): Promise<T> {
  const { store, cleanup } = await kind.open();
  try {
    return await fn(store);
  } finally {
    await cleanup();
  }
}

async function allBars(store: Store, instrument = BTC, interval = '1m'): Promise<Bar[]> {
  return (await store.bars({ instrument, interval, limit: 100_000 })).items;
}

/** Everything a store shows, for comparing two states. */
async function snapshot(store: Store): Promise<unknown> {
  const page = { limit: 100_000 };
  return {
    counts: await store.counts(),
    instruments: await store.instruments(),
    btc: await allBars(store),
    eth: await allBars(store, ETH),
    indicators: (await store.indicators({ instrument: BTC, interval: '1m', ...page })).items,
    alerts: (await store.alerts(page)).items,
    windows: (await store.windows({ instrument: BTC, ...page })).items,
    late: (await store.late({ instrument: BTC, ...page })).items,
    rejects: (await store.rejects(page)).items,
    cp: await store.loadCheckpoint('cp'),
  };
}

function fullWrite(n: number): StoreWrite {
  return write({
    bars: [...bars(n), ...bars(n, ETH)],
    indicators: Array.from({ length: n }, (_, i) => indicatorSet(i)),
    alerts: [alert(1), alert(2, BTC, 'volume_spike', 'critical'), alert(2, ETH, 'price_gap', 'info')],
    windows: Array.from({ length: 4 }, (_, i) => windowStats(i)),
    late: [lateTrade(0), lateTrade(1), lateTrade(2, -1)],
    rejects: [reject(0), reject(1, 'MALFORMED')],
    trades: [tradeBatch(50), tradeBatch(20, ETH)],
    checkpoint: { id: 'cp', positions: '{"trades.csv":120}', state: '{"bars":{}}', updatedAt: T0 + 99 },
  });
}

for (const kind of STORE_KINDS) {
  // The Store contract: every implementation must pass these the same way.
  describe(`Store contract: ${kind.name}`, { skip: kind.skip }, () => {
    const withStore = <T>(fn: (store: Store) => Promise<T>): Promise<T> => withKind(kind, fn);

    test('round-trips every record kind in core shapes', async () => {
      await withStore(async (store) => {
        const w = fullWrite(10);
        await store.commit(w);
        assert.deepEqual(await allBars(store), bars(10));
        assert.deepEqual(await allBars(store, ETH), bars(10, ETH));
        const ind = await store.indicators({ instrument: BTC, interval: '1m', limit: 100 });
        assert.deepEqual(ind.items, w.indicators);
        assert.equal(ind.items[0]?.sma, null, 'a missing indicator value reads back as null');
        const alerts = await store.alerts({ limit: 100 });
        assert.deepEqual([...alerts.items].sort(byJson), [...w.alerts].sort(byJson));
        assert.deepEqual((await store.windows({ instrument: BTC, limit: 100 })).items, w.windows);
        assert.deepEqual((await store.late({ instrument: BTC, limit: 100 })).items, w.late);
        assert.deepEqual([...(await store.rejects({ limit: 100 })).items].sort(byJson), [...w.rejects].sort(byJson));
        assert.deepEqual(await store.loadCheckpoint('cp'), w.checkpoint);
        assert.deepEqual(await store.counts(), { bars: 20, indicators: 10, alerts: 3, windows: 4, late: 3, rejects: 2, trades: 70 });
        const latest = await store.latestBar(BTC, '1m');
        assert.deepEqual(latest, bar(9));
        assert.equal(typeof latest?.start, 'number');
        assert.equal(await store.latestBar(BTC, '5m'), undefined);
      });
    });

    test('instruments() summarizes bars per instrument', async () => {
      await withStore(async (store) => {
        await store.commit(write({ bars: [...bars(5), ...bars(3, BTC, '5m', 5 * MIN), ...bars(2, ETH)] }));
        assert.deepEqual(await store.instruments(), [
          { instrument: BTC, intervals: ['1m', '5m'], firstTime: T0, lastTime: T0 + 2 * 5 * MIN, bars: 8, lastClose: bar(2).close },
          { instrument: ETH, intervals: ['1m'], firstTime: T0, lastTime: T0 + MIN, bars: 2, lastClose: bar(1).close },
        ]);
        // A revision of an existing bar changes the close, not the count.
        await store.commit(write({ bars: [{ ...bar(1, ETH), close: 7, revision: 1 }] }));
        const eth = (await store.instruments()).find((s) => s.instrument === ETH);
        assert.deepEqual(eth, { instrument: ETH, intervals: ['1m'], firstTime: T0, lastTime: T0 + MIN, bars: 2, lastClose: 7 });
      });
    });

    test('committing the same write twice leaves the same contents', async () => {
      await withStore(async (store) => {
        const w = fullWrite(30);
        await store.commit(w);
        const once = await snapshot(store);
        await store.commit(w);
        assert.deepEqual(await snapshot(store), once);
        // Replaying an overlapping tail (crash after commit, before the offsets moved) is harmless too.
        await store.commit(
          write({
            bars: bars(30).slice(20),
            trades: [tradeBatch(50)],
            late: [lateTrade(2, -1)],
            rejects: [reject(1, 'MALFORMED', T0 + 5000)],
          }),
        );
        assert.deepEqual(await snapshot(store), once);
      });
    });

    test('a revised bar replaces the stored one; within a write the last occurrence wins', async () => {
      await withStore(async (store) => {
        await store.commit(write({ bars: bars(5) }));
        const r1 = { ...bar(2), close: 1, revision: 1 };
        const r2 = { ...bar(2), close: 2, revision: 2 };
        await store.commit(write({ bars: [r1, bar(5), r2] }));
        const got = await allBars(store);
        assert.equal(got.length, 6);
        assert.deepEqual(got[2], r2);
        assert.equal((await store.counts()).bars, 6);
        assert.equal((await store.instruments())[0]?.bars, 6);
      });
    });

    test('interim bars are never stored', async () => {
      await withStore(async (store) => {
        await store.commit(write({ bars: [bar(0), { ...bar(1), final: false }] }));
        assert.deepEqual(await allBars(store), [bar(0)]);
      });
    });

    test('late trades and raw trades are not doubled by a replay, with or without venue ids', async () => {
      await withStore(async (store) => {
        const noId = lateTrade(3, -1);
        await store.commit(write({ late: [lateTrade(1), noId] }));
        await store.commit(write({ late: [lateTrade(1), noId, { ...noId, price: noId.price + 1 }] }));
        assert.equal((await store.counts()).late, 3, 'a no-id late trade is identified by its content');
        const t = tradeBatch(10);
        t.id.fill(-1, 0, t.length);
        await store.commit(write({ trades: [t] }));
        await store.commit(write({ trades: [t, tradeBatch(10, BTC, 1)] }));
        assert.equal((await store.counts()).trades, 20);
      });
    });

    test('rejects keyed by (source, position, reason) are not doubled by a re-run', async () => {
      await withStore(async (store) => {
        await store.commit(write({ rejects: [reject(0), reject(1)] }));
        await store.commit(write({ rejects: [reject(0, 'BAD_PRICE', T0 + 999), reject(1, 'MALFORMED')] }));
        const got = (await store.rejects({ limit: 10 })).items;
        assert.equal(got.length, 3);
        assert.deepEqual(
          got.find((r) => r.position === '10'),
          reject(0),
          'the first record of a key stays',
        );
        assert.deepEqual((await store.rejects({ reason: 'MALFORMED', limit: 10 })).items, [reject(1, 'MALFORMED')]);
      });
    });

    test('a failing write stores nothing, not even its checkpoint, and the store stays usable', async () => {
      await withStore(async (store) => {
        await store.commit(write({ bars: bars(3), checkpoint: { id: 'cp', positions: '1', state: 's1', updatedAt: 1 } }));
        const before = await snapshot(store);
        const bad: StoreWrite[] = [
          // NaN in a NOT NULL column, after rows that are fine (and a fresh instrument's bars).
          write({
            bars: [...bars(10, ETH), bar(3), { ...bar(4), close: NaN }],
            indicators: [indicatorSet(3)],
            checkpoint: { id: 'cp', positions: '2', state: 's2', updatedAt: 2 },
          }),
          // A CHECK violation in a table written after bars and indicators.
          write({
            bars: [bar(3)],
            indicators: [indicatorSet(3)],
            windows: [windowStats(0)],
            alerts: [alert(0)],
            late: [{ ...lateTrade(0), size: NaN }],
            checkpoint: { id: 'cp', positions: '3', state: 's3', updatedAt: 3 },
          }),
          write({ bars: [{ ...bar(3), revision: -1 }], checkpoint: { id: 'cp2', positions: '4', state: 's4', updatedAt: 4 } }),
        ];
        for (const w of bad) {
          await assert.rejects(
            store.commit(w),
            (e: unknown) => e instanceof TickflowError && e.code === 'STORE' && e.canRetry && e.cause !== undefined,
          );
          assert.deepEqual(await snapshot(store), before);
          assert.equal(await store.loadCheckpoint('cp2'), undefined);
        }
        await store.commit(write({ bars: [bar(3)], checkpoint: { id: 'cp', positions: '5', state: 's5', updatedAt: 5 } }));
        assert.deepEqual(await allBars(store), bars(4));
        assert.equal((await store.loadCheckpoint('cp'))?.positions, '5');
        assert.equal((await store.instruments())[0]?.bars, 4);
      });
    });

    test('checkpoints load, replace and delete', async () => {
      await withStore(async (store) => {
        assert.equal(await store.loadCheckpoint('replay:x'), undefined);
        await store.commit(write({ checkpoint: { id: 'replay:x', positions: '{"a":1}', state: '{}', updatedAt: 10 } }));
        const state = JSON.stringify({ big: 'x'.repeat(100_000) });
        await store.commit(write({ checkpoint: { id: 'replay:x', positions: '{"a":2}', state, updatedAt: 20 } }));
        const cp = await store.loadCheckpoint('replay:x');
        assert.equal(cp?.positions, '{"a":2}');
        assert.equal(cp?.state, state);
        assert.equal(cp?.updatedAt, 20);
        await store.deleteCheckpoint('replay:x');
        assert.equal(await store.loadCheckpoint('replay:x'), undefined);
        await store.deleteCheckpoint('replay:x');
      });
    });

    test('methods fail with STORE after close', async () => {
      const { store, cleanup } = await kind.open();
      await store.close();
      await store.close();
      await assert.rejects(store.counts(), { code: 'STORE' });
      await cleanup();
    });
  });
}

describe('DuckDbStore', () => {
  test('in-process mode behaves the same', async () => {
    await withStore(async (store) => {
      const w = fullWrite(12);
      await store.commit(w);
      await store.commit(w);
      assert.deepEqual(await allBars(store), bars(12));
      assert.deepEqual(await store.counts(), { bars: 24, indicators: 12, alerts: 3, windows: 4, late: 3, rejects: 2, trades: 70 });
      await assert.rejects(store.bars({ instrument: BTC, interval: '1m', limit: 5, cursor: '!!' }), { code: 'INVALID_CURSOR' });
    }, true);
  });

  test('a packed write committed twice is refused at once (its columns went to the worker), not left hanging', async () => {
    const { dir, cleanup } = tempDir();
    const store = await openDuckDbStore({ dataDir: dir });
    try {
      const packed = packWrite(write({ bars: bars(3) }));
      await store.commit(packed);
      await assert.rejects(store.commit(packed), { code: 'INTERNAL', message: /committed once/ });
      assert.equal((await store.counts()).bars, 3);
    } finally {
      await store.close();
      cleanup();
    }
  });
});

describe('DuckDbStore files', () => {
  let dir = '';
  let cleanup = (): void => undefined;
  before(() => ({ dir, cleanup } = tempDir('tickflow-store-file-')));
  after(() => cleanup());

  test('creates the data dir, reopens the file and reads back; read-only refuses writes', async () => {
    const dataDir = `${dir}/nested/data`;
    const w = fullWrite(20);
    const s1 = await openDuckDbStore({ dataDir });
    await s1.commit(w);
    const expected = await snapshot(s1);
    await s1.close();

    const s2 = await openDuckDbStore({ dataDir });
    assert.deepEqual(await snapshot(s2), expected);
    // The summary loaded from the file tells appends from overlaps after a reopen.
    await s2.commit(write({ bars: [bar(19), bar(20)] }));
    assert.equal((await s2.counts()).bars, 41);
    await s2.close();

    const ro = await openDuckDbStore({ dataDir, readOnly: true });
    assert.equal((await ro.counts()).bars, 41);
    await assert.rejects(ro.commit(write({ bars: [bar(21)] })), { code: 'STORE', message: /read-only/ });
    await ro.close();
  });

  test('read-only open of a missing database is a clear STORE error', async () => {
    await assert.rejects(openDuckDbStore({ dataDir: `${dir}/nothing-here`, readOnly: true }), {
      code: 'STORE',
      message: /no tickflow database/,
    });
  });

  test('a second open of the same file in one process is refused', async () => {
    const dataDir = `${dir}/twice`;
    const s = await openDuckDbStore({ dataDir });
    await assert.rejects(openDuckDbStore({ dataDir, readOnly: true }), { code: 'STORE', message: /already open/ });
    await s.close();
    const again = await openDuckDbStore({ dataDir, readOnly: true });
    await again.close();
  });
});

test("sizes in DuckDB's units: KB = 1000 bytes, KiB = 1024", () => {
  assert.equal(sizeBytes('16MB'), 16_000_000);
  assert.equal(sizeBytes('1GiB'), 2 ** 30);
  assert.equal(sizeBytes('512 kib'), 512 * 1024);
  assert.equal(sizeBytes('0'), 0);
  assert.throws(() => sizeBytes('16 parsecs'), { code: 'CONFIG_INVALID', message: /'16 parsecs' is not a size/ });
});
