import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packWrite } from '../../src/store/packed-write.js';
import { SeriesStats } from '../../src/store/series-stats.js';
import { planWrite } from '../../src/store/write-plan.js';
import { BTC, ETH, MIN, T0, bar, tradeBatch, write } from './fixtures.js';

/** Stats as the store would hold them: BTC 1m bars stored up to bar 9. */
const stats = new SeriesStats();
stats.apply([
  { tbl: 'bars', instrument: BTC, sub: '1m', firstTime: T0, lastTime: T0 + 9 * MIN, lastEnd: T0 + 10 * MIN, lastClose: 1, rows: 10 },
]);

const appendOf = (w: Parameters<typeof packWrite>[0]): boolean[] => planWrite(packWrite(w), stats).map((p) => p.append);

test('a write is a plain append only when every series is ordered and newer than what is stored', () => {
  assert.deepEqual(appendOf(write({ bars: [bar(10), bar(0, ETH), bar(11), bar(1, ETH)] })), [true]);
  assert.deepEqual(appendOf(write({ bars: [bar(9)] })), [false], 'equal to the stored last start');
  assert.deepEqual(appendOf(write({ bars: [bar(10), bar(12), bar(11)] })), [false], 'out of order within the write');
  assert.deepEqual(appendOf(write({ bars: [bar(10), bar(10)] })), [false], 'a key twice within the write');
  assert.deepEqual(appendOf(write({ bars: [bar(10), { ...bar(11), start: Number.NaN }] })), [false]);
  // Small tables always take the checked path; trades are ordered by (time, id).
  const t = tradeBatch(5);
  assert.deepEqual(appendOf(write({ trades: [t] })), [true]);
  t.id[3] = 1;
  t.ts[3] = t.ts[2] ?? 0;
  assert.deepEqual(appendOf(write({ trades: [t] })), [false]);
});
