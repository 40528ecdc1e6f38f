import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCursor, encodeCursor } from '../../src/store/cursor.js';

test('cursors round-trip their key and are URL-safe', () => {
  const values = [1_709_251_200_000, 'binance:BTC/USD', '1m', 'return_zscore'];
  const c = encodeCursor(values);
  assert.match(c, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(c, ['number', 'string', 'string', 'string']), values);
});

test('anything but a cursor of the expected shape is INVALID_CURSOR', () => {
  const bad = [
    '',
    '===',
    'a b',
    'x'.repeat(5000),
    encodeCursor([1]).slice(1),
    Buffer.from('null').toString('base64url'),
    encodeCursor(['1']),
    encodeCursor([1, 2]),
  ];
  for (const c of bad) assert.throws(() => decodeCursor(c, ['number']), { code: 'INVALID_CURSOR' }, c);
  assert.throws(() => decodeCursor(Buffer.from('[1e999]').toString('base64url'), ['number']), { code: 'INVALID_CURSOR' });
});
