/**
 * How the Kafka log reacts to a client error. The client's own `canRetry` flag is not enough:
 * it calls a request timeout final, while for us a timeout during a broker outage is the most
 * ordinary reason to try again.
 */
export type ErrorAction =
  /** Broker down, leader moving, timeout, anything unknown: wait and try again. */
  | 'retry'
  /** The idempotent producer's sequence state is lost on the broker: new producer id, then retry. */
  | 'reset-producer'
  /** The broker already has this batch (an earlier attempt was written, its answer lost). */
  | 'done'
  /** Retrying cannot help (record too large, not authorized, topic missing): fail the send. */
  | 'fatal';

const FATAL_PROTOCOL = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'POLICY_VIOLATION',
  'UNKNOWN_TOPIC_ID',
]);

const RESET_PRODUCER = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
]);

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly apiId?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
}

/** Every error in the chain: aggregated errors (one per attempt or per partition) and causes. */
export function errorChain(e: unknown, out: ErrorLike[] = [], depth = 0): ErrorLike[] {
  if (depth > 8 || e === null || typeof e !== 'object') return out;
  const err = e as ErrorLike;
  out.push(err);
  if (Array.isArray(err.errors)) for (const x of err.errors) errorChain(x, out, depth + 1);
  if (err.cause !== undefined) errorChain(err.cause, out, depth + 1);
  return out;
}

/** Kafka protocol error ids (`NOT_LEADER_OR_FOLLOWER`, …) anywhere in the chain. */
export function protocolErrorIds(e: unknown): string[] {
  return errorChain(e)
    .map((x) => x.apiId)
    .filter((x): x is string => typeof x === 'string');
}

export function isUnknownTopic(e: unknown): boolean {
  return errorChain(e).some(
    (x) =>
      (x.code === 'PLT_KFK_USER' && typeof x.message === 'string' && x.message.startsWith('Unknown topic')) ||
      x.apiId === 'UNKNOWN_TOPIC_OR_PARTITION',
  );
}

export function classify(e: unknown): ErrorAction {
  const chain = errorChain(e);
  const ids = protocolErrorIds(e);
  if (ids.some((id) => FATAL_PROTOCOL.has(id))) return 'fatal';
  if (chain.some((x) => x.code === 'PLT_KFK_AUTHENTICATION')) return 'fatal';
  if (ids.some((id) => RESET_PRODUCER.has(id))) return 'reset-producer';
  if (ids.includes('DUPLICATE_SEQUENCE_NUMBER')) return 'done';
  // A client-side usage error (serialization, bad option) never heals by waiting; "Unknown topic"
  // is handled by the caller, which knows whether the topic should exist.
  if (chain.some((x) => x.code === 'PLT_KFK_USER') && !isUnknownTopic(e) && !chain.some((x) => x.code === 'PLT_KFK_NETWORK'))
    return 'fatal';
  return 'retry';
}

/** One line for logs and stats: the deepest distinct messages of the chain. */
export function describe(e: unknown): string {
  const msgs: string[] = [];
  for (const x of errorChain(e)) {
    const m = typeof x.message === 'string' ? x.message : '';
    const id = typeof x.apiId === 'string' ? `${x.apiId}: ` : '';
    const line = `${id}${m}`.trim();
    if (line && !msgs.includes(line)) msgs.push(line);
  }
  if (msgs.length === 0) return String(e);
  // The outer messages are "X failed 3 times."; the useful part is what failed underneath.
  return msgs.length > 1 ? `${msgs[0]} (${msgs.slice(1, 4).join('; ')})` : (msgs[0] ?? String(e));
}

/** Exponential backoff with ±20 % jitter so clients restarting together do not stampede. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(d * (0.8 + Math.random() * 0.4));
}
