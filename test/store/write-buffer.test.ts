import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteBuffer } from '../../src/store/index.js';
import { packWrite, transferables, type PackedWrite } from '../../src/store/packed-write.js';
import { BTC, ETH, bar, bars, indicatorSet, write } from './fixtures.js';

/** A packed write as plain data: table → rows of values (dictionary ids resolved). */
function rowsOf(w: PackedWrite): Record<string, unknown[][]> {
  const out: Record<string, unknown[][]> = {};
  for (const t of w.tables) {
    const rows: unknown[][] = [];
    for (let i = 0; i < t.rows; i++) {
      rows.push(
        t.columns.map((c) => {
          if (c instanceof Uint32Array) return w.dict[c[i] ?? -1];
          return c[i];
        }),
      );
    }
    out[t.table] = rows;
  }
  return out;
}

test('rows added in many small steps pack exactly like one write of them all, across buffer growth', () => {
  const all = [...bars(3000, BTC), ...bars(1500, ETH, '1s', 1000)];
  const inds = Array.from({ length: 2500 }, (_, i) => indicatorSet(i, i % 2 === 0 ? BTC : ETH));
  const buf = new WriteBuffer();
  for (let i = 0; i < all.length; i += 7) buf.addBars(all.slice(i, i + 7));
  for (let i = 0; i < inds.length; i += 300) buf.addIndicators(inds.slice(i, i + 300));
  assert.equal(buf.rows, all.length + inds.length);
  const got = buf.take();
  assert.deepEqual(rowsOf(got), rowsOf(packWrite(write({ bars: all, indicators: inds }))));
  assert.equal(buf.rows, 0);
});

test('interim bars are counted as dropped, not stored', () => {
  const buf = new WriteBuffer();
  buf.addBars([bar(0), { ...bar(1), final: false }, bar(2)]);
  const w = buf.take();
  assert.equal(w.droppedInterim, 1);
  assert.deepEqual(
    rowsOf(w)['bars']?.map((r) => r[2]),
    [bar(0).start, bar(2).start],
  );
});

test('take() starts over: the next write has its own dictionary and none of the previous rows, and its columns transfer whole', () => {
  const buf = new WriteBuffer();
  buf.addBars(bars(10, BTC));
  const first = buf.take({ id: 'cp', positions: '{}', state: '{}', updatedAt: 1 });
  assert.equal(first.checkpoint?.id, 'cp');
  buf.addBars([bar(20, ETH)]);
  const second = buf.take();
  assert.equal(second.checkpoint, undefined);
  assert.deepEqual(second.dict, [ETH, '1m']);
  assert.equal(second.tables[0]?.rows, 1);
  // Exact-length columns: every typed array's whole buffer goes in the transfer list.
  const typed = second.tables[0]?.columns.filter((c) => !Array.isArray(c)).length;
  assert.equal(transferables(second).length, typed);
  // The first write's columns are unaffected by later adds (they were copied out).
  assert.equal(rowsOf(first)['bars']?.length, 10);
  assert.deepEqual(
    rowsOf(first)['bars']?.map((r) => r[0]),
    Array(10).fill(BTC),
  );
});
