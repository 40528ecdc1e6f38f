import { createHash } from 'node:crypto';

/**
 * A checkpoint belongs to one pipeline definition: the same inputs and the same settings
 * that shape the outputs. Changing either starts afresh instead of mixing two definitions.
 */
export function checkpointId(kind: string, parts: unknown): string {
  return `${kind}:${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16)}`;
}
