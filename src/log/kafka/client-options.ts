import type { BaseOptions } from '@platformatic/kafka';
import type { ResolvedKafkaOptions } from './options.js';

/** Connection options every client of one KafkaLog shares. */
export function clientOptions(o: ResolvedKafkaOptions): BaseOptions {
  return {
    clientId: o.clientId,
    bootstrapBrokers: [...o.brokers],
    timeout: o.requestTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    connectTimeout: o.connectTimeoutMs,
    // The client's own retries are short; the Kafka log's loops retry for as long as it takes,
    // with counters and logs (see producer.ts and consumer.ts).
    retries: 2,
    retryDelay: o.retryBackoffMs,
    ...(o.sasl ? { sasl: { ...o.sasl } } : {}),
    ...(o.tls ? { tls: o.tls } : {}),
  };
}

interface ForceClosable {
  close(force: boolean, callback: (error?: Error | null) => void): void;
}

/** `close(true)` as a promise (the client's promise overload does not take `force`). */
export function forceClose(client: ForceClosable): Promise<void> {
  return new Promise((resolve, reject) => client.close(true, (e) => (e ? reject(e) : resolve())));
}
