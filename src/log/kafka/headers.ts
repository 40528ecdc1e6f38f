import type { Codec } from '../codec.js';

/** Record headers the Kafka log writes and reads. */
export const HEADER = {
  /** Codec name of the value (`json`, …). */
  codec: 'tf-codec',
  /** Schema version of the value, decimal. */
  schema: 'tf-schema',
  /** Dead letters: where the record came from and why it could not be read. */
  dlTopic: 'tf-dl-topic',
  dlPartition: 'tf-dl-partition',
  dlOffset: 'tf-dl-offset',
  dlReason: 'tf-dl-reason',
  dlError: 'tf-dl-error',
  dlGroup: 'tf-dl-group',
  dlTime: 'tf-dl-time',
} as const;

const cache = new WeakMap<Codec<unknown>, Map<string, Buffer>>();

/** The codec headers, built once per codec and shared by all its records (the client only reads them). */
export function codecHeaders(codec: Codec<unknown>): Map<string, Buffer> {
  let h = cache.get(codec);
  if (!h) {
    h = new Map([
      [HEADER.codec, Buffer.from(codec.name, 'utf8')],
      [HEADER.schema, Buffer.from(String(codec.version), 'utf8')],
    ]);
    cache.set(codec, h);
  }
  return h;
}
