import type { ConnectionOptions as TlsOptions } from 'node:tls';
import zlib from 'node:zlib';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { TickflowError } from '../../core/index.js';
import { silentLogger, type Logger } from '../../obs/index.js';
import type { Codec } from '../codec.js';

const Broker = Type.String({ pattern: '^[^\\s:/,]+:[0-9]{1,5}$', description: 'host:port' });
const PositiveInt = Type.Integer({ minimum: 1 });

/** The plain (JSON) part of the options: validated at runtime, and the TypeScript type comes from it. */
export const KafkaSettingsSchema = Type.Object(
  {
    brokers: Type.Array(Broker, { minItems: 1, description: 'bootstrap brokers' }),
    clientId: Type.Optional(Type.String({ pattern: '^\\S+$', description: 'default tickflow' })),
    topicPrefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]*$', description: 'prepended to every topic name' })),
    partitions: Type.Optional(Type.Integer({ minimum: 1, description: "partitions of every topic (wins over the stage's default)" })),
    topicPartitions: Type.Optional(Type.Record(Type.String(), PositiveInt, { description: 'partitions per topic (logical name)' })),
    replicationFactor: Type.Optional(Type.Integer({ minimum: -1, description: "-1 (default): the brokers' default.replication.factor" })),
    topicConfig: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'configs of created topics, e.g. retention.ms' })),
    sasl: Type.Optional(
      Type.Object(
        {
          mechanism: Type.Union([
            Type.Literal('PLAIN'),
            Type.Literal('SCRAM-SHA-256'),
            Type.Literal('SCRAM-SHA-512'),
            Type.Literal('OAUTHBEARER'),
          ]),
          username: Type.Optional(Type.String()),
          password: Type.Optional(Type.String()),
          token: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    compression: Type.Optional(
      Type.Union([Type.Literal('none'), Type.Literal('gzip'), Type.Literal('snappy'), Type.Literal('lz4'), Type.Literal('zstd')]),
    ),
    idempotent: Type.Optional(Type.Boolean({ description: 'idempotent producer (default true): a retried batch is written once' })),
    bufferMemoryBytes: Type.Optional(
      Type.Integer({ minimum: 1024, description: 'producer buffer; send waits beyond it (default 32 MiB)' }),
    ),
    maxRequestBytes: Type.Optional(Type.Integer({ minimum: 1024, description: 'largest produce request (default 1,000,000)' })),
    sendRetries: Type.Optional(Type.Integer({ minimum: 0, description: 'retries before send fails (default: forever)' })),
    retryBackoffMs: Type.Optional(Type.Integer({ minimum: 1, description: 'first retry delay, doubled up to retryBackoffMaxMs' })),
    retryBackoffMaxMs: Type.Optional(Type.Integer({ minimum: 1 })),
    requestTimeoutMs: Type.Optional(PositiveInt),
    connectTimeoutMs: Type.Optional(PositiveInt),
    sessionTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    heartbeatIntervalMs: Type.Optional(Type.Integer({ minimum: 100 })),
    rebalanceTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    consumerBufferRecords: Type.Optional(Type.Integer({ minimum: 1, description: 'records a consumer fetches ahead (default 256)' })),
    fetchMaxBytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    fetchMaxWaitMs: Type.Optional(Type.Integer({ minimum: 0 })),
    statsIntervalMs: Type.Optional(Type.Integer({ minimum: 100, description: 'how often consumer lag is refreshed for depths()' })),
  },
  { additionalProperties: false },
);

export type KafkaSettings = Static<typeof KafkaSettingsSchema>;

export interface KafkaLogOptions extends KafkaSettings {
  /** TLS: `true` for the system CAs, or Node's tls options (ca, cert, key, servername, rejectUnauthorized …) passed through. */
  readonly tls?: boolean | TlsOptions;
  /** Codec per logical topic name (`trades`, …); JSON for the others. */
  readonly codecs?: Readonly<Record<string, Codec<unknown>>>;
  readonly logger?: Logger;
}

export interface ResolvedKafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly partitions: number | undefined;
  readonly topicPartitions: Readonly<Record<string, number>>;
  readonly replicationFactor: number;
  readonly topicConfig: Readonly<Record<string, string>>;
  readonly sasl: KafkaSettings['sasl'];
  readonly tls: TlsOptions | undefined;
  readonly compression: NonNullable<KafkaSettings['compression']>;
  readonly idempotent: boolean;
  readonly bufferMemoryBytes: number;
  readonly maxRequestBytes: number;
  readonly sendRetries: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly consumerBufferRecords: number;
  readonly fetchMaxBytes: number;
  readonly fetchMaxWaitMs: number;
  readonly statsIntervalMs: number;
  readonly codecs: Readonly<Record<string, Codec<unknown>>>;
  readonly logger: Logger;
}

/** Validates the options (CONFIG_INVALID naming the option) and fills in the defaults. */
export function resolveKafkaOptions(opts: KafkaLogOptions): ResolvedKafkaOptions {
  const { tls, codecs, logger, ...settings } = opts;
  if (!Value.Check(KafkaSettingsSchema, settings)) {
    const errors = Value.Errors(KafkaSettingsSchema, settings);
    const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
    const where = first ? `${first.instancePath || '/'}: ${first.message}` : 'invalid';
    throw new TickflowError('CONFIG_INVALID', `kafka options ${where}`, { details: errors });
  }
  const s = settings;
  const backoff = s.retryBackoffMs ?? 100;
  const sessionTimeoutMs = s.sessionTimeoutMs ?? 10_000;
  const heartbeatIntervalMs = s.heartbeatIntervalMs ?? 1_000;
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new TickflowError(
      'CONFIG_INVALID',
      `kafka options /heartbeatIntervalMs (${heartbeatIntervalMs}) must be below /sessionTimeoutMs (${sessionTimeoutMs})`,
    );
  }
  // The client compresses zstd with node:zlib, which has it from Node 22.15 on: say so now, not at the first send.
  if (s.compression === 'zstd' && typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    throw new TickflowError(
      'CONFIG_INVALID',
      `kafka options /compression: zstd needs Node >= 22.15 (this is ${process.version}); use lz4, snappy or gzip`,
    );
  }
  return {
    brokers: s.brokers,
    clientId: s.clientId ?? 'tickflow',
    topicPrefix: s.topicPrefix ?? '',
    partitions: s.partitions,
    topicPartitions: s.topicPartitions ?? {},
    replicationFactor: s.replicationFactor ?? -1,
    topicConfig: s.topicConfig ?? {},
    sasl: s.sasl,
    tls: tls === true ? {} : tls === false || tls === undefined ? undefined : tls,
    compression: s.compression ?? 'none',
    idempotent: s.idempotent ?? true,
    bufferMemoryBytes: s.bufferMemoryBytes ?? 32 * 1024 * 1024,
    maxRequestBytes: s.maxRequestBytes ?? 1_000_000,
    sendRetries: s.sendRetries ?? Number.POSITIVE_INFINITY,
    retryBackoffMs: backoff,
    retryBackoffMaxMs: Math.max(backoff, s.retryBackoffMaxMs ?? 5_000),
    requestTimeoutMs: s.requestTimeoutMs ?? 10_000,
    connectTimeoutMs: s.connectTimeoutMs ?? 5_000,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: s.rebalanceTimeoutMs ?? 30_000,
    consumerBufferRecords: s.consumerBufferRecords ?? 256,
    fetchMaxBytes: s.fetchMaxBytes ?? 8 * 1024 * 1024,
    fetchMaxWaitMs: s.fetchMaxWaitMs ?? 500,
    statsIntervalMs: s.statsIntervalMs ?? 5_000,
    codecs: codecs ?? {},
    logger: logger ?? silentLogger(),
  };
}
