import { TickflowError } from '../core/index.js';
import {
  partitionFor,
  type AssignmentListener,
  type ConsumerOptions,
  type Log,
  type LogConsumer,
  type LogProducer,
  type LogRecord,
  type PartitionLag,
  type ProduceRecord,
  type QueueDepth,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicSpec,
} from './log.js';

export interface MemoryLogOptions {
  /** Records a partition holds before producers wait (topics with consumers) or old records are dropped (topics without). */
  readonly capacity?: number;
  readonly defaultPartitions?: number;
}

interface Partition {
  records: LogRecord<unknown>[];
  /** Offset of records[0]. */
  base: number;
  /** Next offset to assign. */
  next: number;
}

interface Group {
  readonly name: string;
  /** Next offset to deliver, per "topic/partition". */
  readonly position: Map<string, number>;
  readonly committed: Map<string, number>;
  members: MemoryConsumer<unknown>[];
}

interface Topic {
  readonly name: string;
  readonly partitions: Partition[];
  readonly groups: Set<Group>;
}

const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * The embedded log: bounded, backpressured, in one process. Once every subscribed group has
 * been handed a record it is dropped, so memory is bounded by `capacity` records per
 * partition. Topics nobody subscribes to keep only their newest `capacity` records, like a
 * retention limit. Nothing survives the process: durability comes from checkpoints that
 * record source positions next to the outputs.
 */
export class MemoryLog implements Log {
  readonly url = 'memory';
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Group>();
  private readonly capacity: number;
  private readonly defaultPartitions: number;
  private waiters: (() => void)[] = [];
  /** The last send per topic (see `send`). */
  private readonly sendTails = new Map<string, Promise<void>>();
  private closed = false;

  constructor(opts: MemoryLogOptions = {}) {
    this.capacity = opts.capacity ?? 64;
    this.defaultPartitions = opts.defaultPartitions ?? 1;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    for (const s of specs) this.topic(s.name, s.partitions);
  }

  producer(): LogProducer {
    return { send: (topic, records) => this.send(topic, records) };
  }

  consumer<T>(opts: ConsumerOptions): LogConsumer<T> {
    let group = this.groups.get(opts.group);
    if (!group) {
      group = { name: opts.group, position: new Map(), committed: new Map(), members: [] };
      this.groups.set(opts.group, group);
    }
    const c = new MemoryConsumer<T>(this, group, opts);
    group.members.push(c as MemoryConsumer<unknown>);
    for (const t of opts.topics) {
      const topic = this.topic(t);
      topic.groups.add(group);
      // A new group starts at the oldest retained record.
      for (let p = 0; p < topic.partitions.length; p++) {
        const key = tpKey(t, p);
        if (!group.position.has(key)) group.position.set(key, topic.partitions[p]?.base ?? 0);
      }
    }
    this.wake();
    return c;
  }

  /**
   * The newest retained record per key. A topic nobody consumes keeps its newest `capacity`
   * records per partition, so a compacted-style topic (state checkpoints) must not have more
   * live keys per partition than that.
   */
  async partitionCount(topicName: string): Promise<number> {
    return this.topic(topicName).partitions.length;
  }

  async readLatest<T>(
    topicName: string,
    prefer?: (kept: LogRecord<T>, later: LogRecord<T>) => boolean,
  ): Promise<Map<string, LogRecord<T>>> {
    const out = new Map<string, LogRecord<T>>();
    const t = this.topics.get(topicName);
    for (const p of t?.partitions ?? []) {
      for (const r of p.records) {
        const kept = out.get(r.key);
        if (kept === undefined || prefer === undefined || prefer(kept, r as LogRecord<T>)) out.set(r.key, r as LogRecord<T>);
      }
    }
    return out;
  }

  depths(): QueueDepth[] {
    const out: QueueDepth[] = [];
    for (const t of this.topics.values()) {
      let depth = 0;
      for (const p of t.partitions) depth += p.records.length;
      out.push({ name: t.name, depth, capacity: this.capacity * t.partitions.length });
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  isClosed(): boolean {
    return this.closed;
  }

  topic(name: string, partitions = this.defaultPartitions): Topic {
    let t = this.topics.get(name);
    if (!t) {
      t = { name, partitions: [], groups: new Set() };
      for (let i = 0; i < partitions; i++) t.partitions.push({ records: [], base: 0, next: 0 });
      this.topics.set(name, t);
    }
    return t;
  }

  /** Resolves on the next state change (append, delivery, close). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Sends to one topic are appended in call order: a send waiting for space must not be
   * overtaken by a later one that finds space (it could reorder an instrument's trades). Topics
   * wait independently, so a full output topic never holds up the trades topic.
   */
  private send<T>(topicName: string, records: readonly ProduceRecord<T>[]): Promise<void> {
    const prev = this.sendTails.get(topicName);
    const p = prev ? prev.then(() => this.append(topicName, records)) : this.append(topicName, records);
    const tail = p.then(
      () => undefined,
      () => undefined,
    );
    this.sendTails.set(topicName, tail);
    void tail.then(() => {
      if (this.sendTails.get(topicName) === tail) this.sendTails.delete(topicName);
    });
    return p;
  }

  private async append<T>(topicName: string, records: readonly ProduceRecord<T>[]): Promise<void> {
    const topic = this.topic(topicName);
    for (const r of records) {
      const pi = r.partition ?? partitionFor(r.key, topic.partitions.length);
      const p = topic.partitions[pi];
      if (!p) throw new TickflowError('INTERNAL', `topic ${topicName} has no partition ${pi}`);
      for (;;) {
        if (this.closed) throw new TickflowError('LOG_CLOSED', `log closed while producing to ${topicName}`);
        if (topic.groups.size === 0 && p.records.length >= this.capacity) {
          p.records.shift();
          p.base++;
        }
        if (p.records.length < this.capacity) break;
        await this.changed();
      }
      p.records.push({ topic: topicName, partition: pi, offset: p.next++, key: r.key, value: r.value, timestamp: Date.now() });
    }
    this.wake();
  }

  /** Hands out up to `max` records of the assigned partitions, advancing the group's position. */
  take(group: Group, assigned: readonly TopicPartition[], max: number): LogRecord<unknown>[] {
    const out: LogRecord<unknown>[] = [];
    for (const tp of assigned) {
      const topic = this.topics.get(tp.topic);
      const p = topic?.partitions[tp.partition];
      if (!topic || !p) continue;
      const key = tpKey(tp.topic, tp.partition);
      let pos = Math.max(group.position.get(key) ?? p.base, p.base);
      while (pos < p.next && out.length < max) {
        const rec = p.records[pos - p.base];
        if (rec) out.push(rec);
        pos++;
      }
      group.position.set(key, pos);
      this.trim(topic, tp.partition);
      if (out.length >= max) break;
    }
    if (out.length > 0) this.wake();
    return out;
  }

  private trim(topic: Topic, partition: number): void {
    const p = topic.partitions[partition];
    if (!p || topic.groups.size === 0) return;
    let min = p.next;
    for (const g of topic.groups) min = Math.min(min, g.position.get(tpKey(topic.name, partition)) ?? p.base);
    const drop = min - p.base;
    if (drop > 0) {
      p.records.splice(0, drop);
      p.base = min;
    }
  }

  assign(group: Group, consumer: MemoryConsumer<unknown>, topics: readonly string[]): TopicPartition[] {
    // Round-robin over the group's live members, like Kafka's round-robin assignor.
    const members = group.members;
    const idx = members.indexOf(consumer);
    const all: TopicPartition[] = [];
    for (const t of topics) {
      const topic = this.topic(t);
      for (let p = 0; p < topic.partitions.length; p++) all.push({ topic: t, partition: p });
    }
    // A partition another member still holds (its listeners are handling the revocation) is
    // handed over once they are done: the new owner continues where the old one stopped.
    const held = new Set<string>();
    for (const m of members) if (m !== consumer) for (const tp of m.held) held.add(tpKey(tp.topic, tp.partition));
    return all.filter((tp, i) => i % members.length === idx && !held.has(tpKey(tp.topic, tp.partition)));
  }

  lag(group: Group, assigned: readonly TopicPartition[]): PartitionLag[] {
    return assigned.map(({ topic, partition }) => {
      const p = this.topics.get(topic)?.partitions[partition];
      const endOffset = p?.next ?? 0;
      const committed = group.committed.get(tpKey(topic, partition)) ?? null;
      return { topic, partition, endOffset, committed, lag: Math.max(0, endOffset - (committed ?? p?.base ?? 0)) };
    });
  }

  commit(group: Group, offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) group.committed.set(tpKey(o.topic, o.partition), o.offset);
  }

  leave(group: Group, consumer: MemoryConsumer<unknown>): void {
    group.members = group.members.filter((m) => m !== consumer);
    if (group.members.length === 0) {
      for (const t of this.topics.values()) t.groups.delete(group);
    }
    this.wake();
  }
}

class MemoryConsumer<T> implements LogConsumer<T> {
  private closed = false;
  private readonly max: number;
  private readonly listeners = new Set<AssignmentListener>();
  /** The assignment last reported to the listeners. */
  private reported: TopicPartition[] = [];
  /** Partitions other members may not take yet: the reported ones, and while listeners run, the revoked ones too. */
  held: readonly TopicPartition[] = [];
  readonly handover = 'after-revoke' as const;

  constructor(
    private readonly log: MemoryLog,
    private readonly group: Group,
    private readonly opts: ConsumerOptions,
  ) {
    this.max = opts.maxRecords ?? 64;
  }

  assignments(): TopicPartition[] {
    return this.log.assign(this.group, this as MemoryConsumer<unknown>, this.opts.topics);
  }

  onAssignmentChange(listener: AssignmentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async lag(): Promise<PartitionLag[]> {
    return this.log.lag(this.group, this.assignments());
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    this.log.commit(this.group, offsets);
  }

  async committed(): Promise<TopicPartitionOffset[]> {
    return [...this.group.committed].map(([k, offset]) => {
      const i = k.lastIndexOf('/');
      return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    this.log.leave(this.group, this as MemoryConsumer<unknown>);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LogRecord<T>[]> {
    try {
      while (!this.closed) {
        const assigned = this.assignments();
        if (this.listeners.size > 0) await this.report(assigned);
        const recs = this.log.take(this.group, assigned, this.max);
        if (recs.length > 0) {
          yield recs as LogRecord<T>[];
          continue;
        }
        if (this.log.isClosed()) return;
        await this.log.changed();
      }
    } finally {
      await this.close();
    }
  }

  /** Members join and leave at any time; the difference to the last report is the rebalance. */
  private async report(now: TopicPartition[]): Promise<void> {
    const key = (tp: TopicPartition): string => tpKey(tp.topic, tp.partition);
    const before = new Set(this.reported.map(key));
    const after = new Set(now.map(key));
    const assigned = now.filter((tp) => !before.has(key(tp)));
    const revoked = this.reported.filter((tp) => !after.has(key(tp)));
    this.reported = now;
    if (assigned.length === 0 && revoked.length === 0) return;
    this.held = [...now, ...revoked];
    try {
      for (const l of [...this.listeners]) await l(assigned, revoked);
    } finally {
      this.held = now;
      this.log.wake();
    }
  }
}
