import { TickflowError } from '../core/errors.js';

// The model catalogue by name only, without the models' code: the CLI's settings table reads it at
// start-up (`--models`), where loading the models (and the forest's library) would cost ~0.6 s of
// every `tickflow --help`. forecast-series.ts maps each name to its factory.

/** Every model a series can run, by the name `--models` takes, in the order a series holds them. */
export const MODEL_NAMES = ['zero', 'drift', 'sign-persistence', 'rls', 'logistic', 'forest'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The baselines are always on: every other model is judged against them. */
export const BASELINE_MODELS = ['zero', 'drift', 'sign-persistence'] as const;
export const DEFAULT_MODELS = ['zero', 'drift', 'sign-persistence', 'rls', 'logistic'] as const;

/** The model list to run: the baselines plus `names`, in a fixed order; CONFIG_INVALID for an unknown name. */
export function resolveModels(names: readonly string[]): string[] {
  const known: readonly string[] = MODEL_NAMES;
  for (const n of names) {
    if (!known.includes(n)) throw new TickflowError('CONFIG_INVALID', `unknown model '${n}' (known: ${known.join(', ')})`);
  }
  return known.filter((k) => (BASELINE_MODELS as readonly string[]).includes(k) || names.includes(k));
}
