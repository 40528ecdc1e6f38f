// The store check behind /health and /ready: a busy store is served its last answer, a broken one
// is reported, and a request waits only when there is no recent answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreHealth } from '../../src/api/store-health.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('the first check is awaited; its error is the answer', async () => {
  const h = new StoreHealth(() => Promise.reject(new Error('disk I/O error')));
  assert.match((await h.problem()) ?? '', /store query failed: disk I\/O error/);
});

test('a fresh answer is served without a check; a stale one while the new check is still running', async () => {
  let now = 0;
  let calls = 0;
  const gate: { slow?: ReturnType<typeof deferred> } = {};
  const h = new StoreHealth(
    () => {
      calls++;
      return gate.slow?.promise ?? Promise.resolve();
    },
    { freshMs: 5_000, staleMs: 30_000, timeoutMs: 50, now: () => now },
  );
  assert.equal(await h.problem(), null);
  now = 1_000;
  assert.equal(await h.problem(), null);
  assert.equal(calls, 1, 'fresh: no new check');
  // The store is busy: the next check hangs, and the probe still answers at once from the last one.
  const slow = deferred();
  gate.slow = slow;
  now = 10_000;
  assert.equal(await h.problem(), null);
  assert.equal(await h.problem(), null);
  assert.equal(calls, 2, 'one check at a time');
  // Past staleMs without an answer the probe waits for the check, up to its timeout.
  now = 40_000;
  assert.match((await h.problem()) ?? '', /no answer within 50 ms \(last answer 40 s ago\)/);
  slow.resolve();
  await new Promise((r) => setImmediate(r));
  assert.equal(await h.problem(), null);
});
