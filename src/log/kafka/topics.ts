import type { Admin } from '@platformatic/kafka';
import { TickflowError } from '../../core/index.js';
import type { TopicSpec } from '../log.js';
import { backoffMs, classify, describe, isUnknownTopic, protocolErrorIds } from './errors.js';
import type { KafkaHealth } from './health.js';
import type { ResolvedKafkaOptions } from './options.js';

interface Wanted {
  readonly logical: string;
  readonly full: string;
  readonly partitions: number;
}

/**
 * Topic names (prefix), creation and verification, and a cache of partition counts so a
 * producer can check an explicit partition and fail fast on a topic that does not exist
 * (auto-creation stays off: a typo must not create a topic).
 */
export class Topics {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly admin: () => Admin,
    private readonly o: ResolvedKafkaOptions,
    private readonly health: KafkaHealth,
    private readonly isClosed: () => boolean,
  ) {}

  full(logical: string): string {
    return this.o.topicPrefix + logical;
  }

  /** Logical name of a full topic name, or undefined for a topic outside the prefix. */
  logical(full: string): string | undefined {
    return full.startsWith(this.o.topicPrefix) ? full.slice(this.o.topicPrefix.length) : undefined;
  }

  /** Partitions a topic gets: per-topic setting, then the global one, then what the stage asked for. */
  partitionsFor(spec: TopicSpec): number {
    return this.o.topicPartitions[spec.name] ?? this.o.partitions ?? spec.partitions;
  }

  /**
   * Creates the missing topics with the configured partitions and replication factor and checks
   * the existing ones: fewer partitions than configured is an error (LOG_TOPIC) because keys
   * would map to other partitions than the deployment expects; more is fine, with a warning.
   */
  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    const wanted: Wanted[] = specs.map((s) => ({ logical: s.name, full: this.full(s.name), partitions: this.partitionsFor(s) }));
    if (wanted.length === 0) return;
    const existing = new Set(await this.retrying('list topics', () => this.admin().listTopics()));
    const missing = wanted.filter((w) => !existing.has(w.full));
    // One CreateTopics request per (partitions, configs): a spec's own configs win over the log's.
    const groups = new Map<string, { partitions: number; config: Readonly<Record<string, string>>; topics: string[] }>();
    for (const w of missing) {
      const config = { ...this.o.topicConfig, ...specs.find((s) => s.name === w.logical)?.config };
      const key = `${w.partitions}|${JSON.stringify(config)}`;
      const g = groups.get(key) ?? { partitions: w.partitions, config, topics: [] };
      g.topics.push(w.full);
      groups.set(key, g);
    }
    for (const g of groups.values()) await this.create(g.topics, g.partitions, g.config);
    await this.verify(wanted);
  }

  /** Partition count of a topic (cached); LOG_TOPIC when it does not exist. Waits while the brokers are unreachable. */
  async partitionCount(logical: string, refresh = false): Promise<number> {
    const full = this.full(logical);
    const cached = this.counts.get(full);
    if (cached !== undefined && !refresh) return cached;
    const md = await this.retrying(
      `metadata of ${full}`,
      () => this.admin().metadata({ topics: [full], forceUpdate: refresh }),
      (e) => {
        if (isUnknownTopic(e)) throw missingTopic(full);
      },
    );
    const n = md.topics.get(full)?.partitionsCount;
    if (n === undefined) throw missingTopic(full);
    this.counts.set(full, n);
    return n;
  }

  async delete(logical: readonly string[]): Promise<void> {
    const names = logical.map((l) => this.full(l));
    const existing = new Set(await this.retrying('list topics', () => this.admin().listTopics()));
    const present = names.filter((n) => existing.has(n));
    for (const n of names) this.counts.delete(n);
    if (present.length === 0) return;
    try {
      await this.retrying(
        'delete topics',
        () => this.admin().deleteTopics({ topics: present }),
        (e) => {
          // Listed, but deleted by someone else before our request arrived: what we wanted.
          const ids = protocolErrorIds(e);
          if (ids.length > 0 && ids.every((id) => id === 'UNKNOWN_TOPIC_OR_PARTITION')) throw new AlreadyGone();
        },
      );
    } catch (e) {
      if (!(e instanceof AlreadyGone)) throw e;
    }
  }

  private async create(topics: string[], partitions: number, config: Readonly<Record<string, string>>): Promise<void> {
    const configs = Object.entries(config).map(([name, value]) => ({ name, value }));
    try {
      await this.retrying(
        `create topics ${topics.join(', ')}`,
        () => this.admin().createTopics({ topics, partitions, replicas: this.o.replicationFactor, configs }),
        (e) => {
          const ids = protocolErrorIds(e);
          // Another process created them meanwhile: verification follows.
          if (ids.length > 0 && ids.every((id) => id === 'TOPIC_ALREADY_EXISTS')) throw new AlreadyExists();
          if (ids.includes('INVALID_REPLICATION_FACTOR') || ids.includes('INVALID_PARTITIONS') || ids.includes('INVALID_CONFIG')) {
            throw new TickflowError(
              'LOG_TOPIC',
              `cannot create ${topics.join(', ')} with ${partitions} partitions, replication factor ${this.o.replicationFactor}: ${describe(e)}`,
              { cause: e, details: { topics, partitions, replicationFactor: this.o.replicationFactor } },
            );
          }
        },
      );
      this.o.logger.info({ topics, partitions, replicationFactor: this.o.replicationFactor }, 'kafka: created topics');
    } catch (e) {
      if (!(e instanceof AlreadyExists)) throw e;
    }
  }

  private async verify(wanted: readonly Wanted[]): Promise<void> {
    // A just-created topic reaches the metadata of every broker a moment later.
    const deadline = Date.now() + 30_000;
    const problems: { topic: string; partitions: number; configured: number }[] = [];
    for (const w of wanted) {
      let count: number | undefined;
      for (;;) {
        try {
          count = await this.partitionCount(w.logical, true);
          break;
        } catch (e) {
          if (!(e instanceof TickflowError && e.code === 'LOG_TOPIC') || Date.now() > deadline) throw e;
          await sleep(100);
        }
      }
      if (count < w.partitions) problems.push({ topic: w.full, partitions: count, configured: w.partitions });
      else if (count > w.partitions) {
        this.o.logger.warn(
          { topic: w.full, partitions: count, configured: w.partitions },
          'kafka: topic has more partitions than configured; using them all',
        );
      }
    }
    if (problems.length > 0) {
      const list = problems.map((p) => `${p.topic} has ${p.partitions} partition(s), ${p.configured} configured`).join('; ');
      throw new TickflowError(
        'LOG_TOPIC',
        `${list}. Add partitions (kafka-topics.sh --alter --topic <topic> --partitions <n>; note that keys then move to other partitions) or configure fewer`,
        { details: problems },
      );
    }
  }

  /**
   * Runs an admin request until it succeeds, retrying while the brokers are unreachable.
   * `inspect` sees each error first and may throw to stop (a final answer, not an outage).
   */
  private async retrying<R>(what: string, op: () => Promise<R>, inspect?: (e: unknown) => void): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await op();
        this.health.ok();
        return r;
      } catch (e) {
        inspect?.(e);
        if (this.isClosed()) throw new TickflowError('LOG_CLOSED', `log closed during ${what}: ${describe(e)}`, { cause: e });
        const action = classify(e);
        if (action === 'fatal') {
          this.health.fail(what, e, false);
          throw e instanceof TickflowError ? e : new TickflowError('KAFKA', `kafka: ${what} failed: ${describe(e)}`, { cause: e });
        }
        this.health.fail(what, e, true);
        await sleep(backoffMs(attempt, this.o.retryBackoffMs, this.o.retryBackoffMaxMs));
      }
    }
  }
}

class AlreadyExists extends Error {}
class AlreadyGone extends Error {}

function missingTopic(full: string): TickflowError {
  return new TickflowError(
    'LOG_TOPIC',
    `topic ${full} does not exist (topics are not auto-created): create it with ensureTopics or kafka-topics.sh --create`,
    { details: { topic: full } },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
