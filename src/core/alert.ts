import Type, { type Static } from 'typebox';

export const AlertKindSchema = Type.Union([Type.Literal('return_zscore'), Type.Literal('volume_spike'), Type.Literal('price_gap')]);
export const SeveritySchema = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);

/** An anomaly found at a bar close. `value` is the statistic, `threshold` what it crossed. */
export const AlertSchema = Type.Object(
  {
    type: Type.Literal('alert'),
    instrument: Type.String(),
    interval: Type.String(),
    start: Type.Number({ description: 'start of the bar that raised it' }),
    time: Type.Number({ description: 'event time the alert refers to (bar end)' }),
    kind: AlertKindSchema,
    severity: SeveritySchema,
    value: Type.Number(),
    threshold: Type.Number(),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export type Alert = Static<typeof AlertSchema>;
export type AlertKind = Static<typeof AlertKindSchema>;
export type Severity = Static<typeof SeveritySchema>;
