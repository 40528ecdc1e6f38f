/**
 * A record a consumer could not decode, as read back from the dead-letter topic. The original
 * bytes are kept untouched so the record can be inspected or replayed once the reason is fixed.
 */
export const DEAD_LETTER_REASONS = ['UNKNOWN_CODEC', 'SCHEMA_VERSION', 'DECODE_FAILED', 'NO_VALUE'] as const;

export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DeadLetter {
  /** Logical topic (without prefix) the record was read from. */
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly reason: DeadLetterReason;
  /** The decoder's message. */
  readonly error: string;
  /** Consumer group that gave up on it. */
  readonly group: string;
  /** When it was dead-lettered, epoch ms. */
  readonly time: number;
  readonly key: string;
  /** The original value, byte for byte (empty when it had none). */
  readonly bytes: Buffer;
  /** The original record's headers. */
  readonly headers: Readonly<Record<string, string>>;
}
