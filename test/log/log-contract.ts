/**
 * The semantics every `Log` implementation shares, run against each of them by
 * log-contract.test.ts. Implementation details (capacity, retention, which partition a key
 * hashes to, rebalance timing) are tested in each implementation's own file.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Log, LogConsumer, LogRecord, TopicPartition } from '../../src/log/index.js';
import { waitFor } from '../helpers.js';

export interface ContractOptions {
  readonly skip?: string | false;
  readonly make: (t: TestContext) => Log | Promise<Log>;
}

async function collect<T>(it: AsyncIterable<LogRecord<T>[]>, n: number): Promise<LogRecord<T>[]> {
  const out: LogRecord<T>[] = [];
  for await (const recs of it) {
    out.push(...recs);
    if (out.length >= n) break;
  }
  return out;
}

const key = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

async function assigned(cs: readonly LogConsumer<unknown>[], partitions: number): Promise<void> {
  await waitFor(
    () => new Set(cs.flatMap((c) => c.assignments().map(key))).size === partitions && cs.every((c) => c.assignments().length > 0),
    20_000,
    'assignments',
  );
}

export function logContract(name: string, o: ContractOptions): void {
  const skip = o.skip ?? false;

  test(`${name}: one key, one partition, in order; offsets count up from 0 per partition`, { skip }, async (t) => {
    const log = await o.make(t);
    await log.ensureTopics([{ name: 't', partitions: 4 }]);
    const c = log.consumer<number>({ group: 'g', topics: ['t'] });
    await log.producer().send(
      't',
      Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 5}`, value: i })),
    );
    const got = await collect(c, 40);
    assert.equal(got.length, 40);
    const byKey = new Map<string, LogRecord<number>[]>();
    for (const r of got) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    for (const recs of byKey.values()) {
      assert.equal(new Set(recs.map((r) => r.partition)).size, 1);
      assert.deepEqual(
        recs.map((r) => r.value),
        recs.map((r) => r.value).sort((a, b) => a - b),
      );
    }
    for (let p = 0; p < 4; p++) {
      const offs = got
        .filter((r) => r.partition === p)
        .map((r) => r.offset)
        .sort((a, b) => a - b);
      assert.deepEqual(
        offs,
        offs.map((_, i) => i),
      );
    }
  });

  test(`${name}: every group sees every record; members of one group share the partitions`, { skip }, async (t) => {
    const log = await o.make(t);
    await log.ensureTopics([{ name: 't', partitions: 2 }]);
    const a1 = log.consumer<number>({ group: 'a', topics: ['t'] });
    const a2 = log.consumer<number>({ group: 'a', topics: ['t'] });
    const b = log.consumer<number>({ group: 'b', topics: ['t'] });
    await assigned([a1, a2], 2);
    await log.producer().send('t', [
      { key: 'x', value: 1, partition: 0 },
      { key: 'y', value: 2, partition: 1 },
    ]);
    const [g1, g2, gb] = await Promise.all([collect(a1, 1), collect(a2, 1), collect(b, 2)]);
    assert.deepEqual([...g1, ...g2].map((r) => r.value).sort(), [1, 2]);
    assert.deepEqual(gb.map((r) => r.value).sort(), [1, 2]);
  });

  test(`${name}: commit stores offsets per group; lag counts what is not committed`, { skip }, async (t) => {
    const log = await o.make(t);
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    await log.producer().send(
      't',
      Array.from({ length: 8 }, (_, i) => ({ key: 'k', value: i })),
    );
    const c = log.consumer<number>({ group: 'g', topics: ['t'] });
    await assigned([c], 1);
    await c.commit([{ topic: 't', partition: 0, offset: 5 }]);
    assert.deepEqual(await c.committed(), [{ topic: 't', partition: 0, offset: 5 }]);
    assert.deepEqual(await c.lag?.(), [{ topic: 't', partition: 0, endOffset: 8, committed: 5, lag: 3 }]);
    await c.close();
  });

  test(`${name}: the assignment listener is told the initial assignment`, { skip }, async (t) => {
    const log = await o.make(t);
    await log.ensureTopics([{ name: 't', partitions: 3 }]);
    const c = log.consumer<number>({ group: 'g', topics: ['t'] });
    const calls: [string[], string[]][] = [];
    c.onAssignmentChange?.((a, r) => {
      calls.push([a.map(key).sort(), r.map(key)]);
    });
    await log.producer().send('t', [{ key: 'k', value: 1 }]);
    await collect(c, 1);
    assert.deepEqual(calls[0], [['t/0', 't/1', 't/2'], []]);
  });

  test(`${name}: close ends iteration; producing to a closed log fails with LOG_CLOSED`, { skip }, async (t) => {
    const log = await o.make(t);
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    const c = log.consumer<number>({ group: 'g', topics: ['t'] });
    const iter = collect(c, 1);
    await log.close();
    assert.deepEqual(await iter, []);
    await assert.rejects(log.producer().send('t', [{ key: 'k', value: 1 }]), { code: 'LOG_CLOSED' });
  });
}
