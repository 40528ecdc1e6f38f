import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '../../src/log/index.js';
import { kafkaSh, ownBrokerUnavailable, testLog } from '../kafka/broker.js';
import { waitFor } from '../helpers.js';

// A broker of this test's own, so stopping it does not disturb the other test files.
const PORT = Number(process.env['KAFKA_OUTAGE_PORT'] ?? 19192);
const skip = ownBrokerUnavailable();

test(
  'broker down: sends buffer up to the limit, then wait; retries are counted; when it returns nothing is lost or doubled',
  { skip, timeout: 240_000 },
  async (t) => {
    kafkaSh('start', PORT);
    const k = { brokers: [`127.0.0.1:${PORT}`], managed: true };
    const limit = 256 * 1024;
    const log = testLog(t, k, {
      bufferMemoryBytes: limit,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 500,
      requestTimeoutMs: 3000,
      connectTimeoutMs: 1000,
    });
    // After the log's own clean-up (hooks run in order): the broker and its data go.
    t.after(() => kafkaSh('reset', PORT));
    await log.ensureTopics([{ name: 'trades', partitions: 3 }]);
    const c = log.consumer<{ i: number; pad: string }>({ group: 'g', topics: ['trades'] });
    const got: LogRecord<{ i: number; pad: string }>[] = [];
    const draining = (async () => {
      for await (const batch of c) {
        got.push(...batch);
        await c.commit(batch.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset + 1 })));
      }
    })();
    const pad = 'x'.repeat(1000);
    const producer = log.producer();
    const record = (i: number): { key: string; value: { i: number; pad: string } } => ({ key: `binance:S${i % 17}`, value: { i, pad } });
    await producer.send(
      'trades',
      Array.from({ length: 200 }, (_, i) => record(i)),
    );
    await waitFor(() => got.length >= 200, 20_000, 'records before the outage');

    kafkaSh('stop', PORT);
    // 1,000 records of ~1 KiB in sends of 10: four times what the buffer holds.
    let resolved = 0;
    const sends = Array.from({ length: 100 }, (_, s) =>
      producer
        .send(
          'trades',
          Array.from({ length: 10 }, (_, j) => record(200 + s * 10 + j)),
        )
        .then(() => resolved++),
    );
    await waitFor(() => log.stats().producer.retries >= 3, 30_000, 'retries while the broker is down');
    const during = log.stats();
    assert.equal(during.connected, false);
    assert.ok(during.producer.lastError, 'last error recorded');
    assert.ok(during.producer.bufferedBytes <= limit, `buffer ${during.producer.bufferedBytes} within ${limit}`);
    assert.ok(during.producer.bufferedBytes > limit / 2, 'the buffer fills up');
    assert.equal(resolved, 0, 'nothing is acknowledged while the broker is down');
    assert.ok(log.depths().some((d) => d.name.includes('producer buffer') && d.depth > 0));

    kafkaSh('start', PORT);
    await Promise.all(sends);
    await waitFor(() => new Set(got.map((r) => r.value.i)).size >= 1200, 60_000, 'every record after the outage');
    const values = got.map((r) => r.value.i);
    assert.deepEqual(
      [...new Set(values)].sort((a, b) => a - b),
      Array.from({ length: 1200 }, (_, i) => i),
    );
    const after = log.stats();
    assert.equal(after.connected, true);
    assert.equal(after.producer.bufferedBytes, 0);
    assert.equal(after.producer.sentRecords, 1200);
    // Per key, the order of the sends survives the retries.
    const byKey = new Map<string, number[]>();
    for (const r of got) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.value.i]);
    for (const [key, vs] of byKey) {
      const firstSeen = vs.filter((v, i) => vs.indexOf(v) === i);
      assert.deepEqual(
        firstSeen,
        [...firstSeen].sort((a, b) => a - b),
        `order of ${key}`,
      );
    }
    // The idempotent producer wrote every record once, retries or not: the partitions hold exactly 1,200.
    const audit = log.consumer<unknown>({ group: 'audit', topics: ['trades'] });
    await waitFor(() => audit.assignments().length === 3, 20_000, 'audit assignment');
    const ends = (await audit.lag?.()) ?? [];
    assert.equal(
      ends.reduce((n, l) => n + l.endOffset, 0),
      1200,
    );
    await audit.close();
    t.diagnostic(
      `duplicates delivered to the consumer: ${values.length - new Set(values).size}; consumer reconnects: ${after.consumer.reconnects}`,
    );
    await c.close();
    await draining;
  },
);
