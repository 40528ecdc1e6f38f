import { TickflowError } from './errors.js';

/**
 * A bar specification. Time bars are aligned to UTC epoch boundaries ([start, start + ms)).
 * Information-driven bars close when a threshold is reached: `tick:N` after N trades,
 * `vol:X` when traded base volume reaches X, `dollar:X` when traded notional reaches X.
 * The name is the canonical string form used in the API, the store and the CLI.
 */
export type BarSpec =
  | { readonly kind: 'time'; readonly name: string; readonly ms: number }
  | { readonly kind: 'tick'; readonly name: string; readonly threshold: number }
  | { readonly kind: 'volume'; readonly name: string; readonly threshold: number }
  | { readonly kind: 'dollar'; readonly name: string; readonly threshold: number };

export type TimeBarSpec = Extract<BarSpec, { kind: 'time' }>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DEFAULT_INTERVALS = ['1s', '1m', '5m', '15m', '1h', '1d'] as const;

function canonicalTimeName(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export function parseBarSpec(input: string): BarSpec {
  const s = input.trim();
  const time = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (time) {
    const ms = Number(time[1]) * (UNIT_MS[time[2] ?? ''] ?? NaN);
    if (!Number.isSafeInteger(ms) || ms < 1 || (86_400_000 % ms !== 0 && ms % 86_400_000 !== 0)) {
      throw new TickflowError(
        'UNKNOWN_INTERVAL',
        `interval '${input}' must divide a day or be whole days, so bars align to UTC day boundaries (e.g. 1s, 5m, 1h, 1d)`,
      );
    }
    return { kind: 'time', name: canonicalTimeName(ms), ms };
  }
  const info = /^(tick|vol|dollar):(\d+(\.\d+)?(e\d+)?)$/i.exec(s);
  if (info) {
    const threshold = Number(info[2]);
    const kind = (info[1] ?? '').toLowerCase();
    if (!(threshold > 0) || (kind === 'tick' && !Number.isInteger(threshold))) {
      throw new TickflowError(
        'UNKNOWN_INTERVAL',
        `bar spec '${input}': threshold must be a positive ${kind === 'tick' ? 'integer' : 'number'}`,
      );
    }
    const k = kind === 'tick' ? 'tick' : kind === 'vol' ? 'volume' : 'dollar';
    return { kind: k, name: `${kind}:${threshold}`, threshold };
  }
  throw new TickflowError(
    'UNKNOWN_INTERVAL',
    `unknown interval '${input}': use a time interval (250ms, 1s, 1m, 5m, 15m, 1h, 1d) or tick:N, vol:X, dollar:X`,
  );
}

export function parseBarSpecs(list: string | readonly string[]): BarSpec[] {
  const items = typeof list === 'string' ? list.split(',').filter((x) => x.trim() !== '') : list;
  const specs = items.map(parseBarSpec);
  const seen = new Set<string>();
  return specs.filter((b) => (seen.has(b.name) ? false : (seen.add(b.name), true)));
}

/** Start of the time bar containing `t`. Works for negative times too. */
export function alignDown(t: number, ms: number): number {
  return t - (((t % ms) + ms) % ms);
}
