// The codecs of the split deployment's output topics: JSON checked against each record type's
// schema, so a wrong-schema record is refused (and dead-lettered by the log), never stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineCodecs } from '../../src/cli/pipeline/output-codecs.js';
import { TOPICS } from '../../src/log/index.js';
import { bar } from '../store/fixtures.js';

const codecs = pipelineCodecs('binary');

test('a bar round-trips through the bars codec', () => {
  const c = codecs[TOPICS.bars];
  assert.ok(c);
  const b = bar(3);
  assert.deepEqual(c.decode(c.encode(b), c.version), b);
});

test('a wrong-schema bar is refused with LOG_CODEC naming the field', () => {
  const c = codecs[TOPICS.bars];
  assert.ok(c);
  const bytes = Buffer.from(JSON.stringify({ ...bar(3), close: 'high' }));
  assert.throws(() => c.decode(bytes, c.version), { code: 'LOG_CODEC', message: /bars record does not match its schema: \/close/ });
  const missing: Record<string, unknown> = { ...bar(3) };
  delete missing['vwap'];
  assert.throws(() => c.decode(Buffer.from(JSON.stringify(missing)), c.version), { code: 'LOG_CODEC', message: /vwap/ });
});
