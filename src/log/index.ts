// log: the `Log` contract (topics, partitions, offsets, consumer groups, commit) and its
// implementations. Stages only see `Log`; the embedded `MemoryLog` is the default, and the
// Kafka log (`./kafka/`, loaded by `openLog` only for kafka:// URLs) is the only place that
// imports a Kafka client.
export * from './log.js';
export * from './memory-log.js';
export * from './codec.js';
export * from './dead-letter.js';
export * from './open-log.js';
export { kafkaOptionsFromEnv } from './kafka/env.js';
export type { KafkaLog } from './kafka/kafka-log.js';
export type { KafkaLogOptions } from './kafka/options.js';
