import { TickflowError } from '../core/index.js';
import type { KafkaLogOptions } from './kafka/options.js';
import type { Log } from './log.js';
import { MemoryLog, type MemoryLogOptions } from './memory-log.js';

export interface OpenLogOptions {
  readonly memory?: MemoryLogOptions;
  /** Everything but the brokers, which come from the URL (and win over the URL's query). */
  readonly kafka?: Omit<KafkaLogOptions, 'brokers'>;
}

const FORMS = '`memory` or `kafka://host:port[,host:port…][?prefix=&partitions=&replication=&clientId=]`';

/**
 * Opens the log a URL names: `memory` (embedded, the default) or `kafka://host:port,…` (a
 * Kafka cluster; the client is loaded only then). The query may set the topic prefix,
 * partitions, replication factor and client id; explicit options win over it.
 */
export async function openLog(url: string, opts: OpenLogOptions = {}): Promise<Log> {
  const u = url.trim();
  if (u === 'memory' || u === 'memory://') return new MemoryLog(opts.memory);
  if (!u.startsWith('kafka://')) throw bad(url, 'unknown scheme');
  const { brokers, query } = parseKafkaUrl(url);
  const { KafkaLog } = await import('./kafka/kafka-log.js');
  return new KafkaLog({ ...query, ...opts.kafka, brokers });
}

/** `kafka://a:9092,b:9092?prefix=x.` → brokers and the query settings. */
export function parseKafkaUrl(url: string): { brokers: string[]; query: Partial<KafkaLogOptions> } {
  const rest = url.trim().slice('kafka://'.length);
  const q = rest.indexOf('?');
  const hosts = q < 0 ? rest : rest.slice(0, q);
  const brokers = hosts
    .replace(/\/+$/, '')
    .split(',')
    .map((h) => h.trim());
  if (brokers.length === 0 || brokers.some((b) => b === '')) throw bad(url, 'no brokers');
  for (const b of brokers) {
    const m = /^([^\s:/,@]+):([0-9]{1,5})$/.exec(b);
    const port = Number(m?.[2]);
    if (!m || port < 1 || port > 65535) throw bad(url, `broker '${b}' is not host:port`);
  }
  const query: { -readonly [K in keyof KafkaLogOptions]?: KafkaLogOptions[K] } = {};
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  for (const [k, v] of params) {
    if (k === 'prefix') query.topicPrefix = v;
    else if (k === 'clientId') query.clientId = v;
    else if (k === 'partitions' || k === 'replication') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < (k === 'partitions' ? 1 : -1)) throw bad(url, `${k} must be an integer, got '${v}'`);
      if (k === 'partitions') query.partitions = n;
      else query.replicationFactor = n;
    } else throw bad(url, `unknown parameter '${k}'`);
  }
  return { brokers, query };
}

function bad(url: string, why: string): TickflowError {
  return new TickflowError('CONFIG_INVALID', `log '${url}': ${why}; the log is ${FORMS}`, { details: { url } });
}
