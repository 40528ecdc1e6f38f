import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addReadinessCheck } from '../../../src/api/readiness.js';
import { harness } from '../harness.js';

interface Ready {
  status: string;
  checks: { name: string; status: string; message?: string; ms: number }[];
}

describe('GET /ready', () => {
  it('200 when the store answers, with each check and its time', async () => {
    const h = await harness();
    try {
      const r = await h.app.inject('/ready');
      assert.equal(r.statusCode, 200);
      const body = r.json<Ready>();
      assert.equal(body.status, 'ok');
      assert.deepEqual(
        body.checks.map((c) => [c.name, c.status]),
        [['store', 'ok']],
      );
      assert.ok(body.checks.every((c) => c.ms >= 0));
    } finally {
      await h.app.close();
    }
  });

  it('503 naming the store when it fails', async () => {
    const h = await harness();
    try {
      await h.app.ready();
      h.store.failWith = new Error('connection refused');
      const r = await h.app.inject('/ready');
      assert.equal(r.statusCode, 503);
      const body = r.json<Ready>();
      assert.equal(body.status, 'error');
      assert.match(body.checks.find((c) => c.name === 'store')?.message ?? '', /connection refused/);
    } finally {
      await h.app.close();
    }
  });

  it('503 when a dependency the process registered (its log) does not answer; /health stays 200 (alive)', async () => {
    const h = await harness();
    const remove = addReadinessCheck('log', async () => {
      throw new Error('kafka: brokers unreachable');
    });
    try {
      const r = await h.app.inject('/ready');
      assert.equal(r.statusCode, 503);
      assert.deepEqual(
        r.json<Ready>().checks.map((c) => [c.name, c.status]),
        [
          ['store', 'ok'],
          ['log', 'error'],
        ],
      );
      assert.equal((await h.app.inject('/health')).statusCode, 200);
    } finally {
      remove();
      await h.app.close();
    }
  });

  it('is in the OpenAPI document with its 200 and 503 answers', async () => {
    const h = await harness();
    try {
      const doc = (await h.app.inject('/openapi.json')).json<{ paths: Record<string, { get?: { responses: Record<string, unknown> } }> }>();
      const op = doc.paths['/ready']?.get;
      assert.ok(op, '/ready documented');
      assert.ok('200' in op.responses && '503' in op.responses);
    } finally {
      await h.app.close();
    }
  });
});
