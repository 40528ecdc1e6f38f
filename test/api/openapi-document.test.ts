import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toOpenApi30 } from '../../src/api/openapi-document.js';

describe('toOpenApi30', () => {
  it("turns 2020-12's numeric exclusive bounds into 3.0's minimum/maximum + boolean", () => {
    const doc = { paths: { '/p': { schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } } } };
    assert.deepEqual(toOpenApi30(doc), {
      paths: { '/p': { schema: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true } } },
    });
  });

  it('keeps the stricter of an exclusive and an inclusive bound', () => {
    assert.deepEqual(toOpenApi30({ minimum: 1, exclusiveMinimum: 0 }), { minimum: 1 });
    assert.deepEqual(toOpenApi30({ minimum: 0, exclusiveMinimum: 0 }), { minimum: 0, exclusiveMinimum: true });
    assert.deepEqual(toOpenApi30({ maximum: 5, exclusiveMaximum: 10 }), { maximum: 5 });
    assert.deepEqual(toOpenApi30({ maximum: 10, exclusiveMaximum: 5 }), { maximum: 5, exclusiveMaximum: true });
  });

  it('walks arrays and nested schemas, leaves 3.0 booleans and other keys alone, and does not modify its input', () => {
    const input = {
      allOf: [{ properties: { exclusiveMinimum: { type: 'string' }, p: { exclusiveMinimum: 2 } } }],
      q: { minimum: 0, exclusiveMinimum: true },
    };
    const copy = structuredClone(input);
    assert.deepEqual(toOpenApi30(input), {
      allOf: [{ properties: { exclusiveMinimum: { type: 'string' }, p: { minimum: 2, exclusiveMinimum: true } } }],
      q: { minimum: 0, exclusiveMinimum: true },
    });
    assert.deepEqual(input, copy);
  });
});
