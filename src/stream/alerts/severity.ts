import type { Severity } from '../../core/index.js';

export interface Thresholds {
  readonly warning: number;
  readonly critical: number;
}

export interface Classified {
  readonly severity: Exclude<Severity, 'info'>;
  /** The threshold the value reached. */
  readonly threshold: number;
}

/** The highest level `value` reaches (at or above its threshold), or null below warning. */
export function classify(value: number, t: Thresholds): Classified | null {
  if (value >= t.critical) return { severity: 'critical', threshold: t.critical };
  if (value >= t.warning) return { severity: 'warning', threshold: t.warning };
  return null;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export function severityRank(s: Severity): number {
  return RANK[s];
}
