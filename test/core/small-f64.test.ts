import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smallF64 } from '../../src/core/index.js';

test('smallF64: zero-filled arrays that share buffers without overlapping', () => {
  const arrays = Array.from({ length: 3000 }, (_, i) => smallF64(1 + (i % 40)));
  arrays.forEach((a, i) => {
    assert.equal(a.length, 1 + (i % 40));
    assert.ok(a.every((x) => x === 0));
    a.fill(i);
  });
  // every array still holds what was written to it: no two views overlap
  arrays.forEach((a, i) =>
    assert.ok(
      a.every((x) => x === i),
      `array ${i}`,
    ),
  );
  const buffers = new Set(arrays.map((a) => a.buffer));
  assert.ok(buffers.size < 50, `${buffers.size} buffers for 3,000 small arrays`);
});

test('smallF64: a large array gets its own buffer', () => {
  const a = smallF64(10_000);
  assert.equal(a.length, 10_000);
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, 80_000);
  assert.equal(smallF64(0).length, 0);
});
