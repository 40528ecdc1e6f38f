import assert from 'node:assert/strict';
import { test } from 'node:test';
import { processMemory } from '../../src/obs/index.js';

test('memory outside the JS heap counts a typed array once', () => {
  const before = processMemory().externalBytes;
  const big = new Float64Array(4 * 2 ** 20).fill(1); // 32 MiB
  const grew = (processMemory().externalBytes - before) / 2 ** 20;
  // Counted twice it would be 64 MiB; a collection freeing other buffers meanwhile may take a little off.
  assert.ok(grew > 24 && grew < 48, `grew by ${grew.toFixed(1)} MiB for a 32 MiB array`);
  assert.equal(big[0], 1);
});
