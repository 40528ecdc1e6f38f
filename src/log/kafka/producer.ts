import { compatibilityPartitioner, Producer, ProduceAcks, stringSerializer, type MessageToProduce } from '@platformatic/kafka';
import { TickflowError } from '../../core/index.js';
import type { ProduceRecord } from '../log.js';
import type { Codec } from '../codec.js';
import { clientOptions, forceClose } from './client-options.js';
import { backoffMs, classify, describe, isUnknownTopic } from './errors.js';
import { codecHeaders } from './headers.js';
import type { KafkaHealth } from './health.js';
import type { ResolvedKafkaOptions } from './options.js';
import type { Topics } from './topics.js';

type Message = MessageToProduce<Buffer, Buffer, string, Buffer>;

/** One `send` call: resolves when all its records are acknowledged. */
interface Pending {
  remaining: number;
  failed: boolean;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

interface Queued {
  readonly msg: Message;
  readonly bytes: number;
  readonly owner: Pending;
}

/** Per-record overhead counted against the buffer besides key and value (headers, batch framing). */
const RECORD_OVERHEAD = 64;

/**
 * The producer side of the Kafka log. Every `send` is encoded, counted against a memory budget
 * (waiting while the budget is spent: that is the backpressure a slow or absent broker exerts),
 * queued, and written by one writer loop that batches whatever is queued into requests of at
 * most `maxRequestBytes`. One request in flight keeps records in order per partition even across
 * retries, and lets the idempotent producer resend a batch with the same sequence numbers, so a
 * batch whose acknowledgement was lost is not written twice. While the brokers are unreachable
 * the loop retries with backoff forever (or `sendRetries` times), counting and logging; the
 * process never exits because of it.
 */
export class KafkaSender {
  private producer: Producer<Buffer, Buffer, string, Buffer>;
  private readonly queue: Queued[] = [];
  private head = 0;
  /** Records of urgent sends: each request takes these first (see `send`). */
  private urgent: Queued[] = [];
  private pumping: Promise<void> | null = null;
  /** The previous send's admission to the queue (sends are admitted in call order). */
  private admission: Promise<void> = Promise.resolve();
  private spaceWaiters: (() => void)[] = [];
  private wakeSleep: (() => void) | null = null;
  private closing = false;

  constructor(
    private readonly o: ResolvedKafkaOptions,
    private readonly topics: Topics,
    private readonly health: KafkaHealth,
  ) {
    this.producer = this.createProducer();
  }

  /**
   * Encodes with the topic's codec and sends; resolves once the brokers have acknowledged every
   * record (acks=all). `urgent`: queued ahead of every non-urgent record not yet in a request,
   * without waiting for buffer space or for earlier sends' admission (see `SendOptions`).
   */
  // `async` only so that throws become rejections: everything up to `inOrder` runs synchronously, in call order.
  async send<T>(topic: string, records: readonly ProduceRecord<T>[], codec: Codec<unknown>, urgent = false): Promise<void> {
    this.checkOpen(topic);
    if (records.length === 0) return;
    const full = this.topics.full(topic);
    const headers = codecHeaders(codec);
    // Encoded now: the caller may reuse its objects once `send` has returned.
    const msgs: Message[] = [];
    for (const r of records) {
      let value: Buffer;
      try {
        value = codec.encode(r.value);
      } catch (e) {
        throw new TickflowError('LOG_CODEC', `cannot encode a record for ${topic} with codec ${codec.name}: ${describe(e)}`, { cause: e });
      }
      const msg: Message = { topic: full, key: Buffer.from(r.key, 'utf8'), value, headers };
      if (r.partition !== undefined) msg.partition = r.partition;
      msgs.push(msg);
    }
    if (urgent) return this.admitUrgent(topic, msgs);
    return this.inOrder(async () => {
      await this.checkPartitions(topic, msgs);
      return msgs;
    });
  }

  /** Explicit partitions must exist (the topic's partition count is cached after the first look). */
  private async checkPartitions(topic: string, msgs: readonly Message[]): Promise<void> {
    const partitions = await this.topics.partitionCount(topic);
    for (const m of msgs) {
      const p = m.partition;
      if (p !== undefined && (!Number.isInteger(p) || p < 0 || p >= partitions)) {
        throw new TickflowError('LOG_TOPIC', `topic ${m.topic} has ${partitions} partition(s); cannot produce to partition ${p}`);
      }
    }
  }

  /** Sends already-encoded messages (the dead-letter path). */
  async sendMessages(msgs: readonly Message[]): Promise<void> {
    this.checkOpen(msgs[0]?.topic ?? '');
    return this.inOrder(() => Promise.resolve(msgs));
  }

  /**
   * Admits sends to the queue in the order they were called, whatever their metadata lookups
   * and buffer waits take: records of one partition must reach the log in the caller's order
   * (a later send overtaking one that waits for buffer space reordered an instrument's trades).
   * Resolves when the brokers have acknowledged every record of this send.
   */
  private inOrder(prepare: () => Promise<readonly Message[]>): Promise<void> {
    const admitted = this.admission.then(async () => {
      const msgs = await prepare();
      return this.admit(msgs);
    });
    this.admission = admitted.then(
      () => undefined,
      () => undefined,
    );
    return admitted.then((a) => a.acked);
  }

  /**
   * Queues an urgent send's messages at once (no buffer wait: they are counted, and may take
   * the buffer over its limit by their size). Partitions are known from the metadata already
   * fetched for the topic, or fetched first (urgent sends stay in order among themselves).
   */
  private async admitUrgent(topic: string, msgs: Message[]): Promise<void> {
    await this.checkPartitions(topic, msgs);
    return (await this.admit(msgs, true)).acked;
  }

  /**
   * Waits for buffer space (an urgent send does not), then queues the messages (an urgent send
   * on the urgent queue); `acked` settles when they are acknowledged.
   */
  private async admit(msgs: readonly Message[], urgent = false): Promise<{ acked: Promise<void> }> {
    this.checkOpen(msgs[0]?.topic ?? '');
    const sized = msgs.map((msg) => ({ msg, bytes: (msg.key?.length ?? 0) + (msg.value?.length ?? 0) + RECORD_OVERHEAD }));
    const total = sized.reduce((s, m) => s + m.bytes, 0);
    if (urgent) this.count(total, msgs.length);
    else await this.reserve(total, msgs.length);
    const queue = urgent ? this.urgent : this.queue;
    const acked = new Promise<void>((resolve, reject) => {
      const owner: Pending = { remaining: sized.length, failed: false, resolve, reject };
      for (const m of sized) queue.push({ ...m, owner });
      this.kick();
    });
    return { acked };
  }

  /**
   * Starts the pump unless it runs. A pump that has just found the queue empty is still
   * `pumping` until its `finally` runs a microtask later; records queued in that gap are
   * picked up by the restart here (without it they waited for the next send — forever, when
   * that send was itself waiting for buffer space).
   */
  private kick(): void {
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.head < this.queue.length || this.urgent.length > 0) this.kick();
    });
  }

  /** Flushes what is queued (as long as the brokers answer), then closes; later sends fail with LOG_CLOSED. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeSleep?.();
    for (const w of this.spaceWaiters.splice(0)) w();
    await this.pumping;
    await forceClose(this.producer).catch(() => undefined);
  }

  private checkOpen(topic: string): void {
    if (this.closing) throw new TickflowError('LOG_CLOSED', `log closed while producing to ${topic}`);
  }

  /** Waits until `bytes` fit in the buffer; a single send larger than the whole buffer goes alone. */
  private async reserve(bytes: number, records: number): Promise<void> {
    const h = this.health;
    while (h.bufferedBytes > 0 && h.bufferedBytes + bytes > h.bufferLimitBytes) {
      await new Promise<void>((r) => this.spaceWaiters.push(r));
      if (this.closing) throw new TickflowError('LOG_CLOSED', 'log closed while waiting for producer buffer space');
    }
    this.count(bytes, records);
  }

  /** Counts queued records against the buffer (`release` takes them off once settled). */
  private count(bytes: number, records: number): void {
    this.health.bufferedBytes += bytes;
    this.health.bufferedRecords += records;
  }

  private release(bytes: number, records: number): void {
    this.health.bufferedBytes -= bytes;
    this.health.bufferedRecords -= records;
    for (const w of this.spaceWaiters.splice(0)) w();
  }

  private async pump(): Promise<void> {
    while (this.head < this.queue.length || this.urgent.length > 0) {
      const chunk: Queued[] = [];
      let bytes = 0;
      if (this.urgent.length > 0) {
        for (const q of this.urgent.splice(0)) {
          if (q.owner.failed) {
            this.release(q.bytes, 1);
            continue;
          }
          chunk.push(q);
          bytes += q.bytes;
        }
      }
      while (this.head < this.queue.length) {
        const q = this.queue[this.head];
        if (!q) break;
        if (q.owner.failed) {
          this.head++;
          this.release(q.bytes, 1);
          continue;
        }
        if (chunk.length > 0 && bytes + q.bytes > this.o.maxRequestBytes) break;
        chunk.push(q);
        bytes += q.bytes;
        this.head++;
      }
      // Compact now and then rather than shifting on every record.
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      if (chunk.length > 0) await this.deliver(chunk);
    }
    this.queue.length = 0;
    this.head = 0;
  }

  /** Writes one request's worth of records, retrying until acknowledged or hopeless. */
  private async deliver(chunk: readonly Queued[]): Promise<void> {
    const messages = chunk.map((q) => q.msg);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.producer.send({ messages });
        this.health.ok();
        this.settle(chunk, null);
        return;
      } catch (e) {
        const action = isUnknownTopic(e) ? 'fatal' : classify(e);
        if (action === 'done') {
          this.settle(chunk, null);
          return;
        }
        const hopeless = action === 'fatal' || this.closing || attempt >= this.o.sendRetries;
        this.health.fail('produce', e, !hopeless, true);
        if (hopeless) {
          // Several sends share the request: find the one at fault rather than failing them all.
          const owners = new Set(chunk.map((q) => q.owner));
          if (action === 'fatal' && owners.size > 1 && !this.closing) {
            for (const owner of owners) await this.deliver(chunk.filter((q) => q.owner === owner));
            return;
          }
          this.settle(chunk, this.toError(e, action));
          return;
        }
        if (action === 'reset-producer') await this.resetProducer();
        await this.sleep(backoffMs(attempt, this.o.retryBackoffMs, this.o.retryBackoffMaxMs));
      }
    }
  }

  private settle(chunk: readonly Queued[], error: unknown): void {
    let bytes = 0;
    for (const q of chunk) {
      bytes += q.bytes;
      const owner = q.owner;
      if (error !== null) {
        if (!owner.failed) {
          owner.failed = true;
          owner.reject(error);
        }
        continue;
      }
      this.health.sentRecords++;
      if (--owner.remaining === 0 && !owner.failed) owner.resolve();
    }
    this.release(bytes, chunk.length);
  }

  private toError(e: unknown, action: string): TickflowError {
    if (this.closing && action !== 'fatal')
      return new TickflowError('LOG_CLOSED', `log closed before the brokers acknowledged: ${describe(e)}`, { cause: e });
    if (isUnknownTopic(e)) return new TickflowError('LOG_TOPIC', `produce failed, topic missing: ${describe(e)}`, { cause: e });
    return new TickflowError('KAFKA', `produce failed: ${describe(e)}`, { cause: e });
  }

  /** The broker forgot this producer id (or fenced it): start over with a new one. */
  private async resetProducer(): Promise<void> {
    this.o.logger.warn('kafka: producer sequence state lost on the broker; starting a new idempotent producer');
    const old = this.producer;
    this.producer = this.createProducer();
    await forceClose(old).catch(() => undefined);
  }

  private createProducer(): Producer<Buffer, Buffer, string, Buffer> {
    return new Producer<Buffer, Buffer, string, Buffer>({
      ...clientOptions(this.o),
      idempotent: this.o.idempotent,
      acks: ProduceAcks.ALL,
      // Kafka's default partitioner (murmur2 of the key, sign bit masked): the same partition as Java and kafkajs clients.
      partitioner: compatibilityPartitioner,
      compression: this.o.compression,
      serializers: { headerKey: stringSerializer },
      autocreateTopics: false,
    });
  }

  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
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
