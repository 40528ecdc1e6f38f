// The codecs of the split deployment's output topics: JSON checked against each record type's
// schema, so a wrong-schema record is refused (and dead-lettered by the log), never stored. A
// record holds the values of one key from one batch (schema version 2); version 1 records held
// one value and are still read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_VALUES_PER_RECORD, OUTPUT_SCHEMA_VERSION, outputRecords, pipelineCodecs } from '../../src/cli/pipeline/output-codecs.js';
import { TOPICS } from '../../src/log/index.js';
import { ETH, bar, indicatorSet } from '../store/fixtures.js';

const codecs = pipelineCodecs('binary');

function codec(topic: string) {
  const c = codecs[topic];
  assert.ok(c);
  return c;
}

test('bars round-trip through the bars codec as one record', () => {
  const c = codec(TOPICS.bars);
  assert.equal(c.version, OUTPUT_SCHEMA_VERSION);
  const bars = [bar(3), bar(4), bar(5)];
  assert.deepEqual(c.decode(c.encode(bars), c.version), bars);
});

test('a version 1 record (one bar) is still read, as a one-bar array', () => {
  const c = codec(TOPICS.bars);
  assert.deepEqual(c.decode(Buffer.from(JSON.stringify(bar(3))), 1), [bar(3)]);
});

test('a wrong-schema bar is refused with LOG_CODEC naming its index and field', () => {
  const c = codec(TOPICS.bars);
  const bytes = Buffer.from(JSON.stringify([bar(2), { ...bar(3), close: 'high' }]));
  assert.throws(() => c.decode(bytes, c.version), { code: 'LOG_CODEC', message: /bars record does not match its schema: \/1\/close/ });
  const missing: Record<string, unknown> = { ...bar(3) };
  delete missing['vwap'];
  assert.throws(() => c.decode(Buffer.from(JSON.stringify([missing])), c.version), { code: 'LOG_CODEC', message: /vwap/ });
  assert.throws(() => c.decode(Buffer.from(JSON.stringify(bar(3))), c.version), { code: 'LOG_CODEC', message: /bars record/ });
  assert.throws(() => c.decode(Buffer.from(JSON.stringify({ ...bar(3), close: 'high' })), 1), { code: 'LOG_CODEC', message: /\/close/ });
});

test('outputRecords: one record per key, order kept within a key, at most MAX_VALUES_PER_RECORD values each', () => {
  const values = [bar(0), bar(0, ETH), bar(1), bar(1, ETH), bar(2)];
  const recs = outputRecords(values, (b) => b.instrument);
  assert.deepEqual(
    recs.map((r) => [r.key, r.value.map((b) => b.start)]),
    [
      [bar(0).instrument, [bar(0).start, bar(1).start, bar(2).start]],
      [ETH, [bar(0).start, bar(1).start]],
    ],
  );
  const many = Array.from({ length: MAX_VALUES_PER_RECORD * 2 + 1 }, (_, i) => bar(i));
  const split = outputRecords(many, (b) => b.instrument);
  assert.deepEqual(
    split.map((r) => r.value.length),
    [MAX_VALUES_PER_RECORD, MAX_VALUES_PER_RECORD, 1],
  );
  assert.deepEqual(
    split.flatMap((r) => r.value),
    many,
  );
  assert.deepEqual(
    outputRecords(many.slice(0, 3), (b) => b.instrument, 1).map((r) => r.value.length),
    [1, 1, 1],
  );
});

test('a full record of the largest routine values stays far below the 1 MB Kafka record limit', () => {
  const c = codec(TOPICS.indicators);
  const sets = Array.from({ length: MAX_VALUES_PER_RECORD }, (_, i) => ({
    ...indicatorSet(i, 'binanceusdm:1000000BABYDOGEUSDT', '15m'),
    sma: -1.234567890123456e-7,
  }));
  const bytes = c.encode(sets).length;
  assert.ok(bytes < 512 * 1024, `${bytes} bytes`);
});
