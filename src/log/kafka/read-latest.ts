import { randomUUID } from 'node:crypto';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { TickflowError } from '../../core/index.js';
import type { Codec } from '../codec.js';
import type { LogRecord } from '../log.js';
import { clientOptions, forceClose } from './client-options.js';
import { HEADER } from './headers.js';
import type { ResolvedKafkaOptions } from './options.js';

/** How long a read waits for records it knows exist before giving up on a partition. */
const STALL_MS = 15_000;

function header(headers: Map<Buffer, Buffer> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of headers) if (k.toString('utf8') === name) return v.toString('utf8');
  return undefined;
}

/**
 * Reads `fullTopic` from the start of every partition to its end offset as of the call and
 * keeps the newest record per key (or the one `prefer` picks): the current content of a compacted topic. A throwaway
 * consumer group is used and nothing is committed.
 */
export async function readLatest<T>(
  o: ResolvedKafkaOptions,
  fullTopic: string,
  logical: string,
  codec: Codec<T>,
  prefer?: (kept: LogRecord<T>, later: LogRecord<T>) => boolean,
): Promise<Map<string, LogRecord<T>>> {
  const out = new Map<string, LogRecord<T>>();
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...clientOptions(o),
    groupId: `${o.clientId}-read-${randomUUID()}`,
    sessionTimeout: Math.max(6000, o.sessionTimeoutMs),
    heartbeatInterval: o.heartbeatIntervalMs,
  });
  try {
    const ends = (await consumer.listOffsets({ topics: [fullTopic] })).get(fullTopic) ?? [];
    const remaining = new Map<number, bigint>();
    ends.forEach((end, p) => {
      if (end > 0n) remaining.set(p, end);
    });
    if (remaining.size === 0) return out;
    const stream = await consumer.consume({ topics: [fullTopic], mode: MessagesStreamModes.EARLIEST, autocommit: false, maxWaitTime: 200 });
    // The loop below sees a failure through the iterator; a later error (e.g. while closing)
    // must not reach an EventEmitter without listeners, which would end the process.
    stream.on('error', () => undefined);
    let lastProgress = Date.now();
    const stall = setInterval(() => {
      if (Date.now() - lastProgress > STALL_MS) void stream.close();
    }, 1000);
    try {
      for await (const m of stream) {
        lastProgress = Date.now();
        const key = m.key?.toString('utf8') ?? '';
        const version = Number(header(m.headers, HEADER.schema) ?? codec.version);
        try {
          const rec: LogRecord<T> = {
            topic: logical,
            partition: m.partition,
            offset: Number(m.offset),
            key,
            value: codec.decode(m.value, version),
            timestamp: Number(m.timestamp),
          };
          const kept = out.get(key);
          if (kept === undefined || prefer === undefined || prefer(kept, rec)) out.set(key, rec);
        } catch {
          // An unreadable entry is as good as none: the newest readable one of its key stands.
        }
        const end = remaining.get(m.partition);
        if (end !== undefined && m.offset + 1n >= end) remaining.delete(m.partition);
        if (remaining.size === 0) break;
      }
    } finally {
      clearInterval(stall);
      await stream.close().catch(() => undefined);
    }
    if (remaining.size > 0) {
      throw new TickflowError(
        'KAFKA',
        `reading ${fullTopic}: partitions ${[...remaining.keys()].join(', ')} did not reach their end offsets`,
      );
    }
    return out;
  } finally {
    await forceClose(consumer).catch(() => undefined);
  }
}
