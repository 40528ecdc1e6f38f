/**
 * The log contract every stage is written against. The embedded `MemoryLog` and the Kafka
 * log implement the same semantics: topics split into partitions by key, per-partition
 * order, consumer groups that share partitions, offsets committed explicitly by the
 * consumer once the effects of the records are durable.
 */
export interface LogRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: T;
  /** Append time, epoch ms. */
  readonly timestamp: number;
}

export interface ProduceRecord<T> {
  readonly key: string;
  readonly value: T;
  /** Explicit partition; by default the key's hash picks one. */
  readonly partition?: number;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** The offset of the next record to read (Kafka's convention). */
  readonly offset: number;
}

export interface ConsumerOptions {
  readonly group: string;
  readonly topics: readonly string[];
  /** Largest number of records one iteration step yields. */
  readonly maxRecords?: number;
}

export interface LogProducer {
  /** Resolves when the log has accepted the records; waits while the log is full (backpressure). */
  send<T>(topic: string, records: readonly ProduceRecord<T>[]): Promise<void>;
}

export interface LogConsumer<T> extends AsyncIterable<LogRecord<T>[]> {
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  committed(): Promise<TopicPartitionOffset[]>;
  assignments(): TopicPartition[];
  close(): Promise<void>;
}

export interface QueueDepth {
  readonly name: string;
  readonly depth: number;
  readonly capacity: number;
}

export interface Log {
  /** `memory` or `kafka://host:port,...` */
  readonly url: string;
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  producer(): LogProducer;
  consumer<T>(opts: ConsumerOptions): LogConsumer<T>;
  /** Records produced but not yet consumed by the slowest group, per topic. */
  depths(): QueueDepth[];
  close(): Promise<void>;
}

/** Topic names, shared by both implementations; a prefix is prepended by configuration. */
export const TOPICS = {
  trades: 'trades',
  bars: 'bars',
  indicators: 'indicators',
  alerts: 'alerts',
  windows: 'windows',
  late: 'late',
  deadLetter: 'dead-letter',
} as const;

/** Kafka's default partitioner is murmur2; for the memory log any stable hash does. */
export function partitionFor(key: string, partitions: number): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % partitions;
}
