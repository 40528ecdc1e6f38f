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
  /** Topic configs for a log that has them (Kafka), e.g. `cleanup.policy: compact`; applied on creation. */
  readonly config?: Readonly<Record<string, string>>;
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

export interface PartitionLag extends TopicPartition {
  /** Offset the next produced record will get (Kafka's log-end offset / last stable offset). */
  readonly endOffset: number;
  /** The group's committed offset, or null when the group has committed nothing there yet. */
  readonly committed: number | null;
  /** Records not yet committed by the group: endOffset − committed (− the log start offset when nothing is committed). */
  readonly lag: number;
}

/** A consumer group's position in one partition, as the brokers record it (whichever process runs the group). */
export interface GroupPartitionLag extends PartitionLag {
  /** The group's name without the topic prefix. */
  readonly group: string;
}

/**
 * Told which partitions this consumer gained and lost. The first call carries the initial
 * assignment. On Kafka, records of a newly assigned partition start at the group's committed
 * offset, so state derived from that partition must be reset to the matching checkpoint (the
 * memory log, one process, goes on where the group left off); records of a revoked partition
 * stop, and its offsets can no longer be committed by this consumer. When the listener returns
 * a promise, no further records are yielded until it settles.
 */
export type AssignmentListener = (assigned: readonly TopicPartition[], revoked: readonly TopicPartition[]) => void | Promise<void>;

export interface SendOptions {
  /**
   * Go ahead of the records this log's earlier sends have queued and are still writing (Kafka;
   * the memory log queues nothing), and do not wait for buffer space. Urgent sends keep their
   * order among themselves, not relative to other sends: for records whose timing matters more
   * than their place, such as state checkpoints that must land right after an ownership check.
   */
  readonly urgent?: boolean;
}

export interface LogProducer {
  /** Resolves when the log has accepted the records; waits while the log is full (backpressure). */
  send<T>(topic: string, records: readonly ProduceRecord<T>[], opts?: SendOptions): Promise<void>;
}

export interface LogConsumer<T> extends AsyncIterable<LogRecord<T>[]> {
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  committed(): Promise<TopicPartitionOffset[]>;
  assignments(): TopicPartition[];
  /** Subscribes to assignment changes (rebalances); returns the unsubscribe function. */
  onAssignmentChange?(listener: AssignmentListener): () => void;
  /**
   * How a partition moves between members of a group. `after-revoke` (the memory log): the new
   * owner gets it only once the old owner's listeners have finished with the revocation, and
   * reads on from where the old owner stopped, so the old owner must hand its state over then.
   * `committed` (Kafka): the old owner hears of the revocation when the new owner may already
   * be reading, from the group's committed offset; state written on revocation could be late.
   */
  readonly handover?: 'after-revoke' | 'committed';
  /**
   * True while the group is between generations (Kafka): partitions may be changing hands, so
   * state about them must not be published as current (see `PartitionedProcessStage`).
   */
  rebalancing?(): boolean;
  /** Per assigned partition: end offset, committed offset and the difference. */
  lag?(): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

export interface QueueDepth {
  readonly name: string;
  readonly depth: number;
  readonly capacity: number;
}

/** Health of a log's connection to its brokers, for /api/stats and logs (the memory log has none). */
export interface LogStats {
  /** False from a failed request until the next successful one. */
  readonly connected: boolean;
  readonly producer: {
    /** Bytes of records accepted by `send` and not yet acknowledged; `send` waits while it is at the limit. */
    readonly bufferedBytes: number;
    readonly bufferLimitBytes: number;
    readonly bufferedRecords: number;
    /** Records acknowledged by the brokers. */
    readonly sentRecords: number;
    /** Produce requests tried again after a retriable failure (broker down, leader moved, timeout). */
    readonly retries: number;
    /** Failed requests of any kind (produce, fetch, heartbeat, commit, admin), retried or not. */
    readonly errors: number;
    readonly lastError: string | null;
    readonly lastErrorAt: number | null;
  };
  readonly consumer: {
    /** Records that could not be decoded and went to the dead-letter topic, by reason. */
    readonly deadLettered: number;
    readonly deadLetteredByReason: Readonly<Record<string, number>>;
    /** Rebalances seen by this log's consumers. */
    readonly rebalances: number;
    /** Consumer sessions restarted after an error (broker down or restarted, lost membership); every attempt counts. */
    readonly reconnects: number;
  };
}

export interface Log {
  /** `memory` or `kafka://host:port,...` */
  readonly url: string;
  ensureTopics(specs: readonly TopicSpec[]): Promise<void>;
  producer(): LogProducer;
  consumer<T>(opts: ConsumerOptions): LogConsumer<T>;
  /** Records produced but not yet consumed by the slowest group, per topic. */
  depths(): QueueDepth[];
  /** Partitions of an existing topic (as the log reports it, whatever was asked at creation). */
  partitionCount?(topic: string): Promise<number>;
  /**
   * The newest record of each key in `topic`, read from the start of every partition up to
   * the end as of the call (a compacted topic's current content). Used to restore operator
   * state; the topic is read without a consumer group. With `prefer`, a later record of a key
   * replaces the one kept only when `prefer(kept, later)` is true (e.g. the checkpoint of the
   * highest offset, whatever order the writers' records landed in).
   */
  readLatest?<T>(topic: string, prefer?: (kept: LogRecord<T>, later: LogRecord<T>) => boolean): Promise<Map<string, LogRecord<T>>>;
  /**
   * Per consumer group and partition of this log's topics: committed offset, end offset, lag;
   * every group, not only this process's. Refreshed in the background (the last known answer is
   * returned at once; empty until the first refresh).
   */
  groupLag?(): GroupPartitionLag[];
  /** Connection health and counters; absent for logs without a connection. */
  stats?(): LogStats;
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
  /** Bad source records, for the store's rejects table (partitioned deployments). */
  rejects: 'rejects',
  /** Live feeds' gap markers (core/feed-gap.ts), for the store's feed_gaps table (partitioned deployments). */
  gaps: 'gaps',
  /** Forecasting models' outputs (core/model-records.ts): forecasts, scores over time, registry versions. */
  predictions: 'predictions',
  modelMetrics: 'model-metrics',
  modelVersions: 'model-versions',
  /** Operator state checkpoints of `tickflow process`, keyed by group and partition; compacted. */
  state: 'state',
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
