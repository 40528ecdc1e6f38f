import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogConsumer, LogRecord, TopicPartition } from '../../src/log/index.js';
import { findKafka, testLog, waitForGroup, type KafkaTarget } from '../kafka/broker.js';
import { waitFor } from '../helpers.js';

const found = await findKafka();
const skip = typeof found === 'string' ? found : false;
const kafka = (): KafkaTarget => {
  if (typeof found === 'string') throw new Error(found);
  return found;
};

interface Drain<T> {
  readonly records: LogRecord<T>[];
  readonly done: Promise<void>;
}

/** Consumes in the background, committing after every batch, until the consumer is closed. */
function drain<T>(c: LogConsumer<T>): Drain<T> {
  const records: LogRecord<T>[] = [];
  const done = (async () => {
    for await (const batch of c) {
      records.push(...batch);
      await c.commit(batch.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1 })));
    }
  })();
  return { records, done };
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

test('records round-trip: one key stays in one partition in order, explicit partitions are honoured', { skip }, async (t) => {
  const log = testLog(t, kafka());
  await log.ensureTopics([{ name: 'trades', partitions: 8 }]);
  const producer = log.producer();
  const sent: { key: string; value: { k: string; seq: number } }[] = [];
  for (let i = 0; i < 2000; i++) {
    const k = `binance:SYM${i % 23}`;
    sent.push({ key: k, value: { k, seq: i } });
  }
  // Several sends in flight at once, as stages do.
  await Promise.all([producer.send('trades', sent.slice(0, 700)), producer.send('trades', sent.slice(700, 1400))]);
  await producer.send('trades', sent.slice(1400));
  await producer.send('trades', [{ key: 'pinned', value: { k: 'pinned', seq: -1 }, partition: 5 }]);

  const c = log.consumer<{ k: string; seq: number }>({ group: 'g', topics: ['trades'], maxRecords: 300 });
  const got: LogRecord<{ k: string; seq: number }>[] = [];
  for await (const batch of c) {
    assert.ok(batch.length <= 300);
    got.push(...batch);
    if (got.length >= 2001) break;
  }
  assert.equal(got.length, 2001);
  const pinned = got.find((r) => r.key === 'pinned');
  assert.equal(pinned?.partition, 5);
  const partitionOf = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  const lastOffset = new Map<number, number>();
  for (const r of got) {
    assert.equal(r.topic, 'trades');
    assert.equal(r.value.k, r.key);
    assert.ok(r.timestamp > Date.now() - 120_000 && r.timestamp <= Date.now());
    if (r.key === 'pinned') continue;
    const p = partitionOf.get(r.key);
    if (p === undefined) partitionOf.set(r.key, r.partition);
    else assert.equal(r.partition, p, `key ${r.key} moved partitions`);
    // Order per key is the order of the sends (the two concurrent sends interleave, each in order).
    const prev = lastSeq.get(`${r.key}/${r.value.seq < 700 ? 'a' : r.value.seq < 1400 ? 'b' : 'c'}`) ?? -1;
    assert.ok(r.value.seq > prev, `${r.key}: ${r.value.seq} after ${prev}`);
    lastSeq.set(`${r.key}/${r.value.seq < 700 ? 'a' : r.value.seq < 1400 ? 'b' : 'c'}`, r.value.seq);
  }
  for (const r of [...got].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    assert.ok(r.offset > (lastOffset.get(r.partition) ?? -1));
    lastOffset.set(r.partition, r.offset);
  }
  assert.deepEqual(new Set(got.map((r) => r.value.seq)).size, 2001);
  assert.ok(new Set(partitionOf.values()).size > 3, 'keys spread over partitions');
});

test('1 partition, 3 consumers in one group: one of them gets everything, the others idle', { skip }, async (t) => {
  const k = kafka();
  const log = testLog(t, k);
  await log.ensureTopics([{ name: 'trades', partitions: 1 }]);
  const consumers = [0, 1, 2].map(() => log.consumer<number>({ group: 'one', topics: ['trades'] }));
  await waitForGroup(k, log.groupId('one'), 3);
  await waitFor(() => consumers.reduce((n, c) => n + c.assignments().length, 0) === 1, 10_000, 'one assignment');
  const drains = consumers.map((c) => drain(c));
  await log.producer().send(
    'trades',
    Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 5}`, value: i })),
  );
  await waitFor(() => drains.reduce((n, d) => n + d.records.length, 0) >= 60, 20_000, '60 records');
  const counts = drains.map((d) => d.records.length).sort((a, b) => a - b);
  assert.deepEqual(counts, [0, 0, 60]);
  const all = drains.flatMap((d) => d.records.map((r) => r.value));
  assert.deepEqual(
    [...all].sort((a, b) => a - b),
    Array.from({ length: 60 }, (_, i) => i),
  );
  await Promise.all(consumers.map((c) => c.close()));
  await Promise.all(drains.map((d) => d.done));
});

test('12 partitions, 2 consumers in one group: 6 each, disjoint, every record once', { skip }, async (t) => {
  const k = kafka();
  const log = testLog(t, k);
  await log.ensureTopics([{ name: 'trades', partitions: 12 }]);
  const a = log.consumer<number>({ group: 'two', topics: ['trades'] });
  const b = log.consumer<number>({ group: 'two', topics: ['trades'] });
  await waitForGroup(k, log.groupId('two'), 2);
  await waitFor(
    () => a.assignments().length + b.assignments().length === 12 && a.assignments().length > 0 && b.assignments().length > 0,
    10_000,
    'both assigned',
  );
  assert.equal(a.assignments().length, 6);
  assert.equal(b.assignments().length, 6);
  const mine = (c: LogConsumer<number>): Set<string> => new Set(c.assignments().map(tpKey));
  const [pa, pb] = [mine(a), mine(b)];
  assert.equal(new Set([...pa, ...pb]).size, 12);
  const da = drain(a);
  const db = drain(b);
  await log.producer().send(
    'trades',
    Array.from({ length: 600 }, (_, i) => ({ key: `binance:S${i % 97}`, value: i })),
  );
  await waitFor(() => da.records.length + db.records.length >= 600, 20_000, '600 records');
  assert.ok(da.records.every((r) => pa.has(tpKey(r))));
  assert.ok(db.records.every((r) => pb.has(tpKey(r))));
  const values = [...da.records, ...db.records].map((r) => r.value).sort((x, y) => x - y);
  assert.deepEqual(
    values,
    Array.from({ length: 600 }, (_, i) => i),
  );
  await Promise.all([a.close(), b.close()]);
  await Promise.all([da.done, db.done]);
});

test('a restarted consumer resumes exactly at the committed offset; committed() and lag() report it', { skip }, async (t) => {
  const log = testLog(t, kafka());
  await log.ensureTopics([{ name: 'bars', partitions: 1 }]);
  await log.producer().send(
    'bars',
    Array.from({ length: 100 }, (_, i) => ({ key: 'binance:BTCUSDT', value: i })),
  );
  const first = log.consumer<number>({ group: 'resume', topics: ['bars'], maxRecords: 7 });
  const seen: number[] = [];
  for await (const batch of first) {
    for (const r of batch) {
      if (seen.length === 30) break;
      seen.push(r.value);
    }
    if (seen.length === 30) {
      // Commit in the middle of a batch: the offset of the 30th record + 1.
      await first.commit([{ topic: 'bars', partition: 0, offset: 30 }]);
      assert.deepEqual(await first.committed(), [{ topic: 'bars', partition: 0, offset: 30 }]);
      assert.deepEqual(await first.lag?.(), [{ topic: 'bars', partition: 0, endOffset: 100, committed: 30, lag: 70 }]);
      break;
    }
  }
  // Leaving the loop closed the consumer (and left the group).
  const second = log.consumer<number>({ group: 'resume', topics: ['bars'] });
  const rest: LogRecord<number>[] = [];
  for await (const batch of second) {
    rest.push(...batch);
    if (rest.length >= 70) break;
  }
  assert.equal(rest[0]?.offset, 30);
  assert.deepEqual(
    rest.map((r) => r.value),
    Array.from({ length: 70 }, (_, i) => i + 30),
  );
});

test("groupLag() reports every group's committed offset and lag per partition, also groups of other processes", { skip }, async (t) => {
  const log = testLog(t, kafka());
  await log.ensureTopics([{ name: 'trades', partitions: 2 }]);
  await log.producer().send(
    'trades',
    Array.from({ length: 40 }, (_, i) => ({ key: 'k', value: i, partition: i % 2 })),
  );
  // The group runs in "another process": a second log on the same prefix.
  const committer = testLog(t, kafka(), { topicPrefix: log.options.topicPrefix });
  const c2 = committer.consumer<number>({ group: 'elsewhere', topics: ['trades'] });
  await waitFor(() => c2.assignments().length === 2, 20_000, 'assignment');
  await c2.commit([
    { topic: 'trades', partition: 0, offset: 15 },
    { topic: 'trades', partition: 1, offset: 20 },
  ]);
  await c2.close();
  const rows = await waitFor(
    () => {
      const l = log.groupLag().filter((r) => r.group === 'elsewhere');
      return l.length === 2 && l[0]?.committed === 15 ? l : undefined;
    },
    20_000,
    'group lag',
  );
  assert.deepEqual(rows, [
    { group: 'elsewhere', topic: 'trades', partition: 0, endOffset: 20, committed: 15, lag: 5 },
    { group: 'elsewhere', topic: 'trades', partition: 1, endOffset: 20, committed: 20, lag: 0 },
  ]);
});

test('rebalance listeners hear about assigned and revoked partitions; records of new partitions wait for them', { skip }, async (t) => {
  const k = kafka();
  const log = testLog(t, k);
  await log.ensureTopics([{ name: 'trades', partitions: 4 }]);
  const a = log.consumer<number>({ group: 'reb', topics: ['trades'] });
  const eventsA: { assigned: string[]; revoked: string[] }[] = [];
  a.onAssignmentChange?.((assigned, revoked) => {
    eventsA.push({ assigned: assigned.map(tpKey).sort(), revoked: revoked.map(tpKey).sort() });
  });
  await waitFor(() => eventsA.length === 1, 15_000, 'initial assignment');
  assert.deepEqual(eventsA[0], { assigned: ['trades/0', 'trades/1', 'trades/2', 'trades/3'], revoked: [] });

  const b = log.consumer<number>({ group: 'reb', topics: ['trades'] });
  let bReady = false;
  const eventsB: string[][] = [];
  b.onAssignmentChange?.(async (assigned) => {
    eventsB.push(assigned.map(tpKey).sort());
    // A stage would reload its checkpoint here; records must wait for it.
    await new Promise((r) => setTimeout(r, 300));
    bReady = true;
  });
  await waitFor(() => eventsA.length === 2 && eventsB.length === 1, 20_000, 'rebalance to two members');
  const bHas = eventsB[0] ?? [];
  assert.equal(bHas.length, 2);
  // A keeps two partitions without interruption and is told it lost the other two.
  assert.deepEqual(eventsA[1], { assigned: [], revoked: bHas });
  assert.deepEqual(
    a.assignments().map(tpKey).sort(),
    ['trades/0', 'trades/1', 'trades/2', 'trades/3'].filter((p) => !bHas.includes(p)),
  );

  await log.producer().send(
    'trades',
    Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: i })),
  );
  const db = drain(b);
  const da = drain(a);
  await waitFor(() => da.records.length + db.records.length >= 40, 20_000, '40 records');
  assert.ok(bReady);

  // B leaves: A gets its partitions back.
  await b.close();
  await db.done;
  await waitFor(() => eventsA.length === 3, 20_000, 'rebalance back to one member');
  assert.deepEqual(eventsA[2], { assigned: bHas, revoked: [] });
  assert.equal(a.assignments().length, 4);
  assert.ok((log.stats().consumer.rebalances ?? 0) >= 4);
  await a.close();
  await da.done;
});

test(
  'a partition that comes back without a committed offset starts at the earliest, not where this member had read to',
  { skip },
  async (t) => {
    // What the kill -9 split test's loss of a partition's first 12,864 records looked like: the
    // client kept its fetch position of a partition it had lost, and used it when the partition
    // came back with no committed offset (only a committed one replaces it).
    const log = testLog(t, kafka());
    await log.ensureTopics([{ name: 'trades', partitions: 2 }]);
    await log
      .producer()
      .send('trades', [
        ...Array.from({ length: 30 }, (_, i) => ({ key: 'a', value: i, partition: 0 })),
        ...Array.from({ length: 30 }, (_, i) => ({ key: 'b', value: 100 + i, partition: 1 })),
      ]);
    const a = log.consumer<number>({ group: 'stale', topics: ['trades'] });
    const events: string[][] = [];
    a.onAssignmentChange?.((assigned) => void events.push(assigned.map(tpKey).sort()));
    const got: LogRecord<number>[] = [];
    const done = (async () => {
      for await (const batch of a) got.push(...batch); // nothing committed
    })();
    await waitFor(() => got.length === 60, 20_000, 'A reads both partitions');

    // B takes one partition away and leaves without committing: it comes back to A.
    const b = log.consumer<number>({ group: 'stale', topics: ['trades'] });
    const bHas: string[] = [];
    b.onAssignmentChange?.((assigned) => void bHas.push(...assigned.map(tpKey)));
    await waitFor(() => bHas.length === 1 && events.length === 2, 20_000, 'B takes a partition');
    await b.close();
    await waitFor(() => events.length === 3, 20_000, 'the partition comes back to A');
    const back = bHas[0] as string;
    assert.deepEqual(events[2], [back]);
    const before = got.length;
    await waitFor(() => got.length >= before + 30, 20_000, `A reads ${back} again from its start`);
    const again = got.slice(before).filter((r) => tpKey(r) === back);
    assert.deepEqual(
      again.map((r) => r.offset),
      Array.from({ length: 30 }, (_, i) => i),
    );
    await a.close();
    await done;
  },
);
