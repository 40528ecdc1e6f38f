// log/kafka: the `Log` on Apache Kafka through @platformatic/kafka, the only place in tickflow
// that imports a Kafka client. Producer with a bounded buffer and endless retries, consumer
// groups with manual commits and rebalance listeners, codecs per topic, a dead-letter topic.
export * from './kafka-log.js';
export * from './options.js';
export * from './env.js';
export { HEADER } from './headers.js';
