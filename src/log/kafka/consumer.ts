import {
  Consumer,
  ListOffsetTimestamps,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  stringDeserializer,
  type ConsumerGroupJoinPayload,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import { TickflowError } from '../../core/index.js';
import type { Codec } from '../codec.js';
import { codecReads } from '../codec.js';
import type { DeadLetter, DeadLetterReason } from '../dead-letter.js';
import {
  TOPICS,
  type AssignmentListener,
  type ConsumerOptions,
  type LogConsumer,
  type LogRecord,
  type PartitionLag,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../log.js';
import { clientOptions, forceClose } from './client-options.js';
import { backoffMs, describe } from './errors.js';
import { HEADER } from './headers.js';
import type { KafkaHealth } from './health.js';
import type { ResolvedKafkaOptions } from './options.js';
import type { KafkaSender } from './producer.js';
import { Refreshed } from './refreshed.js';
import type { Topics } from './topics.js';

type KMessage = Message<Buffer, Buffer, string, Buffer>;
type KConsumer = Consumer<Buffer, Buffer, string, Buffer>;
type KStream = MessagesStream<Buffer, Buffer, string, Buffer>;

export interface ConsumerDeps {
  readonly o: ResolvedKafkaOptions;
  readonly topics: Topics;
  readonly sender: KafkaSender;
  readonly health: KafkaHealth;
  readonly codecFor: (logical: string) => Codec<unknown>;
  /** Creates the dead-letter topic when it does not exist yet. */
  readonly ensureDeadLetterTopic: () => Promise<void>;
  readonly onClosed: (c: KafkaLogConsumer<unknown>) => void;
}

/** Where this consumer stands in one partition it owns. Offsets are Kafka's: the next record to read. */
interface PartState {
  /** Next offset not yet looked at; lower ones arriving again (a re-fetch from the committed offset) are dropped. */
  seen: number;
  /** 1 + the last offset handed to the caller. */
  delivered: number;
  /** 1 + the last dead-lettered offset, once the dead letter is acknowledged. */
  skipTo: number;
  /** Last offset committed for this partition by this consumer. */
  committed: number;
}

interface Dead {
  readonly m: KMessage;
  readonly st: PartState;
  readonly reason: DeadLetterReason;
  readonly error: string;
}

const tpKey = (fullTopic: string, partition: number): string => `${fullTopic}:${partition}`;

/** Ends a consumer session; `broken` asks for a new client (lost membership), not only a new stream. */
class SessionEnd {
  constructor(
    readonly error: unknown,
    readonly broken: boolean,
  ) {}
}

/**
 * A member of a consumer group on the Kafka log. Offsets are committed only by `commit` (no
 * auto-commit), so the caller commits after its effects are durable.
 *
 * Rebalances: partitions kept from one generation to the next go on where they were (records
 * the client fetches again from the committed offset are dropped here); newly assigned
 * partitions start at the group's committed offset (the earliest when none, also for a partition
 * this member had read before), and listeners hear about both before any record of a new
 * partition is yielded. Records still buffered for a revoked partition are dropped, and offsets
 * of partitions this member no longer owns are not committed (a stale owner must not move the
 * new owner's position).
 *
 * Failures: a broken fetch stream is rebuilt on the same group membership, so the assignment
 * and positions survive a broker restart; when the membership itself is lost, a new client
 * joins and every partition is reported revoked and assigned again. Undecodable records go to
 * the dead-letter topic and count as consumed (see `commit`).
 */
export class KafkaLogConsumer<T> implements LogConsumer<T> {
  readonly handover = 'committed' as const;
  private client: KConsumer | undefined;
  private stream: KStream | undefined;
  private assigned = new Map<string, TopicPartition>();
  private readonly since = new Map<string, number>();
  private readonly parts = new Map<string, PartState>();
  private generation = -1;
  private memberId: string | null = null;
  private inRebalance = false;
  private clientBroken = false;
  private readonly listeners = new Set<AssignmentListener>();
  private barrier: Promise<void> = Promise.resolve();
  private waiter: (() => void) | null = null;
  private woken = false;
  private endSession: ((e: SessionEnd) => void) | null = null;
  private wakeSleep: (() => void) | null = null;
  private closed = false;
  /** A configuration error retrying cannot fix (a subscribed topic does not exist); thrown by the iterator. */
  private fatal: unknown = undefined;
  private closing: Promise<void> | undefined;
  private readonly session: Promise<void>;
  private readonly fullTopics: string[];
  private readonly max: number;
  private readonly lagCache: Refreshed<PartitionLag[]>;

  constructor(
    private readonly d: ConsumerDeps,
    private readonly opts: ConsumerOptions,
  ) {
    this.fullTopics = opts.topics.map((t) => d.topics.full(t));
    this.max = opts.maxRecords ?? 500;
    this.lagCache = new Refreshed<PartitionLag[]>([], d.o.statsIntervalMs, () => this.lag());
    this.client = this.createClient();
    // Joins right away (not at the first `next()`), so assignments settle while the caller sets up.
    this.session = this.runSessions();
  }

  get group(): string {
    return this.opts.group;
  }

  assignments(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  rebalancing(): boolean {
    return this.inRebalance;
  }

  onAssignmentChange(listener: AssignmentListener): () => void {
    this.listeners.add(listener);
    const current = this.assignments();
    if (current.length > 0) this.chain(() => listener(current, []));
    return () => this.listeners.delete(listener);
  }

  /**
   * Commits exactly these offsets, with two exceptions: offsets of partitions this member does
   * not own (any more) are left out, and when an offset equals everything delivered so far
   * and dead letters follow it, the commit moves past them (they are consumed).
   */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const byTp = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const o of offsets) byTp.set(tpKey(this.d.topics.full(o.topic), o.partition), o);
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new TickflowError('LOG_CLOSED', `consumer of group ${this.opts.group} closed while committing`);
      const list: { topic: string; partition: number; offset: bigint; leaderEpoch: number }[] = [];
      const states: [PartState | undefined, number][] = [];
      for (const [k, o] of byTp) {
        if (!this.assigned.has(k)) continue;
        const st = this.parts.get(k);
        const offset = st && o.offset === st.delivered && st.skipTo > o.offset ? st.skipTo : o.offset;
        list.push({ topic: this.d.topics.full(o.topic), partition: o.partition, offset: BigInt(offset), leaderEpoch: -1 });
        states.push([st, offset]);
      }
      const client = this.client;
      if (list.length === 0) return;
      try {
        if (!client) throw new Error('consumer is reconnecting');
        await client.commit({ offsets: list });
        for (const [st, offset] of states) if (st) st.committed = offset;
        this.d.health.ok();
        return;
      } catch (e) {
        this.d.health.fail(`commit (group ${this.opts.group})`, e, true);
        await this.sleep(backoffMs(attempt, this.d.o.retryBackoffMs, this.d.o.retryBackoffMaxMs));
      }
    }
  }

  /** The group's committed offsets for every partition of the subscribed topics. */
  async committed(): Promise<TopicPartitionOffset[]> {
    const client = this.requireClient();
    const topics = await Promise.all(
      this.opts.topics.map(async (t) => ({
        topic: this.d.topics.full(t),
        partitions: range(await this.d.topics.partitionCount(t)),
      })),
    );
    const res = await client.listCommittedOffsets({ topics });
    const out: TopicPartitionOffset[] = [];
    for (const [full, offsets] of res) {
      const topic = this.d.topics.logical(full);
      if (topic === undefined) continue;
      offsets.forEach((o, partition) => {
        if (o !== undefined && o >= 0n) out.push({ topic, partition, offset: Number(o) });
      });
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  async lag(): Promise<PartitionLag[]> {
    const tps = this.assignments();
    if (tps.length === 0) return [];
    const client = this.requireClient();
    const byTopic = new Map<string, number[]>();
    for (const tp of tps) {
      const full = this.d.topics.full(tp.topic);
      byTopic.set(full, [...(byTopic.get(full) ?? []), tp.partition]);
    }
    const topics = [...byTopic.keys()];
    const partitions = Object.fromEntries(byTopic);
    const [ends, starts, committed] = await Promise.all([
      client.listOffsets({ topics, partitions, timestamp: ListOffsetTimestamps.LATEST }),
      client.listOffsets({ topics, partitions, timestamp: ListOffsetTimestamps.EARLIEST }),
      client.listCommittedOffsets({ topics: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })) }),
    ]);
    return tps.map((tp) => {
      const full = this.d.topics.full(tp.topic);
      const end = Number(ends.get(full)?.[tp.partition] ?? 0n);
      const start = Number(starts.get(full)?.[tp.partition] ?? 0n);
      const c = committed.get(full)?.[tp.partition];
      const com = c !== undefined && c >= 0n ? Number(c) : null;
      return { ...tp, endOffset: end, committed: com, lag: Math.max(0, end - (com ?? start)) };
    });
  }

  /** Last known lag, refreshed in the background when older than the stats interval (for `depths()`). */
  cachedLag(): PartitionLag[] {
    return this.lagCache.get(!this.closed);
  }

  async close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LogRecord<T>[]> {
    try {
      while (!this.closed) {
        await this.barrier;
        if (this.fatal !== undefined) throw this.fatal;
        const stream = this.stream;
        if (!stream || this.inRebalance || this.closed) {
          await this.waitForWork();
          continue;
        }
        const batch = await this.readBatch(stream);
        if (batch === null) {
          await this.waitForWork();
          continue;
        }
        // Listeners told of a rebalance that happened while decoding must run before these records.
        await this.barrier;
        const owned = batch.filter((r) => this.assigned.has(tpKey(this.d.topics.full(r.topic), r.partition)));
        if (owned.length > 0) yield owned;
      }
    } finally {
      await this.close();
    }
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.wake();
    this.wakeSleep?.();
    this.endSession?.(new SessionEnd(null, false));
    const client = this.client;
    this.client = undefined;
    if (client) await closeClient(client, this.d.o.requestTimeoutMs);
    // The session loop sees `closed` at its next step; it may be waiting for brokers that are down.
    this.session.catch(() => undefined);
    this.d.onClosed(this as KafkaLogConsumer<unknown>);
  }

  /** Takes what the stream has buffered, up to `maxRecords` usable records; null when it had nothing. */
  private async readBatch(stream: KStream): Promise<LogRecord<T>[] | null> {
    const out: LogRecord<T>[] = [];
    const dead: Dead[] = [];
    let read = 0;
    while (out.length < this.max) {
      const m = stream.read() as KMessage | null;
      if (m === null) break;
      read++;
      this.accept(m, out, dead);
      if (this.inRebalance) break;
    }
    if (read === 0) return null;
    this.d.health.ok();
    if (dead.length > 0) await this.deadLetter(dead);
    return out;
  }

  /** Filters a fetched record (not ours, stale, seen) and decodes it into `out` or `dead`. */
  private accept(m: KMessage, out: LogRecord<T>[], dead: Dead[]): void {
    const k = tpKey(m.topic, m.partition);
    const tp = this.assigned.get(k);
    if (!tp) return;
    const fetchedIn = generationOf(m);
    if (fetchedIn !== undefined && fetchedIn < (this.since.get(k) ?? 0)) return;
    const offset = Number(m.offset);
    let st = this.parts.get(k);
    if (!st) {
      // The first record of a newly assigned partition sits at the group's committed offset, or
      // at the earliest when there is none.
      st = { seen: offset, delivered: offset, skipTo: offset, committed: offset };
      this.parts.set(k, st);
    }
    if (offset < st.seen) return;
    st.seen = offset + 1;
    const key = m.key ? m.key.toString('utf8') : '';
    const timestamp = Number(m.timestamp);
    if (tp.topic === TOPICS.deadLetter) {
      st.delivered = offset + 1;
      out.push({ topic: tp.topic, partition: m.partition, offset, key, value: this.readDeadLetter(m, key) as T, timestamp });
      return;
    }
    const decoded = this.decode(tp.topic, m);
    if (decoded.ok) {
      st.delivered = offset + 1;
      out.push({ topic: tp.topic, partition: m.partition, offset, key, value: decoded.value as T, timestamp });
    } else {
      dead.push({ m, st, reason: decoded.reason, error: decoded.error });
    }
  }

  private decode(topic: string, m: KMessage): { ok: true; value: unknown } | { ok: false; reason: DeadLetterReason; error: string } {
    const codec = this.d.codecFor(topic);
    const name = headerText(m, HEADER.codec);
    if (name !== undefined && name !== codec.name) {
      return { ok: false, reason: 'UNKNOWN_CODEC', error: `written with codec '${name}', topic ${topic} reads '${codec.name}'` };
    }
    const v = headerText(m, HEADER.schema);
    const version = v === undefined ? codec.version : Number(v);
    if (!Number.isInteger(version)) return { ok: false, reason: 'SCHEMA_VERSION', error: `bad ${HEADER.schema} header '${v}'` };
    if (!codecReads(codec, version)) {
      const reads = (codec.reads ?? [codec.version]).join(', ');
      return {
        ok: false,
        reason: 'SCHEMA_VERSION',
        error: `schema version ${version} of codec '${codec.name}' not readable (reads ${reads})`,
      };
    }
    if (!m.value || m.value.length === 0) return { ok: false, reason: 'NO_VALUE', error: 'record has no value' };
    try {
      return { ok: true, value: codec.decode(m.value, version) };
    } catch (e) {
      return { ok: false, reason: 'DECODE_FAILED', error: describe(e).slice(0, 500) };
    }
  }

  /** Forwards undecodable records to the dead-letter topic (acknowledged before the batch is yielded). */
  private async deadLetter(dead: readonly Dead[]): Promise<void> {
    const full = this.d.topics.full(TOPICS.deadLetter);
    const now = Date.now();
    const msgs = dead.map(({ m, reason, error }) => {
      const headers = new Map<string, Buffer>();
      for (const [hk, hv] of m.headers) if (hk !== undefined && hv !== undefined) headers.set(hk, hv);
      const src = this.d.topics.logical(m.topic) ?? m.topic;
      headers.set(HEADER.dlTopic, Buffer.from(src));
      headers.set(HEADER.dlPartition, Buffer.from(String(m.partition)));
      headers.set(HEADER.dlOffset, Buffer.from(String(m.offset)));
      headers.set(HEADER.dlReason, Buffer.from(reason));
      headers.set(HEADER.dlError, Buffer.from(error));
      headers.set(HEADER.dlGroup, Buffer.from(this.opts.group));
      headers.set(HEADER.dlTime, Buffer.from(String(now)));
      return { topic: full, key: m.key ?? Buffer.alloc(0), value: m.value ?? Buffer.alloc(0), headers };
    });
    try {
      try {
        await this.d.sender.sendMessages(msgs);
      } catch (e) {
        if (!(e instanceof TickflowError && e.code === 'LOG_TOPIC')) throw e;
        await this.d.ensureDeadLetterTopic();
        await this.d.sender.sendMessages(msgs);
      }
    } catch (e) {
      if (e instanceof TickflowError && e.code === 'LOG_CLOSED') throw e;
      // Outages are retried inside the sender; what arrives here cannot be written at all (too
      // large, not authorized). Blocking the partition forever would not help: say so loudly.
      this.d.health.fail('dead-letter', e, false);
      for (const { m, reason, error } of dead) {
        this.d.o.logger.error(
          { topic: m.topic, partition: m.partition, offset: String(m.offset), reason, error },
          'kafka: undecodable record could not be written to the dead-letter topic; skipped',
        );
      }
    }
    const h = this.d.health;
    for (const { m, st, reason, error } of dead) {
      h.deadLettered++;
      h.deadLetteredByReason[reason] = (h.deadLetteredByReason[reason] ?? 0) + 1;
      st.skipTo = Math.max(st.skipTo, Number(m.offset) + 1);
      this.d.o.logger.warn(
        { topic: m.topic, partition: m.partition, offset: String(m.offset), reason, error },
        'kafka: undecodable record sent to the dead-letter topic',
      );
    }
    // When the caller has committed everything it was given, nobody would commit past the dead
    // letters (a restart would dead-letter them again): commit them here.
    const behind = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const { m, st } of dead) {
      const topic = this.d.topics.logical(m.topic);
      if (topic !== undefined && st.committed === st.delivered && st.skipTo > st.delivered) {
        behind.set(tpKey(m.topic, m.partition), { topic, partition: m.partition, offset: st.delivered });
      }
    }
    if (behind.size > 0) await this.commit([...behind.values()]);
  }

  private readDeadLetter(m: KMessage, key: string): DeadLetter {
    const headers: Record<string, string> = {};
    for (const [hk, hv] of m.headers) if (hk !== undefined && !hk.startsWith('tf-dl-')) headers[hk] = hv?.toString('utf8') ?? '';
    const reason = headerText(m, HEADER.dlReason);
    return {
      topic: headerText(m, HEADER.dlTopic) ?? '',
      partition: Number(headerText(m, HEADER.dlPartition) ?? -1),
      offset: Number(headerText(m, HEADER.dlOffset) ?? -1),
      reason: reason === 'UNKNOWN_CODEC' || reason === 'SCHEMA_VERSION' || reason === 'NO_VALUE' ? reason : 'DECODE_FAILED',
      error: headerText(m, HEADER.dlError) ?? '',
      group: headerText(m, HEADER.dlGroup) ?? '',
      time: Number(headerText(m, HEADER.dlTime) ?? Number(m.timestamp)),
      key,
      bytes: m.value ?? Buffer.alloc(0),
      headers,
    };
  }

  /** Keeps a stream open on a group membership until closed, rebuilding whatever breaks. */
  private async runSessions(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      let broken: boolean;
      try {
        // Subscribing to a topic that does not exist would retry forever: fail instead.
        for (const t of this.opts.topics) await this.d.topics.partitionCount(t);
        if (this.closed) break;
        const client = (this.client ??= this.createClient());
        const stream = await client.consume({
          topics: this.fullTopics,
          mode: MessagesStreamModes.COMMITTED,
          fallbackMode: MessagesStreamFallbackModes.EARLIEST,
          autocommit: false,
        });
        // A stream can emit more than one error (one while closing after another): without a
        // listener left, EventEmitter would throw it and end the process. The session-ending
        // listener below handles the first; this one keeps the rest from crashing.
        stream.on('error', ignoreStreamError);
        if (this.closed) {
          await stream.close().catch(() => undefined);
          break;
        }
        const ended = new Promise<SessionEnd>((resolve) => {
          this.endSession = resolve;
          stream.once('error', (e: unknown) => resolve(new SessionEnd(e, false)));
          stream.once('close', () => resolve(new SessionEnd(null, false)));
        });
        stream.on('readable', () => this.wake());
        this.stream = stream;
        failures = 0;
        this.wake();
        const end = this.clientBroken ? new SessionEnd(null, true) : await ended;
        this.stream = undefined;
        this.endSession = null;
        if (this.closed) break;
        await stream.close().catch(() => undefined);
        failures++;
        broken = end.broken || this.clientBroken;
        this.d.health.fail(`consume (group ${this.opts.group})`, end.error ?? new Error('fetch stream ended'), true);
      } catch (e) {
        if (this.closed) break;
        if (e instanceof TickflowError && e.code === 'LOG_TOPIC') {
          this.fatal = e;
          this.wake();
          break;
        }
        failures++;
        this.d.health.fail(`join group ${this.opts.group}`, e, true);
        // A client that cannot even rejoin is rebuilt from scratch.
        broken = this.clientBroken || failures >= 3;
      }
      this.d.health.reconnects++;
      if (broken) await this.dropClient();
      await this.sleep(backoffMs(failures, this.d.o.retryBackoffMs, this.d.o.retryBackoffMaxMs));
    }
  }

  /** Gives up the group membership: every partition is revoked; the next session joins as a new member. */
  private async dropClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.clientBroken = false;
    this.inRebalance = false;
    const revoked = this.assignments();
    this.assigned = new Map();
    this.parts.clear();
    this.since.clear();
    this.generation = -1;
    this.memberId = null;
    if (revoked.length > 0) this.notify([], revoked);
    if (client) await closeClient(client, this.d.o.requestTimeoutMs);
  }

  private onJoin(p: ConsumerGroupJoinPayload): void {
    const gen = p.generationId ?? 0;
    const next = new Map<string, TopicPartition>();
    for (const a of p.assignments ?? []) {
      const topic = this.d.topics.logical(a.topic);
      if (topic === undefined) continue;
      for (const partition of a.partitions) next.set(tpKey(a.topic, partition), { topic, partition });
    }
    // Same member, next generation: nobody else can have owned the kept partitions in between.
    const continuous = p.memberId === this.memberId && (gen === this.generation || gen === this.generation + 1);
    const assigned: TopicPartition[] = [];
    const revoked: TopicPartition[] = [];
    for (const [k, tp] of this.assigned) {
      if (continuous && next.has(k)) continue;
      revoked.push(tp);
      this.parts.delete(k);
      this.since.delete(k);
    }
    for (const [k, tp] of next) {
      if (continuous && this.assigned.has(k)) continue;
      assigned.push(tp);
      this.parts.delete(k);
      this.since.set(k, gen);
    }
    // The client keeps the fetch position of every partition it has read, also after losing it,
    // and on a join replaces it only with a committed offset: a partition coming back to this
    // member with none committed (its owner meanwhile checkpointed nothing, or died first) would
    // be read on from where this member had left it, skipping everything in between (what a
    // kill -9 test's 12,864 lost records looked like). Forgotten here, the client starts such a
    // partition at the earliest offset. This listener runs before the stream's own, which then
    // refetches offsets.
    const positions = this.stream?.offsetsToFetch;
    if (positions) {
      for (const tp of [...revoked, ...assigned]) positions.delete(tpKey(this.d.topics.full(tp.topic), tp.partition));
    }
    this.assigned = next;
    this.generation = gen;
    this.memberId = p.memberId;
    this.inRebalance = false;
    this.d.health.ok();
    if (assigned.length > 0 || revoked.length > 0) {
      this.d.health.rebalances++;
      this.d.o.logger.info({ group: this.opts.group, generation: gen, assigned, revoked }, 'kafka: partitions assigned');
      this.notify(assigned, revoked);
    }
    this.wake();
  }

  private notify(assigned: TopicPartition[], revoked: TopicPartition[]): void {
    for (const l of this.listeners) this.chain(() => l(assigned, revoked));
  }

  /** Listener calls run one after the other; the iterator waits for them before yielding. */
  private chain(f: () => void | Promise<void>): void {
    this.barrier = this.barrier
      .then(f)
      .catch((e: unknown) => this.d.o.logger.error({ err: e, group: this.opts.group }, 'kafka: assignment listener failed'));
    this.wake();
  }

  private createClient(): KConsumer {
    const o = this.d.o;
    const client = new Consumer<Buffer, Buffer, string, Buffer>({
      ...clientOptions(o),
      // A JoinGroup is answered only once every member has rejoined, or the rebalance timeout
      // has dropped the ones that did not (a killed member): the request must outwait it, as
      // Java's client does (rebalance timeout + 5 s). With the default 10 s request timeout and
      // 30 s rebalances, the survivor of a kill -9 timed out its join, rejoined as a new member
      // and waited again, making no progress for minutes. The client has one timeout for all
      // its requests; fetches return within fetchMaxWaitMs anyway.
      timeout: Math.max(o.requestTimeoutMs, o.rebalanceTimeoutMs + 5000),
      requestTimeout: Math.max(o.requestTimeoutMs, o.rebalanceTimeoutMs + 5000),
      groupId: this.d.o.topicPrefix + this.opts.group,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      rebalanceTimeout: o.rebalanceTimeoutMs,
      autocommit: false,
      maxWaitTime: o.fetchMaxWaitMs,
      maxBytes: o.fetchMaxBytes,
      highWaterMark: o.consumerBufferRecords,
      deserializers: { headerKey: stringDeserializer },
      autocreateTopics: false,
    });
    client.on('consumer:group:join', (p) => {
      if (this.client === client) this.onJoin(p);
    });
    client.on('consumer:group:rebalance', () => {
      if (this.client === client) this.inRebalance = true;
    });
    client.on('consumer:heartbeat:end', () => {
      if (this.client === client) this.d.health.ok();
    });
    client.on('consumer:heartbeat:error', (p) => {
      if (this.client === client) this.d.health.fail(`heartbeat (group ${this.opts.group})`, p.error, true);
    });
    // Emitted when the client could not rejoin its group after a failure: without an 'error'
    // listener an EventEmitter would throw it and end the process.
    client.on('error', (e: unknown) => {
      if (this.client !== client || this.closed) return;
      this.clientBroken = true;
      this.endSession?.(new SessionEnd(e, true));
      this.wake();
    });
    return client;
  }

  private requireClient(): KConsumer {
    if (!this.client)
      throw new TickflowError(
        this.closed ? 'LOG_CLOSED' : 'UNAVAILABLE',
        `consumer of group ${this.opts.group} is ${this.closed ? 'closed' : 'reconnecting'}`,
      );
    return this.client;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
    else this.woken = true;
  }

  private waitForWork(): Promise<void> {
    if (this.woken || this.closed) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        if (this.wakeSleep === done) this.wakeSleep = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }
}

/** Leaves the group; when the brokers do not answer in time, just drops the connections. */
async function closeClient(client: KConsumer, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
  try {
    const r = await Promise.race([forceClose(client).then(() => 'ok' as const), timedOut]);
    if (r === 'timeout') await client.connections.close().catch(() => undefined);
  } catch {
    await client.connections.close().catch(() => undefined);
  } finally {
    clearTimeout(timer);
  }
}

function ignoreStreamError(): void {
  // See runSessions: errors are counted and handled by the session's own listener.
}

function generationOf(m: KMessage): number | undefined {
  const c = m.metadata['consumer'];
  if (c && typeof c === 'object' && 'generationId' in c && typeof c.generationId === 'number') return c.generationId;
  return undefined;
}

function headerText(m: KMessage, name: string): string | undefined {
  return m.headers.get(name)?.toString('utf8');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
