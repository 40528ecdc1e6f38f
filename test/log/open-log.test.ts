import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLog, kafkaOptionsFromEnv, openLog, parseKafkaUrl } from '../../src/log/index.js';
import { KafkaLog } from '../../src/log/kafka/index.js';
import { tempDir } from '../helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';

test('openLog: memory is the embedded log', async () => {
  const log = await openLog('memory', { memory: { capacity: 5 } });
  assert.ok(log instanceof MemoryLog);
  assert.equal(log.url, 'memory');
  await log.close();
});

test('openLog: kafka:// URLs give a KafkaLog; the query sets prefix, partitions, replication, client id; options win', async () => {
  const log = await openLog('kafka://k1.example:9092,10.0.0.2:19092?prefix=prod.&partitions=12&replication=3&clientId=ingest-1', {
    kafka: { replicationFactor: 2 },
  });
  assert.ok(log instanceof KafkaLog);
  assert.equal(log.url, 'kafka://k1.example:9092,10.0.0.2:19092');
  assert.deepEqual(log.options.brokers, ['k1.example:9092', '10.0.0.2:19092']);
  assert.equal(log.options.topicPrefix, 'prod.');
  assert.equal(log.topicName('trades'), 'prod.trades');
  assert.equal(log.groupId('process'), 'prod.process');
  assert.equal(log.options.partitions, 12);
  assert.equal(log.options.replicationFactor, 2);
  assert.equal(log.options.clientId, 'ingest-1');
  // Nothing connects until used.
  await log.close();
  assert.deepEqual(parseKafkaUrl('kafka://localhost:9092/'), { brokers: ['localhost:9092'], query: {} });
});

test('openLog: anything else is CONFIG_INVALID naming the accepted forms', async () => {
  for (const [url, why] of [
    ['', /unknown scheme/],
    ['redis://localhost:6379', /unknown scheme/],
    ['Memory', /unknown scheme/],
    ['kafka://', /no brokers/],
    ['kafka://localhost', /'localhost' is not host:port/],
    ['kafka://localhost:0', /not host:port/],
    ['kafka://localhost:70000', /not host:port/],
    ['kafka://a:1,,b:2', /no brokers/],
    ['kafka://user:pw@host:9092', /not host:port/],
    ['kafka://a:1?partitions=zero', /partitions must be an integer/],
    ['kafka://a:1?acks=all', /unknown parameter 'acks'/],
  ] as const) {
    await assert.rejects(openLog(url), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'CONFIG_INVALID', url);
      assert.match(e.message, why, url);
      assert.match(e.message, /`memory` or `kafka:\/\/host:port/, url);
      return true;
    });
  }
});

test('KafkaLog options are validated: the error names the option', () => {
  assert.throws(() => new KafkaLog({ brokers: [] }), { code: 'CONFIG_INVALID', message: /\/brokers/ });
  assert.throws(() => new KafkaLog({ brokers: ['a:1'], bufferMemoryBytes: 10 }), {
    code: 'CONFIG_INVALID',
    message: /\/bufferMemoryBytes/,
  });
  assert.throws(() => new KafkaLog({ brokers: ['a:1'], topicPrefix: 'has space' }), { code: 'CONFIG_INVALID', message: /\/topicPrefix/ });
  assert.throws(() => new KafkaLog({ brokers: ['a:1'], heartbeatIntervalMs: 5000, sessionTimeoutMs: 3000 }), {
    code: 'CONFIG_INVALID',
    message: /heartbeatIntervalMs/,
  });
  assert.throws(() => new KafkaLog({ brokers: ['a:1'], sasl: { mechanism: 'GSSAPI' as 'PLAIN' } }), {
    code: 'CONFIG_INVALID',
    message: /\/sasl/,
  });
  // node:zlib has zstd from Node 22.15: refused up front where it is missing, not at the first send.
  if (typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function') {
    assert.throws(() => new KafkaLog({ brokers: ['a:1'], compression: 'zstd' }), { code: 'CONFIG_INVALID', message: /zstd needs Node/ });
  }
});

test('kafkaOptionsFromEnv reads SASL and TLS settings of an existing cluster', () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
    const o = kafkaOptionsFromEnv({
      TICKFLOW_KAFKA_TOPIC_PREFIX: 'tf.',
      TICKFLOW_KAFKA_PARTITIONS: '12',
      TICKFLOW_KAFKA_REPLICATION: '3',
      TICKFLOW_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      TICKFLOW_KAFKA_SASL_USERNAME: 'tickflow',
      TICKFLOW_KAFKA_SASL_PASSWORD: 's3cret',
      TICKFLOW_KAFKA_TLS_CA: join(dir, 'ca.pem'),
      TICKFLOW_KAFKA_TLS_SERVERNAME: 'kafka.internal',
    });
    assert.deepEqual(o, {
      topicPrefix: 'tf.',
      partitions: 12,
      replicationFactor: 3,
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'tickflow', password: 's3cret' },
      tls: { ca: 'CA PEM', servername: 'kafka.internal' },
    });
    assert.deepEqual(kafkaOptionsFromEnv({}), {});
    assert.deepEqual(kafkaOptionsFromEnv({ TICKFLOW_KAFKA_TLS: '1' }), { tls: {} });
    assert.deepEqual(kafkaOptionsFromEnv({ TICKFLOW_KAFKA_COMPRESSION: 'LZ4' }), { compression: 'lz4' });
    assert.throws(() => kafkaOptionsFromEnv({ TICKFLOW_KAFKA_COMPRESSION: 'brotli' }), { code: 'CONFIG_INVALID', message: /COMPRESSION/ });
    assert.throws(() => kafkaOptionsFromEnv({ TICKFLOW_KAFKA_SASL_MECHANISM: 'GSSAPI' }), { code: 'CONFIG_INVALID' });
    assert.throws(() => kafkaOptionsFromEnv({ TICKFLOW_KAFKA_PARTITIONS: 'many' }), { code: 'CONFIG_INVALID' });
    assert.throws(() => kafkaOptionsFromEnv({ TICKFLOW_KAFKA_TLS_CA: join(dir, 'missing.pem') }), { code: 'CONFIG_INVALID' });
  } finally {
    cleanup();
  }
});
