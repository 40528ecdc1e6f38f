import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifySchemaValidationError } from 'fastify';
import { describeValidation, errorBody } from '../../src/api/errors.js';

const err = (keyword: string, instancePath: string, params: Record<string, unknown>, message: string): FastifySchemaValidationError => ({
  keyword,
  instancePath,
  schemaPath: '#',
  params,
  message,
});

describe('describeValidation', () => {
  it('says which parameter and what bound: "querystring/limit must be <= 10000"', () => {
    assert.equal(
      describeValidation('querystring', [err('maximum', '/limit', { limit: 10000 }, 'must be <= 10000')]),
      'querystring/limit must be <= 10000',
    );
  });

  it('lists the allowed values of an enum and of a union of literals', () => {
    assert.equal(
      describeValidation('querystring', [
        err('enum', '/order', { allowedValues: ['asc', 'desc'] }, 'must be equal to one of the allowed values'),
      ]),
      'querystring/order must be one of: asc, desc',
    );
    assert.equal(
      describeValidation('querystring', [
        err('const', '/kind', { allowedValue: 'a' }, 'must be equal to constant'),
        err('const', '/kind', { allowedValue: 'b' }, 'must be equal to constant'),
        err('anyOf', '/kind', {}, 'must match a schema in anyOf'),
      ]),
      'querystring/kind must be one of: a, b',
    );
  });

  it('names a missing parameter and an unknown one with the known list', () => {
    assert.equal(
      describeValidation('querystring', [err('required', '', { missingProperty: 'instrument' }, '')]),
      'querystring/instrument is required',
    );
    assert.equal(
      describeValidation('querystring', [err('additionalProperties', '', { additionalProperty: 'limt' }, '')], ['limit', 'cursor']),
      "querystring has unknown parameter 'limt' (known: limit, cursor)",
    );
  });
});

describe('errorBody', () => {
  it('omits details when there are none', () => {
    assert.deepEqual(errorBody('NOT_FOUND', 'no route'), { error: { code: 'NOT_FOUND', message: 'no route' } });
    assert.deepEqual(errorBody('BAD_REQUEST', 'x', { a: 1 }), { error: { code: 'BAD_REQUEST', message: 'x', details: { a: 1 } } });
  });
});
