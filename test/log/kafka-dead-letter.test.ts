import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonCodec, TOPICS, type Codec, type DeadLetter, type LogRecord } from '../../src/log/index.js';
import { findKafka, produceRaw, testLog, type KafkaTarget } from '../kafka/broker.js';
import { waitFor } from '../helpers.js';

const found = await findKafka();
const skip = typeof found === 'string' ? found : false;
const kafka = (): KafkaTarget => {
  if (typeof found === 'string') throw new Error(found);
  return found;
};

interface Tick {
  readonly px: number;
}

/** The schema of the test topic: an object with a positive numeric px. */
const tickCodec = jsonCodec<Tick>({
  validate(v) {
    if (typeof v !== 'object' || v === null || typeof (v as { px?: unknown }).px !== 'number' || !((v as Tick).px > 0)) {
      throw new Error('not a Tick: px must be a positive number');
    }
    return v as Tick;
  },
});

test(
  'garbage bytes and wrong-schema JSON go to the dead-letter topic with the reason; good records flow on; offsets move past them',
  { skip },
  async (t) => {
    const k = kafka();
    const log = testLog(t, k, { codecs: { trades: tickCodec } });
    await log.ensureTopics([{ name: 'trades', partitions: 1 }]);
    const full = log.topicName('trades');
    await log.producer().send('trades', [{ key: 'binance:BTCUSDT', value: { px: 1 } }]);
    await produceRaw(k, full, [
      { key: 'binance:BTCUSDT', value: Buffer.from([0xff, 0x00, 0x13, 0x37, 0x7b]) },
      { key: 'binance:BTCUSDT', value: '{"price": 5}' },
      { key: 'binance:BTCUSDT', value: '{"px": 2}', headers: { 'tf-codec': 'json', 'tf-schema': '7' } },
      { key: 'binance:BTCUSDT', value: '{"px": 3}', headers: { 'tf-codec': 'avro' } },
      { key: 'binance:BTCUSDT', value: '' },
      // Written by another tool without headers, but valid: accepted.
      { key: 'binance:BTCUSDT', value: '{"px": 4}' },
    ]);
    await log.producer().send('trades', [{ key: 'binance:BTCUSDT', value: { px: 5 } }]);
    // Trailing garbage: nobody will commit past it but the log itself.
    await produceRaw(k, full, [{ key: 'binance:BTCUSDT', value: 'not json' }]);

    const c = log.consumer<Tick>({ group: 'g', topics: ['trades'] });
    const good: LogRecord<Tick>[] = [];
    for await (const batch of c) {
      good.push(...batch);
      await c.commit(batch.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1 })));
      if (good.length >= 3) break;
    }
    assert.deepEqual(
      good.map((r) => [r.offset, r.value.px]),
      [
        [0, 1],
        [6, 4],
        [7, 5],
      ],
    );
    const stats = log.stats();
    assert.equal(stats.consumer.deadLettered, 6);
    assert.deepEqual(stats.consumer.deadLetteredByReason, { DECODE_FAILED: 3, SCHEMA_VERSION: 1, UNKNOWN_CODEC: 1, NO_VALUE: 1 });

    // The trailing dead letter counts as consumed: a restart does not read it again.
    const again = log.consumer<Tick>({ group: 'g', topics: ['trades'] });
    await waitFor(() => again.assignments().length === 1, 15_000, 'assignment');
    assert.deepEqual(await again.committed(), [{ topic: 'trades', partition: 0, offset: 9 }]);
    await again.close();

    const dl = log.consumer<DeadLetter>({ group: 'inspect', topics: [TOPICS.deadLetter] });
    const letters: DeadLetter[] = [];
    for await (const batch of dl) {
      letters.push(...batch.map((r) => r.value));
      if (letters.length >= 6) break;
    }
    assert.deepEqual(
      letters.map((l) => [l.topic, l.partition, l.offset, l.reason, l.group]),
      [
        ['trades', 0, 1, 'DECODE_FAILED', 'g'],
        ['trades', 0, 2, 'DECODE_FAILED', 'g'],
        ['trades', 0, 3, 'SCHEMA_VERSION', 'g'],
        ['trades', 0, 4, 'UNKNOWN_CODEC', 'g'],
        ['trades', 0, 5, 'NO_VALUE', 'g'],
        ['trades', 0, 8, 'DECODE_FAILED', 'g'],
      ],
    );
    assert.deepEqual(letters[0]?.bytes, Buffer.from([0xff, 0x00, 0x13, 0x37, 0x7b]));
    assert.equal(letters[0]?.key, 'binance:BTCUSDT');
    assert.match(letters[1]?.error ?? '', /not a Tick/);
    assert.match(letters[2]?.error ?? '', /schema version 7/);
    assert.deepEqual(letters[2]?.headers, { 'tf-codec': 'json', 'tf-schema': '7' });
    assert.match(letters[3]?.error ?? '', /avro/);
  },
);

test('a codec per topic: its name and schema version travel in headers; older versions it reads are accepted', { skip }, async (t) => {
  const k = kafka();
  // A compact fixed-width codec for the test: 8 bytes of float64.
  const v2: Codec<Tick> = {
    name: 'f64',
    version: 2,
    reads: [1, 2],
    encode: (v) => {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(v.px);
      return b;
    },
    decode: (b, version) => ({ px: version === 1 ? b.readFloatLE(0) : b.readDoubleLE(0) }),
  };
  const log = testLog(t, k, { codecs: { trades: v2 } });
  await log.ensureTopics([{ name: 'trades', partitions: 1 }]);
  const old = Buffer.alloc(4);
  old.writeFloatLE(1.5);
  await produceRaw(k, log.topicName('trades'), [{ key: 'x', value: old, headers: { 'tf-codec': 'f64', 'tf-schema': '1' } }]);
  await log.producer().send('trades', [{ key: 'x', value: { px: 101.25 } }]);
  const c = log.consumer<Tick>({ group: 'g', topics: ['trades'] });
  const got: number[] = [];
  for await (const batch of c) {
    got.push(...batch.map((r) => r.value.px));
    if (got.length >= 2) break;
  }
  assert.deepEqual(got, [1.5, 101.25]);
  assert.equal(log.stats().consumer.deadLettered, 0);
});

test('the dead-letter topic is created when a consumer needs it', { skip }, async (t) => {
  const k = kafka();
  const log = testLog(t, k);
  await log.ensureTopics([{ name: 'alerts', partitions: 2 }]);
  await produceRaw(k, log.topicName('alerts'), [{ key: 'a', value: '{"truncated": ', partition: 1 }]);
  await log.producer().send('alerts', [{ key: 'a', value: { ok: true }, partition: 1 }]);
  const c = log.consumer<{ ok: boolean }>({ group: 'g', topics: ['alerts'] });
  for await (const batch of c) {
    assert.deepEqual(
      batch.map((r) => r.value),
      [{ ok: true }],
    );
    break;
  }
  assert.equal(log.stats().consumer.deadLettered, 1);
  const dl = log.consumer<DeadLetter>({ group: 'inspect', topics: [TOPICS.deadLetter] });
  for await (const batch of dl) {
    assert.equal(batch[0]?.value.topic, 'alerts');
    assert.equal(batch[0]?.value.partition, 1);
    assert.equal(batch[0]?.value.reason, 'DECODE_FAILED');
    break;
  }
});
