// Kafka clients side by side on the same broker: @platformatic/kafka (what src/log/kafka uses),
// kafkajs, and tickflow's KafkaLog on top of @platformatic/kafka (JSON codec, idempotent).
// Run: node --import tsx bench/kafka-clients.bench.ts [messages=200000] [rounds=3]
// (BENCH_NO_RECORD=1 prints without appending to docs/BENCHMARKS.md.)
// Broker: KAFKA_BROKERS (host:port,…), else 127.0.0.1:9092 (`infra/kafka/kafka.sh start`); without
// one it prints why and skips. Every client writes the same ~150-byte JSON trade, keyed by one of
// 20 instruments, in sends of 1,000 messages with up to 4 sends in flight, acks=all, no
// compression, into a fresh 6-partition topic; then a fresh consumer group reads the topic from
// the start without committing. Rounds alternate the clients; the best round of each is reported.
import { createConnection } from 'node:net';
import { Admin, Consumer, MessagesStreamModes, ProduceAcks, Producer, compatibilityPartitioner } from '@platformatic/kafka';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { KafkaLog } from '../src/log/kafka/index.js';
import { report, type Row } from './report.js';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const BATCH = 1000;
const IN_FLIGHT = 4;
const PARTITIONS = 6;
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const KEYS = Array.from({ length: 20 }, (_, i) => `binance:SYM${String(i).padStart(2, '0')}USDT`);

interface Trade {
  readonly e: string;
  readonly s: string;
  readonly t: number;
  readonly p: number;
  readonly q: number;
  readonly T: number;
  readonly m: boolean;
  readonly b: number;
  readonly a: number;
  readonly x: string;
}

function trade(i: number): Trade {
  return {
    e: 'trade',
    s: KEYS[i % KEYS.length] ?? '',
    t: 4_100_000_000 + i,
    p: 64123.45 + (i % 100) / 100,
    q: 0.00132,
    T: 1_769_904_000_000 + i,
    m: i % 2 === 0,
    b: 88_000_000 + i,
    a: 88_100_000 + i,
    x: 'binance-spot-ws',
  };
}
const SAMPLE = Buffer.from(JSON.stringify(trade(0)));
const VALUES = Array.from({ length: BATCH }, (_, i) => Buffer.from(JSON.stringify(trade(i))));
const KEY_BUFS = KEYS.map((k) => Buffer.from(k));
const keyBuf = (i: number): Buffer => KEY_BUFS[i % KEY_BUFS.length] ?? Buffer.alloc(0);

interface Result {
  readonly produceS: number;
  readonly consumeS: number;
}

/** Sends N messages in batches with at most IN_FLIGHT sends pending. */
async function pump(send: (from: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  const pending = new Set<Promise<unknown>>();
  for (let from = 0; from < N; from += BATCH) {
    const p = send(from).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= IN_FLIGHT) await Promise.race(pending);
  }
  await Promise.all(pending);
  return (performance.now() - t0) / 1000;
}

async function platformatic(topic: string): Promise<Result> {
  const producer = new Producer({
    clientId: 'bench-plt',
    bootstrapBrokers: BROKERS,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
  });
  const produceS = await pump((from) =>
    producer.send({
      messages: VALUES.slice(0, Math.min(BATCH, N - from)).map((value, i) => ({ topic, key: keyBuf(from + i), value })),
    }),
  );
  await producer.close();
  const consumer = new Consumer({
    clientId: 'bench-plt',
    groupId: `${topic}-plt`,
    bootstrapBrokers: BROKERS,
    autocommit: false,
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  let n = 0;
  let t0 = 0;
  await new Promise<void>((resolve) => {
    stream.on('data', () => {
      if (n++ === 0) t0 = performance.now();
      if (n === N) resolve();
    });
  });
  const consumeS = (performance.now() - t0) / 1000;
  await stream.close();
  await consumer.close();
  return { produceS, consumeS };
}

async function kafkajs(topic: string): Promise<Result> {
  const kafka = new Kafka({ clientId: 'bench-kjs', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const produceS = await pump((from) =>
    producer.send({
      topic,
      acks: -1,
      messages: VALUES.slice(0, Math.min(BATCH, N - from)).map((value, i) => ({ key: keyBuf(from + i), value })),
    }),
  );
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-kjs`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  let t0 = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (n === 0) t0 = performance.now();
        n += batch.messages.length;
        if (n >= N) resolve();
      },
    });
  });
  await done;
  const consumeS = (performance.now() - t0) / 1000;
  await consumer.disconnect();
  return { produceS, consumeS };
}

async function kafkaLog(topic: string): Promise<Result> {
  // The log adds its prefix to names; the topic is created by the caller under its full name.
  const log = new KafkaLog({ brokers: BROKERS, clientId: 'bench-log', topicPrefix: topic.slice(0, topic.lastIndexOf('.') + 1) });
  const name = topic.slice(topic.lastIndexOf('.') + 1);
  const producer = log.producer();
  const batches = Array.from({ length: BATCH }, (_, i) => trade(i));
  const produceS = await pump((from) =>
    producer.send(
      name,
      batches.slice(0, Math.min(BATCH, N - from)).map((value, i) => ({ key: KEYS[(from + i) % KEYS.length] ?? '', value })),
    ),
  );
  const c = log.consumer<Trade>({ group: 'bench', topics: [name], maxRecords: 1000 });
  let n = 0;
  let t0 = 0;
  for await (const batch of c) {
    if (n === 0) t0 = performance.now();
    n += batch.length;
    if (n >= N) break;
  }
  const consumeS = (performance.now() - t0) / 1000;
  await log.close();
  return { produceS, consumeS };
}

function reachable(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = createConnection({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

if (!(await reachable(BROKERS[0] ?? ''))) {
  process.stdout.write(
    `kafka-clients: skipped, no Kafka broker at ${BROKERS.join(',')} (infra/kafka/kafka.sh start, or set KAFKA_BROKERS)\n`,
  );
  process.exit(0);
}

const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: BROKERS });
const run = Date.now().toString(36);
const clients: [string, (topic: string) => Promise<Result>][] = [
  ['@platformatic/kafka', platformatic],
  ['kafkajs', kafkajs],
  ['tickflow KafkaLog (JSON codec, idempotent)', kafkaLog],
];
const best = new Map<string, Result>();
const created: string[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, f] of round % 2 === 0 ? clients : [...clients].reverse()) {
      const topic = `bench-kc-${run}-${round}.${name.replace(/[^a-z]/gi, '').toLowerCase()}`;
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: -1 });
      created.push(topic);
      const r = await f(topic);
      process.stderr.write(
        `  round ${round + 1} ${name}: produce ${(N / r.produceS).toFixed(0)}/s, consume ${(N / r.consumeS).toFixed(0)}/s\n`,
      );
      const b = best.get(name);
      best.set(name, { produceS: Math.min(b?.produceS ?? Infinity, r.produceS), consumeS: Math.min(b?.consumeS ?? Infinity, r.consumeS) });
    }
  }
} finally {
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.close();
}

const mb = (s: number): number => (N * SAMPLE.length) / s / 1e6;
const rows: Row[] = [...best].map(([client, r]) => ({
  client,
  'produce msgs/s': Math.round(N / r.produceS),
  'produce MB/s': mb(r.produceS),
  'consume msgs/s': Math.round(N / r.consumeS),
  'consume MB/s': mb(r.consumeS),
}));
report(`Kafka clients: produce and consume, ${N.toLocaleString('en-US')} messages of ${SAMPLE.length} bytes`, rows, [
  `broker ${BROKERS.join(',')} (${process.env['KAFKA_BROKERS'] ? 'KAFKA_BROKERS' : 'infra/kafka/kafka.sh dev broker, same machine'}); ${PARTITIONS} partitions, 20 keys, sends of ${BATCH.toLocaleString('en-US')} with ${IN_FLIGHT} in flight, acks=all, no compression`,
  `consume: a fresh group from the earliest offset, no commits, timed from the first record; best of ${ROUNDS} rounds, clients alternating`,
  'KafkaLog encodes objects with its JSON codec and decodes them back, one send in flight per log (idempotent, ordered)',
]);
