import Type, { type Static } from 'typebox';
import { checkState } from './state-check.js';

export const LogReturnStateSchema = Type.Object(
  { kind: Type.Literal('logReturn'), prev: Type.Union([Type.Number(), Type.Null()]) },
  { additionalProperties: false },
);
export type LogReturnState = Static<typeof LogReturnStateSchema>;

/** ln(close_t / close_t-1); null for the first close. */
export class LogReturn {
  /** NaN before the first close (a double-only field is updated in place, a number|null one boxes). */
  private prev = NaN;

  update(close: number): number | null {
    const prev = this.prev;
    this.prev = close;
    return Number.isNaN(prev) ? null : Math.log(close / prev);
  }

  toJSON(): LogReturnState {
    return { kind: 'logReturn', prev: Number.isNaN(this.prev) ? null : this.prev };
  }

  static fromJSON(state: unknown): LogReturn {
    const s = checkState(LogReturnStateSchema, state, 'log return');
    const r = new LogReturn();
    r.prev = s.prev ?? NaN;
    return r;
  }
}
