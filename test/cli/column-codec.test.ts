// The binary (column) codec of the split deployment's output topics: every flat record type
// round-trips exactly, nulls included; bytes that do not follow the layout and values that do
// not fit the schema are refused with LOG_CODEC (so the log dead-letters them), never decoded
// into something else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ColumnBatch, columnFields, outputValues } from '../../src/cli/pipeline/column-codec.js';
import { OUTPUT_SCHEMA_VERSION, pipelineCodecs } from '../../src/cli/pipeline/output-codecs.js';
import { BarSchema, ModelVersionSchema, type FeedGap, type Prediction } from '../../src/core/index.js';
import { TOPICS } from '../../src/log/index.js';
import { ETH, SLASH, T0, alert, bar, indicatorSet, lateTrade, reject, windowStats } from '../store/fixtures.js';

const codecs = pipelineCodecs('binary', 'binary');

function codec(topic: string) {
  const c = codecs[topic];
  assert.ok(c);
  return c;
}

const gap = (i: number): FeedGap => ({
  type: 'gap',
  instrument: ETH,
  start: T0 + i,
  end: T0 + i + 5000,
  kind: i % 2 === 0 ? 'ids' : 'disconnect',
  missing: i % 2 === 0 ? 12 : -1,
  source: 'binance#0',
  time: T0 + 9000,
});
const prediction = (i: number): Prediction => ({
  type: 'prediction',
  instrument: SLASH,
  interval: '1m',
  model: i % 2 === 0 ? 'rls' : 'drift',
  start: T0 + i * 60_000,
  target: T0 + (i + 1) * 60_000,
  close: 100 + i,
  return: -0.0012,
  pUp: 0.41,
  predictedClose: 99.88,
  champion: i === 0,
});

const cases: [string, unknown[]][] = [
  [TOPICS.bars, [bar(0), { ...bar(1), final: false }, bar(2, ETH, '1s', 1000)]],
  [TOPICS.indicators, [indicatorSet(0), { ...indicatorSet(1), rsi: null, realizedVol: null }, indicatorSet(2, SLASH, '5m')]],
  [TOPICS.alerts, [alert(0), alert(1, ETH, 'volume_spike', 'critical')]],
  [TOPICS.windows, [windowStats(0), windowStats(1)]],
  [TOPICS.late, [lateTrade(0), lateTrade(1)]],
  [TOPICS.rejects, [reject(0), reject(1, 'BAD_SIZE')]],
  [TOPICS.gaps, [gap(0), gap(1)]],
  [TOPICS.predictions, [prediction(0), prediction(1)]],
];

for (const [topic, values] of cases) {
  test(`${topic}: values round-trip through the column codec, in order, nulls kept`, () => {
    const c = codec(topic);
    assert.equal(c.name, 'tickflow-columns');
    assert.equal(c.version, OUTPUT_SCHEMA_VERSION);
    const bytes = c.encode(values);
    const decoded = c.decode(bytes, c.version);
    assert.ok(decoded instanceof ColumnBatch);
    assert.equal(decoded.length, values.length);
    assert.deepEqual(outputValues(decoded), values);
    assert.deepEqual(decoded.at(1), values[1]);
    // A record inside a fetched batch sits at any offset: no alignment is assumed.
    const odd = Buffer.concat([Buffer.alloc(3), bytes]).subarray(3);
    assert.deepEqual(outputValues(c.decode(odd, c.version) as ColumnBatch), values);
    assert.deepEqual(outputValues(c.decode(c.encode([]), c.version) as ColumnBatch), []);
  });
}

test('a record encodes to the same bytes whatever the codec encoded before it (scratch columns reused, padding zeroed)', () => {
  const fresh = () => pipelineCodecs('binary', 'binary')[TOPICS.bars];
  const small = [bar(1), { ...bar(2), instrument: SLASH }];
  const alone = fresh()?.encode(small);
  const c = fresh();
  assert.ok(alone && c);
  // A larger record first, with longer strings, so the small one's padding and columns sit where its values were.
  c.encode(Array.from({ length: 300 }, (_, i) => ({ ...bar(i), instrument: `${SLASH}${'x'.repeat(i % 7)}` })));
  assert.deepEqual(c.encode(small), alone);
  assert.deepEqual(outputValues(c.decode(alone, c.version) as ColumnBatch), small);
});

test('columns take a third of the JSON bytes of a bars record', () => {
  const values = Array.from({ length: 100 }, (_, i) => bar(i));
  const json = pipelineCodecs('binary', 'json')[TOPICS.bars];
  assert.ok(json);
  const columns = codec(TOPICS.bars).encode(values).length;
  assert.ok(columns * 2 < json.encode(values).length, `${columns} bytes`);
});

test('bytes that do not follow the layout are refused with LOG_CODEC', () => {
  const c = codec(TOPICS.bars);
  const bytes = c.encode([bar(0), bar(1)]);
  assert.throws(() => c.decode(bytes.subarray(0, 4), c.version), { code: 'LOG_CODEC', message: /too short/ });
  assert.throws(() => c.decode(bytes.subarray(0, bytes.length - 1), c.version), { code: 'LOG_CODEC', message: /layout of 2 values/ });
  assert.throws(() => c.decode(Buffer.concat([bytes, Buffer.alloc(1)]), c.version), { code: 'LOG_CODEC', message: /layout/ });
  const many = Buffer.from(bytes);
  many.writeUInt32LE(0xffffffff, 0);
  assert.throws(() => c.decode(many, c.version), { code: 'LOG_CODEC', message: /more than a record holds/ });
  const table = Buffer.from(bytes);
  table.writeUInt16LE(200, 4);
  assert.throws(() => c.decode(table, c.version), { code: 'LOG_CODEC', message: /string table cut short/ });
  assert.throws(() => c.decode(Buffer.from(JSON.stringify([bar(0)])), c.version), { code: 'LOG_CODEC' });
});

test('a string index outside the table is refused', () => {
  const c = codec(TOPICS.bars);
  const bytes = Buffer.from(c.encode([bar(0)]));
  // Last columns: the two string indexes (instrument, interval), then the boolean.
  bytes.writeUInt16LE(9, bytes.length - 1 - 4);
  assert.throws(() => c.decode(bytes, c.version), { code: 'LOG_CODEC', message: /instrument of value 0 names no string/ });
});

test('decoded values are checked against the schema like JSON ones', () => {
  const c = codec(TOPICS.bars);
  // A revision must be a non-negative integer: the layout carries any float64.
  assert.throws(() => c.decode(c.encode([bar(0), { ...bar(1), revision: 1.5 }]), c.version), {
    code: 'LOG_CODEC',
    message: /bars record does not match its schema: \/1\/revision/,
  });
  assert.throws(() => c.decode(c.encode([{ ...bar(1), close: Number.NaN }]), c.version), { code: 'LOG_CODEC', message: /\/0\/close/ });
  assert.throws(() => c.decode(c.encode([{ ...bar(1), close: Number.POSITIVE_INFINITY }]), c.version), {
    code: 'LOG_CODEC',
    message: /\/0\/close/,
  });
  // An integer without bounds is still an integer (Bar.trades).
  assert.throws(() => c.decode(c.encode([bar(0), bar(1), { ...bar(2), trades: 2.5 }]), c.version), {
    code: 'LOG_CODEC',
    message: /\/2\/trades/,
  });
});

test('columns give each field of every row (numbers with NaN for null, strings by row, booleans as 0/1)', () => {
  const c = codec(TOPICS.indicators);
  const sets = [indicatorSet(0), { ...indicatorSet(1, ETH), rsi: null }];
  const batch = c.decode(c.encode(sets), c.version) as ColumnBatch;
  assert.deepEqual([...batch.num('start')], [sets[0]?.start, sets[1]?.start]);
  assert.ok(Number.isNaN(batch.num('rsi')[1]));
  assert.deepEqual([batch.strings('instrument')(0), batch.strings('instrument')(1)], [sets[0]?.instrument, ETH]);
  const bars = codec(TOPICS.bars).decode(codec(TOPICS.bars).encode([bar(0), { ...bar(1), final: false }]), 2) as ColumnBatch;
  assert.deepEqual([...bars.bool('final')], [1, 0]);
  assert.deepEqual([...bars.strIds('interval')], [2, 2]);
});

test('a boolean byte other than 0 or 1 and a value outside a union of literals are refused', () => {
  const c = codec(TOPICS.bars);
  const bytes = Buffer.from(c.encode([bar(0)]));
  bytes[bytes.length - 1] = 7;
  assert.throws(() => c.decode(bytes, c.version), { code: 'LOG_CODEC', message: /\/0\/final must be a boolean/ });
  const g = codec(TOPICS.gaps);
  const wrong = g.encode([{ ...gap(0), kind: 'power-cut' }]);
  assert.throws(() => g.decode(wrong, g.version), { code: 'LOG_CODEC', message: /gaps record does not match its schema: \/0\/kind/ });
});

test('values the layout cannot hold are refused when encoding', () => {
  const c = codec(TOPICS.bars);
  assert.throws(() => c.encode([{ ...bar(0), close: '1.5' }]), { code: 'LOG_CODEC', message: /close of value 0 is not a number/ });
  assert.throws(() => c.encode([{ ...bar(0), instrument: null }]), { code: 'LOG_CODEC', message: /instrument of value 0 is not a string/ });
  assert.throws(() => c.encode(bar(0)), { code: 'LOG_CODEC', message: /array/ });
});

test('record types that are not flat keep JSON in the binary setting', () => {
  assert.ok(columnFields(BarSchema));
  assert.equal(columnFields(ModelVersionSchema), null);
  assert.equal(codec(TOPICS.modelVersions).name, 'json');
  assert.equal(codec(TOPICS.modelMetrics).name, 'json');
});
