import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { TickflowError } from '../../core/index.js';
import type { KafkaLogOptions } from './options.js';

type EnvOptions = Omit<KafkaLogOptions, 'brokers' | 'codecs' | 'logger'>;

/**
 * Connection settings of an existing cluster from the environment, so secrets stay out of
 * command lines and config files:
 *
 *   TICKFLOW_KAFKA_CLIENT_ID, TICKFLOW_KAFKA_TOPIC_PREFIX, TICKFLOW_KAFKA_PARTITIONS, TICKFLOW_KAFKA_REPLICATION
 *   TICKFLOW_KAFKA_COMPRESSION (none | gzip | snappy | lz4 | zstd)
 *   TICKFLOW_KAFKA_SASL_MECHANISM (PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512), TICKFLOW_KAFKA_SASL_USERNAME, TICKFLOW_KAFKA_SASL_PASSWORD
 *   TICKFLOW_KAFKA_TLS=1, TICKFLOW_KAFKA_TLS_CA=<pem file>, TICKFLOW_KAFKA_TLS_CERT=<pem file>, TICKFLOW_KAFKA_TLS_KEY=<pem file>,
 *   TICKFLOW_KAFKA_TLS_SERVERNAME, TICKFLOW_KAFKA_TLS_INSECURE=1 (skip certificate verification; testing only)
 */
export function kafkaOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvOptions {
  const get = (k: string): string | undefined => {
    const v = env[`TICKFLOW_KAFKA_${k}`];
    return v === undefined || v === '' ? undefined : v;
  };
  const int = (k: string): number | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new TickflowError('CONFIG_INVALID', `TICKFLOW_KAFKA_${k} must be an integer, got '${v}'`);
    return n;
  };
  const out: { -readonly [K in keyof EnvOptions]: EnvOptions[K] } = {};
  const clientId = get('CLIENT_ID');
  if (clientId !== undefined) out.clientId = clientId;
  const prefix = get('TOPIC_PREFIX');
  if (prefix !== undefined) out.topicPrefix = prefix;
  const partitions = int('PARTITIONS');
  if (partitions !== undefined) out.partitions = partitions;
  const rf = int('REPLICATION');
  if (rf !== undefined) out.replicationFactor = rf;
  const compression = get('COMPRESSION');
  if (compression !== undefined) {
    const c = compression.toLowerCase();
    if (c !== 'none' && c !== 'gzip' && c !== 'snappy' && c !== 'lz4' && c !== 'zstd') {
      throw new TickflowError('CONFIG_INVALID', `TICKFLOW_KAFKA_COMPRESSION must be none, gzip, snappy, lz4 or zstd, got '${compression}'`);
    }
    out.compression = c;
  }
  const mechanism = get('SASL_MECHANISM');
  if (mechanism !== undefined) {
    const m = mechanism.toUpperCase();
    if (m !== 'PLAIN' && m !== 'SCRAM-SHA-256' && m !== 'SCRAM-SHA-512') {
      throw new TickflowError(
        'CONFIG_INVALID',
        `TICKFLOW_KAFKA_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got '${mechanism}'`,
      );
    }
    const username = get('SASL_USERNAME');
    const password = get('SASL_PASSWORD');
    out.sasl = { mechanism: m, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  }
  const file = (k: string): string | undefined => {
    const p = get(k);
    if (p === undefined) return undefined;
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      throw new TickflowError('CONFIG_INVALID', `TICKFLOW_KAFKA_${k}: cannot read ${p}`, { cause: e });
    }
  };
  const ca = file('TLS_CA');
  const cert = file('TLS_CERT');
  const key = file('TLS_KEY');
  const servername = get('TLS_SERVERNAME');
  const insecure = get('TLS_INSECURE') === '1';
  if (get('TLS') === '1' || ca !== undefined || cert !== undefined || insecure) {
    const tls: TlsOptions = {};
    if (ca !== undefined) tls.ca = ca;
    if (cert !== undefined) tls.cert = cert;
    if (key !== undefined) tls.key = key;
    if (servername !== undefined) tls.servername = servername;
    if (insecure) tls.rejectUnauthorized = false;
    out.tls = tls;
  }
  return out;
}
