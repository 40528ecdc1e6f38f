// log: the `Log` contract (topics, partitions, offsets, consumer groups, commit) and its
// implementations. Stages only see `Log`; the embedded `MemoryLog` is the default and the
// Kafka log is the only place that imports a Kafka client.
export * from './log.js';
export * from './memory-log.js';
