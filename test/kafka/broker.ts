/**
 * Finds a Kafka broker for the Kafka test suite:
 *
 * 1. `KAFKA_BROKERS=host:port[,…]` when set (CI, or an existing cluster); it must answer.
 * 2. Otherwise the dev broker of `infra/kafka/kafka.sh start` when Java and Maven are on the
 *    machine. The script serializes parallel test files with a lock and returns at once when
 *    the broker already runs, so one broker serves every file; it is left running afterwards
 *    (the next run starts in no time; `infra/kafka/kafka.sh stop` stops it).
 * 3. Otherwise the suite is skipped with the reason; `REQUIRE_KAFKA=1` makes that a failure.
 *
 * Every test gets its own topic prefix, so tests and files never share topics, and deletes its
 * topics when done.
 */
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Admin, Producer, stringSerializer } from '@platformatic/kafka';
import { KafkaLog, type KafkaLogOptions } from '../../src/log/kafka/index.js';
import { protocolErrorIds } from '../../src/log/kafka/errors.js';
import { ROOT } from '../helpers.js';

export interface KafkaTarget {
  readonly brokers: string[];
  /** True when this harness started the dev broker (so it may be stopped and started by tests). */
  readonly managed: boolean;
}

export const KAFKA_SH = join(ROOT, 'infra', 'kafka', 'kafka.sh');

let found: Promise<KafkaTarget | string> | undefined;

/** The broker to test against, or the reason to skip. Throws instead of skipping under REQUIRE_KAFKA=1. */
export function findKafka(): Promise<KafkaTarget | string> {
  found ??= locate().then((r) => {
    if (typeof r === 'string' && process.env['REQUIRE_KAFKA'] === '1') throw new Error(`REQUIRE_KAFKA=1 but ${r}`);
    if (typeof r === 'string') process.stderr.write(`# Kafka suite skipped: ${r}\n`);
    return r;
  });
  return found;
}

async function locate(): Promise<KafkaTarget | string> {
  const env = process.env['KAFKA_BROKERS'];
  if (env) {
    const brokers = env.split(',').map((b) => b.trim());
    for (const b of brokers) {
      if (!(await answers(b))) throw new Error(`KAFKA_BROKERS=${env}: ${b} does not answer`);
    }
    return { brokers, managed: false };
  }
  const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
  const hasJars = existsSync(join(ROOT, 'infra', 'kafka', '.cache', 'lib', '.complete'));
  const hasMaven = spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status === 0;
  if (!hasJava || (!hasMaven && !hasJars)) {
    return `no KAFKA_BROKERS and no ${hasJava ? 'Maven' : 'Java'} to run infra/kafka/kafka.sh (install openjdk-17-jre-headless and maven, or set KAFKA_BROKERS)`;
  }
  const r = spawnSync('bash', [KAFKA_SH, 'start'], { encoding: 'utf8', timeout: 15 * 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`infra/kafka/kafka.sh start failed:\n${r.stderr}${r.stdout}`);
  return { brokers: [`127.0.0.1:${process.env['KAFKA_PORT'] ?? '9092'}`], managed: true };
}

function answers(hostPort: string, timeoutMs = 3000): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = createConnection({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

let seq = 0;

/** A topic prefix no other test (in this or another process or run) uses. */
export function uniquePrefix(): string {
  return `tft-${Date.now().toString(36)}-${process.pid}-${++seq}.`;
}

/** Settings that make groups rebalance in a test's time frame. */
export const FAST_GROUPS: Partial<KafkaLogOptions> = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 250,
  rebalanceTimeoutMs: 10_000,
  retryBackoffMaxMs: 1_000,
  statsIntervalMs: 100,
};

/** A KafkaLog on its own topic prefix; closed and its topics deleted when the test ends. */
export function testLog(t: TestContext, k: KafkaTarget, opts: Partial<KafkaLogOptions> = {}): KafkaLog {
  const topicPrefix = opts.topicPrefix ?? uniquePrefix();
  const log = new KafkaLog({ ...FAST_GROUPS, ...opts, brokers: k.brokers, topicPrefix });
  t.after(async () => {
    await log.close();
    await deleteTopicsWithPrefix(k, topicPrefix);
  });
  return log;
}

/**
 * Deletes every topic under `prefix`. Several logs of one test may share a prefix, and each
 * cleans up after itself: a topic another cleanup deleted meanwhile (still listed, already
 * gone when the delete arrives: UNKNOWN_TOPIC_OR_PARTITION) counts as deleted.
 */
/** Names of the topics under `prefix`. */
export async function topicsWithPrefix(k: KafkaTarget, prefix: string): Promise<string[]> {
  const admin = new Admin({ clientId: 'tickflow-test', bootstrapBrokers: k.brokers });
  try {
    return (await admin.listTopics()).filter((n) => n.startsWith(prefix));
  } finally {
    await admin.close();
  }
}

export async function deleteTopicsWithPrefix(k: KafkaTarget, prefix: string): Promise<void> {
  const admin = new Admin({ clientId: 'tickflow-test', bootstrapBrokers: k.brokers });
  try {
    const topics = (await admin.listTopics()).filter((n) => n.startsWith(prefix));
    if (topics.length === 0) return;
    try {
      await admin.deleteTopics({ topics });
    } catch (e) {
      const ids = protocolErrorIds(e);
      if (ids.length === 0 || ids.some((id) => id !== 'UNKNOWN_TOPIC_OR_PARTITION')) throw e;
    }
  } finally {
    await admin.close();
  }
}

/** Writes records as another tool would: raw bytes, headers only when given. */
export async function produceRaw(
  k: KafkaTarget,
  topic: string,
  records: readonly { key?: string; value: Buffer | string; headers?: Record<string, string>; partition?: number }[],
): Promise<void> {
  const p = new Producer<string, Buffer, string, string>({
    clientId: 'tickflow-test-raw',
    bootstrapBrokers: k.brokers,
    serializers: { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  try {
    await p.send({
      messages: records.map((r) => ({
        topic,
        value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value,
        ...(r.key !== undefined ? { key: r.key } : {}),
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.partition !== undefined ? { partition: r.partition } : {}),
      })),
    });
  } finally {
    await p.close();
  }
}

/** Waits until the group has `members` members and is Stable (a rebalance has completed). */
export async function waitForGroup(k: KafkaTarget, group: string, members: number, timeoutMs = 30_000): Promise<void> {
  const admin = new Admin({ clientId: 'tickflow-test', bootstrapBrokers: k.brokers });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const g = (await admin.describeGroups({ groups: [group] })).get(group);
      const last = `${g?.state ?? 'missing'} with ${g?.members.size ?? 0} member(s)`;
      if (g && g.state === 'STABLE' && g.members.size === members) return;
      if (Date.now() > deadline) throw new Error(`group ${group} not stable with ${members} members after ${timeoutMs} ms: ${last}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.close();
  }
}

/** Partition count of a topic as the brokers report it. */
export async function partitionCount(k: KafkaTarget, topic: string): Promise<number | undefined> {
  const admin = new Admin({ clientId: 'tickflow-test', bootstrapBrokers: k.brokers });
  try {
    const md = await admin.metadata({ topics: [topic], forceUpdate: true });
    return md.topics.get(topic)?.partitionsCount;
  } finally {
    await admin.close();
  }
}

/**
 * A broker of its own on `port` (for tests that stop and start it), or the reason it cannot be
 * had: needs Java and Maven (or the fetched jars) whatever KAFKA_BROKERS says.
 */
export function ownBrokerUnavailable(): string | false {
  const hasJava = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
  const hasJars = existsSync(join(ROOT, 'infra', 'kafka', '.cache', 'lib', '.complete'));
  const hasMaven = spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status === 0;
  if (hasJava && (hasJars || hasMaven)) return false;
  const why = 'needs Java and Maven to start and stop a broker of its own (infra/kafka/kafka.sh)';
  if (process.env['REQUIRE_KAFKA'] === '1') throw new Error(`REQUIRE_KAFKA=1 but this test ${why}`);
  return why;
}

/** Runs `infra/kafka/kafka.sh <cmd>` for the broker on `port`. */
export function kafkaSh(cmd: 'start' | 'stop' | 'reset', port: number): void {
  const r = spawnSync('bash', [KAFKA_SH, cmd], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) },
  });
  if (r.status !== 0) throw new Error(`kafka.sh ${cmd} (port ${port}) failed:\n${r.stderr}${r.stdout}`);
}
