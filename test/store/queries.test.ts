import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { STORE_KINDS } from './store-kinds.js';
import { BTC, ETH, MIN, T0, alert, bar, bars, indicatorSet, lateTrade, reject, windowStats, write } from './fixtures.js';

/** Follows nextCursor to the end, collecting every page. */
async function walk<T>(first: (cursor?: string) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  let cursor: string | undefined;
  for (;;) {
    const p = await first(cursor);
    pages++;
    items.push(...p.items);
    if (p.nextCursor === null) return { items, pages };
    cursor = p.nextCursor;
  }
}

for (const kind of STORE_KINDS)
  describe(`Store queries: ${kind.name}`, { skip: kind.skip }, () => {
    let store: Store;
    let cleanup = (): Promise<void> => Promise.resolve();
    const N = 250;

    before(async () => {
      ({ store, cleanup } = await kind.open());
      // Two commits, the second one out of order, so rows are not stored in key order.
      await store.commit(
        write({ bars: [...bars(N).slice(100), ...bars(40, ETH)], indicators: Array.from({ length: N }, (_, i) => indicatorSet(i)) }),
      );
      await store.commit(
        write({
          bars: bars(N).slice(0, 100).reverse(),
          alerts: [
            ...Array.from({ length: 30 }, (_, i) =>
              alert(i, BTC, i % 3 === 0 ? 'volume_spike' : 'return_zscore', i % 2 === 0 ? 'critical' : 'warning'),
            ),
            ...Array.from({ length: 10 }, (_, i) => alert(i, ETH, 'price_gap', 'info')),
          ],
          windows: [
            ...Array.from({ length: 20 }, (_, i) => windowStats(i)),
            ...Array.from({ length: 5 }, (_, i) => windowStats(i, BTC, 15 * MIN, 5 * MIN)),
          ],
          late: [...Array.from({ length: 12 }, (_, i) => lateTrade(i)), lateTrade(3, -1), { ...lateTrade(3, -1), price: 1 }],
          rejects: Array.from({ length: 17 }, (_, i) => reject(i, i % 4 === 0 ? 'MALFORMED' : 'BAD_PRICE')),
        }),
      );
    });
    after(() => cleanup());

    test('bar pages cover every row exactly once, ascending and descending', async () => {
      const all = bars(N);
      const asc = await walk((cursor) =>
        store.bars({ instrument: BTC, interval: '1m', limit: 7, ...(cursor === undefined ? {} : { cursor }) }),
      );
      assert.deepEqual(asc.items, all);
      assert.equal(asc.pages, Math.ceil(N / 7));
      const desc = await walk((cursor) =>
        store.bars({ instrument: BTC, interval: '1m', limit: 25, desc: true, ...(cursor === undefined ? {} : { cursor }) }),
      );
      assert.deepEqual(desc.items, [...all].reverse());
      assert.equal(desc.pages, 10, 'an exact multiple needs no empty trailing page');
    });

    test('from is inclusive and to exclusive, on bar start', async () => {
      const from = T0 + 10 * MIN;
      const to = T0 + 20 * MIN;
      const page = await store.bars({ instrument: BTC, interval: '1m', from, to, limit: 100 });
      assert.deepEqual(page.items, bars(20).slice(10));
      assert.equal(page.nextCursor, null);
      const paged = await walk((cursor) =>
        store.bars({ instrument: BTC, interval: '1m', from, to, limit: 3, desc: true, ...(cursor === undefined ? {} : { cursor }) }),
      );
      assert.deepEqual(paged.items, bars(20).slice(10).reverse());
      assert.deepEqual((await store.bars({ instrument: BTC, interval: '1m', from: T0 + N * MIN, limit: 5 })).items, []);
      assert.deepEqual((await store.bars({ instrument: ETH, interval: '1m', to: T0 + 2 * MIN, limit: 5 })).items, [
        bar(0, ETH),
        bar(1, ETH),
      ]);
      assert.deepEqual((await store.bars({ instrument: 'binance:NOPE', interval: '1m', limit: 5 })).items, []);
    });

    test('indicators page like bars', async () => {
      const got = await walk((cursor) =>
        store.indicators({ instrument: BTC, interval: '1m', limit: 60, from: T0 + 5 * MIN, ...(cursor === undefined ? {} : { cursor }) }),
      );
      assert.deepEqual(got.items, Array.from({ length: N }, (_, i) => indicatorSet(i)).slice(5));
    });

    test('alerts: newest first, filters, pages', async () => {
      const all = await walk((cursor) => store.alerts({ limit: 4, ...(cursor === undefined ? {} : { cursor }) }));
      assert.equal(all.items.length, 40);
      const times = all.items.map((a) => a.time);
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
      assert.equal(new Set(all.items.map((a) => `${a.instrument}|${a.start}|${a.kind}`)).size, 40);
      const crit = await walk((cursor) =>
        store.alerts({ instrument: BTC, severity: 'critical', limit: 4, ...(cursor === undefined ? {} : { cursor }) }),
      );
      assert.equal(crit.items.length, 15);
      assert.ok(crit.items.every((a) => a.severity === 'critical' && a.instrument === BTC));
      const spikes = await store.alerts({ kind: 'volume_spike', from: T0 + 10 * MIN, to: T0 + 20 * MIN, limit: 100 });
      assert.deepEqual(
        spikes.items.map((a) => a.start),
        [18, 15, 12, 9].map((i) => T0 + i * MIN),
        'from/to apply to the alert time, the end of its bar',
      );
    });

    test('windows: by instrument and size, ordered by start', async () => {
      const all = await walk((cursor) => store.windows({ instrument: BTC, limit: 6, ...(cursor === undefined ? {} : { cursor }) }));
      assert.equal(all.items.length, 25);
      const five = await store.windows({ instrument: BTC, size: 5 * MIN, from: T0 + 3 * MIN, to: T0 + 6 * MIN, limit: 100 });
      assert.deepEqual(
        five.items,
        [3, 4, 5].map((i) => windowStats(i)),
      );
    });

    test('rejects: newest first, by reason, pages', async () => {
      const all = await walk((cursor) => store.rejects({ limit: 5, ...(cursor === undefined ? {} : { cursor }) }));
      assert.deepEqual(all.items, Array.from({ length: 17 }, (_, i) => reject(i, i % 4 === 0 ? 'MALFORMED' : 'BAD_PRICE')).reverse());
      const malformed = await store.rejects({ reason: 'MALFORMED', limit: 100 });
      assert.equal(malformed.items.length, 5);
    });

    test('late trades page by time, including ones without an id', async () => {
      const all = await walk((cursor) => store.late({ instrument: BTC, limit: 2, ...(cursor === undefined ? {} : { cursor }) }));
      assert.equal(all.items.length, 14);
      const desc = await walk((cursor) =>
        store.late({ instrument: BTC, limit: 3, desc: true, ...(cursor === undefined ? {} : { cursor }) }),
      );
      assert.deepEqual(desc.items, [...all.items].reverse());
      const third = await store.late({ instrument: BTC, from: T0 + 3000, to: T0 + 4000, limit: 10 });
      assert.deepEqual(third.items.map((t) => t.id).sort(), [-1, -1, 5003]);
    });

    test('a malformed cursor is INVALID_CURSOR, a bad limit BAD_REQUEST', async () => {
      const good = (await store.bars({ instrument: BTC, interval: '1m', limit: 2 })).nextCursor ?? '';
      const alertCursor = (await store.alerts({ limit: 1 })).nextCursor ?? '';
      for (const cursor of [
        '',
        'not a cursor!',
        'Zm9v',
        Buffer.from('{"a":1}').toString('base64url'),
        Buffer.from('["x"]').toString('base64url'),
        alertCursor,
        good.slice(0, -2),
      ]) {
        await assert.rejects(
          store.bars({ instrument: BTC, interval: '1m', limit: 2, cursor }),
          { code: 'INVALID_CURSOR' },
          `cursor ${JSON.stringify(cursor)}`,
        );
      }
      await assert.rejects(store.alerts({ limit: 2, cursor: good }), { code: 'INVALID_CURSOR' });
      await assert.rejects(store.bars({ instrument: BTC, interval: '1m', limit: 0 }), { code: 'BAD_REQUEST' });
      await assert.rejects(store.bars({ instrument: BTC, interval: '1m', limit: 1.5 }), { code: 'BAD_REQUEST' });
      await assert.rejects(store.bars({ instrument: BTC, interval: '1m', limit: 5, from: Number.NaN }), { code: 'BAD_REQUEST' });
    });

    test('user input never becomes SQL', async () => {
      const evil = "binance:X' OR '1'='1";
      assert.deepEqual((await store.bars({ instrument: evil, interval: '1m', limit: 5 })).items, []);
      assert.deepEqual((await store.alerts({ kind: "x' OR 1=1 --", limit: 5 })).items, []);
      assert.equal((await store.counts()).bars, N + 40);
    });
  });
