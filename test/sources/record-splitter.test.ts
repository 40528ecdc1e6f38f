import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonArraySplitter } from '../../src/sources/json-array-splitter.js';
import { LineSplitter, type RecordSplitter } from '../../src/sources/record-splitter.js';

function split(s: RecordSplitter, input: Buffer, step: number): { texts: string[]; ends: number[]; oversized: number[] } {
  const texts: string[] = [];
  const ends: number[] = [];
  const oversized: number[] = [];
  const take = (): void => {
    texts.push(s.text);
    ends.push(s.endOffset);
    if (s.oversized) oversized.push(s.recordNo);
  };
  for (let i = 0; i < input.length; i += step) {
    s.feed(input.subarray(i, i + step));
    while (s.next()) take();
  }
  if (s.finish()) take();
  return { texts, ends, oversized };
}

test('lines: same result whatever the chunk boundaries; CRLF, BOM, no final newline', () => {
  const input = Buffer.from('\ufeffa,b\r\nccc\n\nd€,e\r\nlast');
  for (const step of [1, 2, 3, 5, 7, 64]) {
    const r = split(new LineSplitter(), input, step);
    assert.deepEqual(r.texts, ['a,b', 'ccc', '', 'd€,e', 'last']);
    assert.deepEqual(r.ends, [8, 12, 13, 21, 25]);
  }
});

test('lines: an oversized line is cut to an excerpt across any chunking, the next lines survive', () => {
  const input = Buffer.from(`ok\n${'x'.repeat(5000)}\nafter\n${'y'.repeat(100)}`);
  for (const step of [1, 13, 4096, 100_000]) {
    const r = split(new LineSplitter(0, 0, 1000), input, step);
    assert.deepEqual(r.oversized, [2], `step ${step}`);
    assert.equal(r.texts[2], 'after');
    assert.ok((r.texts[1]?.length ?? 0) <= 600);
    assert.equal(r.texts[3], 'y'.repeat(100));
  }
});

test('json array: elements with nested brackets, commas and escapes in strings', () => {
  const elements = ['{"a":"x,]}\\"y","b":[1,{"c":2}]}', '42', '"s,t"', '{"d":"\\\\"}'];
  const input = Buffer.from(` [ ${elements.join(' ,\n')} ] `);
  for (const step of [1, 2, 7, 1000]) {
    const r = split(new JsonArraySplitter(), input, step);
    assert.deepEqual(r.texts, elements);
  }
});
