import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { TickflowError } from '../../core/index.js';
import { checkConfig } from '../indicators/index.js';

const warning = (def: number, unit: string) =>
  Type.Number({ exclusiveMinimum: 0, default: def, description: `warning at or above, ${unit}` });
const critical = (def: number, unit: string) =>
  Type.Number({ exclusiveMinimum: 0, default: def, description: `critical at or above, ${unit}` });
// `default: {}` lets a caller omit a whole group and still get its inner defaults.
const group = { additionalProperties: false, default: {} } as const;

/** Anomaly detector settings per (instrument, interval) stream; defaults in README.md. */
export const AlertConfigSchema = Type.Object(
  {
    window: Type.Integer({
      minimum: 2,
      maximum: 10_000,
      default: 50,
      description: 'past bars in the rolling baselines (current bar excluded)',
    }),
    minHistory: Type.Integer({ minimum: 2, maximum: 10_000, default: 20, description: 'past values a detector needs before it may fire' }),
    cooldownBars: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 5,
      description: 'bars after an alert during which the same kind stays quiet',
    }),
    returnZScore: Type.Object({ warning: warning(4, 'sigma'), critical: critical(6, 'sigma') }, group),
    volumeSpike: Type.Object(
      {
        warning: warning(5, 'x baseline'),
        critical: critical(10, 'x baseline'),
        baseline: Type.Union([Type.Literal('median'), Type.Literal('mean')], {
          default: 'median',
          description: 'median shrugs off earlier spikes',
        }),
      },
      group,
    ),
    priceGap: Type.Object(
      { warning: warning(0.005, 'fraction of the previous close'), critical: critical(0.02, 'fraction of the previous close') },
      group,
    ),
  },
  { additionalProperties: false },
);

export type AlertConfig = Static<typeof AlertConfigSchema>;

/** What callers may pass: any subset, nested groups too. */
export type AlertConfigInput = {
  readonly [K in keyof AlertConfig]?: AlertConfig[K] extends object ? Partial<AlertConfig[K]> : AlertConfig[K];
};

/** Fills defaults and validates; throws CONFIG_INVALID naming the bad option. */
export function resolveAlertConfig(input: unknown = {}): AlertConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new TickflowError('CONFIG_INVALID', 'alert config must be an object');
  // Default() writes into nested objects, so give it copies rather than the caller's.
  const copy: unknown = structuredClone(input);
  const config = checkConfig(AlertConfigSchema, Value.Default(AlertConfigSchema, copy), 'alert');
  const problems: string[] = [];
  if (config.minHistory > config.window) problems.push(`minHistory (${config.minHistory}) cannot exceed window (${config.window})`);
  for (const [name, t] of [
    ['returnZScore', config.returnZScore],
    ['volumeSpike', config.volumeSpike],
    ['priceGap', config.priceGap],
  ] as const) {
    if (t.warning > t.critical) problems.push(`${name}.warning (${t.warning}) must not exceed ${name}.critical (${t.critical})`);
  }
  if (problems.length > 0) throw new TickflowError('CONFIG_INVALID', `alert config: ${problems.join('; ')}`, { details: problems });
  return config;
}

export const DEFAULT_ALERT_CONFIG: AlertConfig = Object.freeze(resolveAlertConfig({}));
