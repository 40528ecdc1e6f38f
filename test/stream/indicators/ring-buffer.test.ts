import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../../src/stream/indicators/index.js';
import { isTickflowError } from '../../../src/core/index.js';

describe('RingBuffer', () => {
  it('keeps the last `capacity` values, oldest first', () => {
    const r = new RingBuffer(3);
    assert.equal(r.oldest(), NaN);
    for (const x of [1, 2]) r.push(x);
    assert.deepEqual([r.size, r.full, r.oldest(), r.at(0), r.at(1), r.at(2)], [2, false, 1, 1, 2, NaN]);
    for (const x of [3, 4, 5]) r.push(x);
    assert.deepEqual([r.size, r.full, r.oldest()], [3, true, 3]);
    assert.deepEqual([r.at(0), r.at(1), r.at(2)], [3, 4, 5]);
    assert.equal(r.sumInOrder(), 12);
  });

  it('round-trips through JSON in logical order whatever the physical layout', () => {
    const r = new RingBuffer(4);
    for (let i = 1; i <= 7; i++) r.push(i * 0.1);
    const back = RingBuffer.fromJSON(JSON.parse(JSON.stringify(r)));
    assert.deepEqual(back.toJSON(), r.toJSON());
    back.push(9);
    r.push(9);
    assert.deepEqual(back.toJSON(), r.toJSON());
    assert.equal(back.sumInOrder(), r.sumInOrder());
  });

  it('rejects state that cannot be a ring buffer', () => {
    for (const bad of [null, {}, { capacity: 2, values: [1, 2, 3] }, { capacity: 0, values: [] }, { capacity: 2, values: ['1'] }]) {
      assert.throws(
        () => RingBuffer.fromJSON(bad),
        (e) => isTickflowError(e) && e.code === 'MALFORMED',
      );
    }
  });
});
