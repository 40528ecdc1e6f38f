import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLog, partitionFor, type LogRecord } from '../../src/log/index.js';
import { waitFor } from '../helpers.js';

async function collect<T>(it: AsyncIterable<LogRecord<T>[]>, n: number): Promise<LogRecord<T>[]> {
  const out: LogRecord<T>[] = [];
  for await (const recs of it) {
    out.push(...recs);
    if (out.length >= n) break;
  }
  return out;
}

test('records keep per-partition order, offsets count up from 0, keys pick stable partitions', async () => {
  const log = new MemoryLog({ capacity: 100 });
  await log.ensureTopics([{ name: 't', partitions: 4 }]);
  const c = log.consumer<number>({ group: 'g', topics: ['t'] });
  const recs = Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 5}`, value: i }));
  await log.producer().send('t', recs);
  const got = await collect(c, 40);
  assert.equal(got.length, 40);
  for (const r of got) assert.equal(r.partition, partitionFor(r.key, 4));
  for (let p = 0; p < 4; p++) {
    const offs = got.filter((r) => r.partition === p).map((r) => r.offset);
    assert.deepEqual(
      offs,
      offs.map((_, i) => i),
    );
  }
  const byKey = new Map<string, number[]>();
  for (const r of got) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.value]);
  for (const vals of byKey.values())
    assert.deepEqual(
      vals,
      [...vals].sort((a, b) => a - b),
    );
  await log.close();
});

test('a full partition makes the producer wait until the consumer catches up (backpressure)', async () => {
  const log = new MemoryLog({ capacity: 3 });
  const c = log.consumer<number>({ group: 'g', topics: ['t'], maxRecords: 1 });
  const producer = log.producer();
  let sent = 0;
  const sending = (async () => {
    for (let i = 0; i < 10; i++) {
      await producer.send('t', [{ key: 'a', value: i }]);
      sent++;
    }
  })();
  await waitFor(() => sent === 3, 2000, 'three sends');
  // Give the producer every chance to overrun: it must stay blocked at capacity.
  await new Promise((r) => setImmediate(r));
  assert.equal(sent, 3);
  assert.deepEqual(log.depths(), [{ name: 't', depth: 3, capacity: 3 }]);
  const got = await collect(c, 10);
  await sending;
  assert.deepEqual(
    got.map((r) => r.value),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  await log.close();
});

test('every consumer group sees every record; members of one group share partitions', async () => {
  const log = new MemoryLog({ capacity: 100 });
  await log.ensureTopics([{ name: 't', partitions: 2 }]);
  const a1 = log.consumer<number>({ group: 'a', topics: ['t'] });
  const a2 = log.consumer<number>({ group: 'a', topics: ['t'] });
  const b = log.consumer<number>({ group: 'b', topics: ['t'] });
  assert.deepEqual([...a1.assignments(), ...a2.assignments()].map((x) => x.partition).sort(), [0, 1]);
  await log.producer().send('t', [
    { key: 'x', value: 1, partition: 0 },
    { key: 'y', value: 2, partition: 1 },
  ]);
  const [g1, g2, gb] = await Promise.all([collect(a1, 1), collect(a2, 1), collect(b, 2)]);
  assert.deepEqual([...g1, ...g2].map((r) => r.value).sort(), [1, 2]);
  assert.deepEqual(gb.map((r) => r.value).sort(), [1, 2]);
  await log.close();
});

test('a topic nobody consumes keeps only its newest records (retention) and never blocks', async () => {
  const log = new MemoryLog({ capacity: 2 });
  for (let i = 0; i < 5; i++) await log.producer().send('late', [{ key: 'k', value: i }]);
  assert.deepEqual(log.depths(), [{ name: 'late', depth: 2, capacity: 2 }]);
});

test('commit stores offsets per group; close ends iteration; producing to a closed log fails with LOG_CLOSED', async () => {
  const log = new MemoryLog();
  const c = log.consumer<number>({ group: 'g', topics: ['t'] });
  await c.commit([{ topic: 't', partition: 0, offset: 5 }]);
  assert.deepEqual(await c.committed(), [{ topic: 't', partition: 0, offset: 5 }]);
  const iter = collect(c, 1);
  await log.close();
  assert.deepEqual(await iter, []);
  await assert.rejects(log.producer().send('t', [{ key: 'k', value: 1 }]), { code: 'LOG_CLOSED' });
});

test('readLatest keeps per key the newest record, or the one `prefer` picks', async () => {
  const log = new MemoryLog({ capacity: 100 });
  await log.ensureTopics([{ name: 'state', partitions: 2 }]);
  for (const v of [5, 9, 3]) await log.producer().send('state', [{ key: 'k', value: v }], { urgent: true });
  await log.producer().send('state', [{ key: 'other', value: 1 }]);
  assert.equal((await log.readLatest<number>('state')).get('k')?.value, 3);
  const highest = await log.readLatest<number>('state', (kept, later) => later.value >= kept.value);
  assert.equal(highest.get('k')?.value, 9);
  assert.equal(highest.get('other')?.value, 1);
});
