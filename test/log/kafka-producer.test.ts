import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findKafka, testLog, type KafkaTarget } from '../kafka/broker.js';

const found = await findKafka();
const skip = typeof found === 'string' ? found : false;

test(
  'many concurrent sends through a small buffer all complete (no send is left queued with nothing pumping)',
  { skip, timeout: 120_000 },
  async (t) => {
    const log = testLog(t, found as KafkaTarget, { bufferMemoryBytes: 64 * 1024 });
    await log.ensureTopics([{ name: 'bars', partitions: 3 }]);
    const producer = log.producer();
    const pad = 'y'.repeat(900);
    // 400 sends of 10 ~1 KiB records: 60 times the buffer, so most sends wait for space and
    // are queued while the pump is finishing a request.
    const batch = (s: number): { key: string; value: { i: number; pad: string } }[] =>
      Array.from({ length: 10 }, (_, j) => ({ key: `k${(s * 10 + j) % 7}`, value: { i: s * 10 + j, pad } }));
    const sends = [
      ...Array.from({ length: 400 }, (_, s) => producer.send('bars', batch(s))),
      // Chains that send again the moment a send completes, as a pipeline stage does.
      ...Array.from({ length: 8 }, async (_, c) => {
        for (let k = 0; k < 50; k++) await producer.send('bars', batch(1000 + c * 50 + k));
      }),
    ];
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((r) => (timer = setTimeout(() => r('stalled'), 60_000)));
    const r = await Promise.race([Promise.all(sends).then(() => 'done' as const), stalled]);
    clearTimeout(timer);
    assert.equal(r, 'done', `sends stalled: ${JSON.stringify(log.stats().producer)}`);
    assert.equal(log.stats().producer.bufferedRecords, 0);
    assert.equal(log.stats().producer.sentRecords, 8000);
  },
);

test(
  'sends reach a partition in the order they were called, also while waiting for buffer space or topic metadata',
  { skip, timeout: 120_000 },
  async (t) => {
    const log = testLog(t, found as KafkaTarget, { bufferMemoryBytes: 64 * 1024 });
    await log.ensureTopics([{ name: 'trades', partitions: 1 }]);
    const producer = log.producer();
    // Big sends wait for buffer space; the small ones after them fit at once and used to overtake.
    // The first sends also wait for the topic's partition count, which the producer has not cached yet.
    const sends: Promise<void>[] = [];
    let n = 0;
    for (let s = 0; s < 300; s++) {
      const size = s % 3 === 0 ? 40 : 1;
      const pad = 'z'.repeat(s % 3 === 0 ? 1500 : 10);
      sends.push(
        producer.send(
          'trades',
          Array.from({ length: size }, () => ({ key: 'k', value: { i: n++, pad } })),
        ),
      );
    }
    await Promise.all(sends);
    const consumer = log.consumer<{ i: number }>({ group: 'order', topics: ['trades'] });
    const seen: number[] = [];
    for await (const batch of consumer) {
      for (const r of batch) seen.push(r.value.i);
      if (seen.length >= n) break;
    }
    assert.equal(seen.length, n);
    const firstOutOfOrder = seen.findIndex((v, i) => v !== i);
    assert.equal(firstOutOfOrder, -1, `record ${firstOutOfOrder} is ${seen[firstOutOfOrder]}`);
  },
);

test('an urgent send goes ahead of the records queued before it, and waits for no buffer space', { skip, timeout: 120_000 }, async (t) => {
  // Small requests and a small buffer: the 300 sends below take many requests, one at a time,
  // and most of them wait for space.
  const log = testLog(t, found as KafkaTarget, { maxRequestBytes: 16 * 1024, bufferMemoryBytes: 64 * 1024 });
  await log.ensureTopics([
    { name: 'bars', partitions: 1 },
    { name: 'state', partitions: 1 },
  ]);
  const producer = log.producer();
  await producer.send('state', [{ key: 'warm', value: 'metadata cached' }]);
  const pad = 'x'.repeat(900);
  let acked = 0;
  const sends = Array.from({ length: 300 }, (_, s) =>
    producer
      .send(
        'bars',
        Array.from({ length: 4 }, (_, j) => ({ key: 'k', value: { i: s * 4 + j, pad } })),
      )
      .then(() => acked++),
  );
  await new Promise((r) => setImmediate(r));
  const ackedBeforeUrgent = await producer.send('state', [{ key: 'cp', value: 'urgent' }], { urgent: true }).then(() => acked);
  await Promise.all(sends);
  assert.ok(ackedBeforeUrgent < 100, `the urgent send was acknowledged after ${ackedBeforeUrgent} of the 300 sends queued before it`);
  assert.equal(log.stats().producer.bufferedRecords, 0);
});

test('readLatest keeps, per key, the record `prefer` picks over the ones after it', { skip, timeout: 120_000 }, async (t) => {
  const log = testLog(t, found as KafkaTarget);
  await log.ensureTopics([{ name: 'state', partitions: 1 }]);
  const producer = log.producer();
  for (const v of [5, 9, 3]) await producer.send('state', [{ key: 'k', value: v }]);
  await producer.send('state', [{ key: 'other', value: 1 }]);
  const newest = await log.readLatest<number>('state');
  assert.equal(newest.get('k')?.value, 3);
  const highest = await log.readLatest<number>('state', (kept, later) => later.value >= kept.value);
  assert.equal(highest.get('k')?.value, 9);
  assert.equal(highest.get('other')?.value, 1);
});
