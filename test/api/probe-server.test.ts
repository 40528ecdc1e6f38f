import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { isTickflowError, TickflowError } from '../../src/core/index.js';
import { startProbeServer } from '../../src/api/probe-server.js';
import { addReadinessCheck } from '../../src/api/readiness.js';

const base = { host: '127.0.0.1', port: 0, role: 'process', version: '9.9.9-test' } as const;

describe('probe server (ingest, process)', () => {
  it('GET /health: alive; /metrics: Prometheus text; unknown paths 404, other methods 405', async () => {
    const probe = await startProbeServer(base);
    try {
      assert.match(probe.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${probe.url}/health`);
      assert.equal(health.status, 200);
      const body = (await health.json()) as { status: string; role: string; version: string };
      assert.deepEqual([body.status, body.role, body.version], ['ok', 'process', '9.9.9-test']);

      const m = await fetch(`${probe.url}/metrics`);
      assert.equal(m.status, 200);
      assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await m.text();
      assert.match(text, /^process_cpu_user_seconds_total /m);
      assert.match(text, /^# TYPE tickflow_trades_total counter$/m);

      const missing = await fetch(`${probe.url}/api/bars`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'NOT_FOUND');
      const post = await fetch(`${probe.url}/metrics`, { method: 'POST' });
      assert.equal(post.status, 405);
    } finally {
      await probe.close();
    }
  });

  it("GET /ready: 200 when every check answers, 503 naming the one that does not (the server's own and the process's)", async () => {
    let starting = true;
    const probe = await startProbeServer({
      ...base,
      checks: [
        {
          name: 'startup',
          check: async () => {
            if (starting) throw new TickflowError('UNAVAILABLE', 'still starting');
          },
        },
      ],
    });
    try {
      const first = await fetch(`${probe.url}/ready`);
      assert.equal(first.status, 503);
      const b1 = (await first.json()) as { status: string; checks: { name: string; status: string; message?: string }[] };
      assert.equal(b1.status, 'error');
      assert.deepEqual(
        b1.checks.map((c) => [c.name, c.status, c.message]),
        [['startup', 'error', 'still starting']],
      );
      starting = false;
      assert.equal((await fetch(`${probe.url}/ready`)).status, 200);

      const remove = addReadinessCheck('log', async () => {
        throw new Error('brokers unreachable');
      });
      try {
        const r = await fetch(`${probe.url}/ready`);
        assert.equal(r.status, 503);
        const b = (await r.json()) as { checks: { name: string; status: string; message?: string }[] };
        assert.deepEqual(
          b.checks.map((c) => [c.name, c.status]),
          [
            ['startup', 'ok'],
            ['log', 'error'],
          ],
        );
        assert.match(b.checks[1]?.message ?? '', /brokers unreachable/);
      } finally {
        remove();
      }
      assert.equal((await fetch(`${probe.url}/ready`)).status, 200);
    } finally {
      await probe.close();
    }
  });

  it('a check that never answers is reported after the timeout, not waited for', async () => {
    const remove = addReadinessCheck('log', () => new Promise<void>(() => undefined));
    const probe = await startProbeServer(base);
    try {
      const r = await fetch(`${probe.url}/ready`);
      assert.equal(r.status, 503);
      const b = (await r.json()) as { checks: { name: string; message?: string }[] };
      assert.match(b.checks.find((c) => c.name === 'log')?.message ?? '', /no answer within \d+ ms/);
    } finally {
      remove();
      await probe.close();
    }
  });

  it('a port in use is an IO error naming the address', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const addr = blocker.address();
    assert.ok(addr !== null && typeof addr === 'object');
    try {
      await assert.rejects(startProbeServer({ ...base, port: addr.port }), (e: unknown) => {
        assert.ok(isTickflowError(e));
        assert.equal(e.code, 'IO');
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${addr.port}`));
        return true;
      });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});
