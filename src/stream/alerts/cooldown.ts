import Type, { type Static } from 'typebox';
import { SeveritySchema, type Severity } from '../../core/index.js';
import { checkState } from '../indicators/index.js';
import { severityRank } from './severity.js';

export const CooldownStateSchema = Type.Object(
  {
    kind: Type.Literal('cooldown'),
    last: Type.Union([Type.Object({ at: Type.Number(), severity: SeveritySchema }, { additionalProperties: false }), Type.Null()]),
  },
  { additionalProperties: false },
);
export type CooldownState = Static<typeof CooldownStateSchema>;

/**
 * Keeps one kind of alert from flooding during a burst: after an alert at position `at`, the
 * same kind stays quiet while the position is below at + span, unless it escalates (a critical
 * right after a warning still gets through, and restarts the quiet period). Positions are bar
 * start times for time bars (span = bars x interval, so missing bars do not stretch it) and bar
 * counts for tick/volume/dollar bars.
 */
export class Cooldown {
  readonly span: number;
  private last: { at: number; severity: Severity } | null = null;

  constructor(span: number) {
    this.span = span;
  }

  /** Whether an alert of `severity` at `at` may fire; if so it is recorded. */
  admit(at: number, severity: Severity): boolean {
    const last = this.last;
    if (last !== null && at < last.at + this.span && severityRank(severity) <= severityRank(last.severity)) return false;
    this.last = { at, severity };
    return true;
  }

  toJSON(): CooldownState {
    return { kind: 'cooldown', last: this.last === null ? null : { ...this.last } };
  }

  /** The span is configuration, not state, so it comes from the caller's config. */
  static fromJSON(state: unknown, span: number): Cooldown {
    const s = checkState(CooldownStateSchema, state, 'cooldown');
    const c = new Cooldown(span);
    c.last = s.last === null ? null : { ...s.last };
    return c;
  }
}
