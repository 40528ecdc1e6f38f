import { Admin } from '@platformatic/kafka';
import { jsonCodec, type Codec } from '../codec.js';
import {
  TOPICS,
  type ConsumerOptions,
  type GroupPartitionLag,
  type Log,
  type LogConsumer,
  type LogProducer,
  type LogRecord,
  type LogStats,
  type QueueDepth,
  type TopicSpec,
} from '../log.js';
import { clientOptions } from './client-options.js';
import { KafkaLogConsumer } from './consumer.js';
import { fetchGroupLag } from './group-lag.js';
import { KafkaHealth } from './health.js';
import { resolveKafkaOptions, type KafkaLogOptions, type ResolvedKafkaOptions } from './options.js';
import { KafkaSender } from './producer.js';
import { readLatest } from './read-latest.js';
import { Refreshed } from './refreshed.js';
import { Topics } from './topics.js';

const defaultCodec = jsonCodec();

/**
 * The `Log` on Apache Kafka (any cluster speaking the Kafka protocol 3.5+). Topic names get the
 * configured prefix; keys pick partitions with Kafka's murmur2 partitioner, so one instrument
 * stays in one partition whichever client wrote it. One idempotent producer serves every
 * `producer()`; each `consumer()` is a member of its consumer group.
 */
export class KafkaLog implements Log {
  readonly url: string;
  readonly options: ResolvedKafkaOptions;
  private readonly health: KafkaHealth;
  private readonly topics: Topics;
  private readonly sender: KafkaSender;
  private readonly consumers = new Set<KafkaLogConsumer<unknown>>();
  private admin: Admin | undefined;
  private readonly groupLagCache: Refreshed<GroupPartitionLag[]>;
  private closed = false;

  constructor(opts: KafkaLogOptions) {
    this.options = resolveKafkaOptions(opts);
    const o = this.options;
    this.url = `kafka://${o.brokers.join(',')}`;
    this.health = new KafkaHealth(o.logger, o.bufferMemoryBytes);
    this.topics = new Topics(
      () => this.adminClient(),
      o,
      this.health,
      () => this.closed,
    );
    this.sender = new KafkaSender(o, this.topics, this.health);
    this.groupLagCache = new Refreshed<GroupPartitionLag[]>(
      [],
      o.statsIntervalMs,
      () => fetchGroupLag(this.adminClient(), this.topics, o.topicPrefix),
      (e) => o.logger.debug({ err: e }, 'kafka: consumer group lag not available'),
    );
  }

  private adminClient(): Admin {
    return (this.admin ??= new Admin(clientOptions(this.options)));
  }

  /** Full Kafka topic name of a logical one (with the prefix). */
  topicName(logical: string): string {
    return this.topics.full(logical);
  }

  /** Kafka consumer group id of a logical group: the topic prefix namespaces groups too. */
  groupId(group: string): string {
    return this.options.topicPrefix + group;
  }

  ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    return this.topics.ensure(specs);
  }

  /** Deletes topics (logical names) that exist; for tests and tooling. */
  deleteTopics(names: readonly string[]): Promise<void> {
    return this.topics.delete(names);
  }

  producer(): LogProducer {
    return { send: (topic, records, opts) => this.sender.send(topic, records, this.codecFor(topic), opts?.urgent === true) };
  }

  consumer<T>(opts: ConsumerOptions): LogConsumer<T> {
    const c = new KafkaLogConsumer<T>(
      {
        o: this.options,
        topics: this.topics,
        sender: this.sender,
        health: this.health,
        codecFor: (t) => this.codecFor(t),
        ensureDeadLetterTopic: () => this.ensureTopics([{ name: TOPICS.deadLetter, partitions: 1 }]),
        onClosed: (x) => this.consumers.delete(x),
      },
      opts,
    );
    this.consumers.add(c as KafkaLogConsumer<unknown>);
    return c;
  }

  /**
   * The producer buffer (bytes, against its limit) and, per consumed topic and group, the lag:
   * records not yet committed. Lag is refreshed in the background at most every
   * `statsIntervalMs`, so this stays synchronous and cheap.
   */
  depths(): QueueDepth[] {
    const out: QueueDepth[] = [
      { name: 'kafka producer buffer (bytes)', depth: this.health.bufferedBytes, capacity: this.health.bufferLimitBytes },
    ];
    const lag = new Map<string, number>();
    for (const c of this.consumers) {
      for (const l of c.cachedLag()) {
        const name = `${l.topic} (group ${c.group})`;
        lag.set(name, (lag.get(name) ?? 0) + l.lag);
      }
    }
    for (const [name, depth] of lag) out.push({ name, depth, capacity: 0 });
    return out;
  }

  groupLag(): GroupPartitionLag[] {
    return this.groupLagCache.get(!this.closed);
  }

  stats(): LogStats {
    return this.health.snapshot();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.close()));
    await this.sender.close();
    await this.admin?.close().catch(() => undefined);
  }

  partitionCount(topic: string): Promise<number> {
    return this.topics.partitionCount(topic, true);
  }

  /** The newest record per key of a (compacted) topic, read without a consumer group's offsets. */
  readLatest<T>(topic: string, prefer?: (kept: LogRecord<T>, later: LogRecord<T>) => boolean): Promise<Map<string, LogRecord<T>>> {
    return readLatest(this.options, this.topics.full(topic), topic, this.codecFor(topic) as Codec<T>, prefer);
  }

  private codecFor(topic: string): Codec<unknown> {
    return this.options.codecs[topic] ?? defaultCodec;
  }
}
