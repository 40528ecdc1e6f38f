import type { TSchema, Static } from 'typebox';
import Value from 'typebox/value';
import { TickflowError } from '../../core/index.js';

/**
 * Checkpointed state comes back from disk or another process, so it is validated before an
 * operator trusts it: a corrupt checkpoint must fail loudly at restore, not produce wrong
 * numbers later.
 */
export function checkState<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const first = mostUseful(Value.Errors(schema, value));
  const where = first === undefined ? '' : ` at '${first.instancePath || '/'}': ${first.message}`;
  throw new TickflowError('MALFORMED', `${what} state is not valid${where}`, { details: first });
}

/** Same for user configuration; the error names the offending option. */
export function checkConfig<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  if (Value.Check(schema, value)) return value;
  const errors = Value.Errors(schema, value);
  const first = mostUseful(errors);
  const where = first === undefined ? '' : ` at '${first.instancePath || '/'}': ${first.message}`;
  throw new TickflowError('CONFIG_INVALID', `${what} config is not valid${where}`, { details: errors });
}

// typebox reports a rejected extra property twice; the 'boolean' one ("schema is false") says less.
function mostUseful<E extends { keyword: string }>(errors: readonly E[]): E | undefined {
  return errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
}
