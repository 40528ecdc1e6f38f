import { TickflowError } from '../core/index.js';

/**
 * How a topic's values become bytes on a log that stores bytes (Kafka). The codec's name and
 * schema version travel in every record's headers, so a consumer can tell a record written
 * with another codec or a newer schema from a corrupt one, and a topic can move to a new
 * schema version while old records are still being read.
 *
 * `decode` throws on anything it cannot turn into a valid value; the Kafka log sends such
 * records to the dead-letter topic with the error's message as the reason.
 */
export interface Codec<T = unknown> {
  /** Written to the `tf-codec` header, e.g. `json`. */
  readonly name: string;
  /** Written to the `tf-schema` header. */
  readonly version: number;
  /** Schema versions `decode` reads; only `version` when absent. */
  readonly reads?: readonly number[];
  encode(value: T): Buffer;
  decode(bytes: Buffer, version: number): T;
}

export interface JsonCodecOptions<T> {
  readonly version?: number;
  readonly reads?: readonly number[];
  /**
   * Checks a parsed value against the topic's schema and returns it typed (or converted);
   * throws when it does not fit. Without it any JSON is accepted.
   */
  readonly validate?: (value: unknown, version: number) => T;
}

/** JSON text: inspectable with any Kafka tool (`kafka-console-consumer`, kcat). The default codec. */
export function jsonCodec<T = unknown>(opts: JsonCodecOptions<T> = {}): Codec<T> {
  const version = opts.version ?? 1;
  const validate = opts.validate;
  return {
    name: 'json',
    version,
    ...(opts.reads ? { reads: opts.reads } : {}),
    encode(value: T): Buffer {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TickflowError('LOG_CODEC', `json codec: cannot encode ${typeof value}`);
      return Buffer.from(text, 'utf8');
    },
    decode(bytes: Buffer, v: number): T {
      const parsed: unknown = JSON.parse(bytes.toString('utf8'));
      return validate ? validate(parsed, v) : (parsed as T);
    },
  };
}

/** True when `codec` can read records written with schema `version`. */
export function codecReads(codec: Codec<unknown>, version: number): boolean {
  return codec.reads ? codec.reads.includes(version) : codec.version === version;
}
