import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { findKafka, partitionCount, testLog, topicsWithPrefix, uniquePrefix, type KafkaTarget } from '../kafka/broker.js';

const found = await findKafka();
const skip = typeof found === 'string' ? found : false;
const kafka = (): KafkaTarget => {
  if (typeof found === 'string') throw new Error(found);
  return found;
};

/** A logger whose warnings the test can read. */
function capture(): { logger: pino.Logger; lines: () => { msg: string; [k: string]: unknown }[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines: () => out.map((l) => JSON.parse(l) as { msg: string }) };
}

test('ensureTopics creates topics with the configured partitions (global, then per topic) and is idempotent', { skip }, async (t) => {
  const k = kafka();
  const log = testLog(t, k, { partitions: 6, topicPartitions: { 'dead-letter': 1 } });
  const specs = [
    { name: 'trades', partitions: 2 },
    { name: 'bars', partitions: 2 },
    { name: 'dead-letter', partitions: 3 },
  ];
  await log.ensureTopics(specs);
  assert.equal(await partitionCount(k, log.topicName('trades')), 6);
  assert.equal(await partitionCount(k, log.topicName('bars')), 6);
  assert.equal(await partitionCount(k, log.topicName('dead-letter')), 1);
  await log.ensureTopics(specs);
  // A second process with the same settings finds them and agrees.
  const other = testLog(t, k, { topicPrefix: log.options.topicPrefix, partitions: 6, topicPartitions: { 'dead-letter': 1 } });
  await other.ensureTopics(specs);
});

test('ensureTopics on existing topics: fewer partitions than configured is LOG_TOPIC, more is a warning', { skip }, async (t) => {
  const k = kafka();
  const prefix = uniquePrefix();
  const first = testLog(t, k, { topicPrefix: prefix });
  await first.ensureTopics([
    { name: 'trades', partitions: 3 },
    { name: 'bars', partitions: 3 },
  ]);
  const fewer = testLog(t, k, { topicPrefix: prefix, partitions: 12 });
  await assert.rejects(fewer.ensureTopics([{ name: 'trades', partitions: 1 }]), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'LOG_TOPIC');
    assert.match(e.message, new RegExp(`${prefix.replace(/\./g, '\\.')}trades has 3 partition\\(s\\), 12 configured`));
    assert.match(e.message, /--partitions/);
    return true;
  });
  const cap = capture();
  const more = testLog(t, k, { topicPrefix: prefix, partitions: 2, logger: cap.logger });
  await more.ensureTopics([{ name: 'bars', partitions: 1 }]);
  assert.ok(cap.lines().some((l) => /more partitions than configured/.test(l.msg) && l['partitions'] === 3 && l['configured'] === 2));
});

test('deleteTopics deletes what exists, and two logs deleting the same topics at once both succeed', { skip }, async (t) => {
  const k = kafka();
  const prefix = uniquePrefix();
  const a = testLog(t, k, { topicPrefix: prefix });
  const b = testLog(t, k, { topicPrefix: prefix });
  await a.ensureTopics([
    { name: 'trades', partitions: 2 },
    { name: 'bars', partitions: 2 },
  ]);
  // Both list the topics, and the later delete request finds them gone: not an error.
  await Promise.all([a.deleteTopics(['trades', 'bars', 'never-created']), b.deleteTopics(['trades', 'bars'])]);
  // Deletion completes asynchronously on the broker; the topics leave the listing shortly.
  const deadline = Date.now() + 30_000;
  let left = await topicsWithPrefix(k, prefix);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = await topicsWithPrefix(k, prefix);
  }
  assert.deepEqual(left, []);
  await a.deleteTopics(['trades']);
});

test('impossible topics and partitions fail with LOG_TOPIC instead of retrying forever', { skip }, async (t) => {
  const k = kafka();
  const log = testLog(t, k, { replicationFactor: 100 });
  await assert.rejects(log.ensureTopics([{ name: 'trades', partitions: 1 }]), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'LOG_TOPIC');
    assert.match(e.message, /replication factor 100/);
    return true;
  });
  const ok = testLog(t, k);
  await assert.rejects(ok.producer().send('nope', [{ key: 'k', value: 1 }]), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'LOG_TOPIC');
    assert.match(e.message, /does not exist/);
    return true;
  });
  await ok.ensureTopics([{ name: 'bars', partitions: 2 }]);
  await assert.rejects(ok.producer().send('bars', [{ key: 'k', value: 1, partition: 2 }]), { code: 'LOG_TOPIC' });
  const c = ok.consumer<number>({ group: 'g', topics: ['missing'] });
  await assert.rejects(
    (async () => {
      for await (const _ of c) break;
    })(),
    { code: 'LOG_TOPIC', message: /missing does not exist/ },
  );
});
