import type { Severity } from '../../core/index.js';

/** Signed percentage with two decimals: +3.20%, -0.55%. */
export function percent(fraction: number): string {
  const p = fraction * 100;
  return `${p >= 0 ? '+' : '-'}${Math.abs(p).toFixed(2)}%`;
}

/** Six significant digits without exponent noise for ordinary magnitudes: 43210.5, 0.000123457. */
export function amount(x: number): string {
  return String(Number(x.toPrecision(6)));
}

export function returnZScoreMessage(
  instrument: string,
  interval: string,
  logReturn: number,
  z: number,
  history: number,
  severity: Severity,
): string {
  return `${instrument} ${interval} return ${percent(Math.expm1(logReturn))} is ${z.toFixed(1)}σ from the mean of the last ${history} returns (${severity})`;
}

export function volumeSpikeMessage(
  instrument: string,
  interval: string,
  volume: number,
  ratio: number,
  baseline: number,
  kind: 'median' | 'mean',
  history: number,
  severity: Severity,
): string {
  return `${instrument} ${interval} volume ${amount(volume)} is ${ratio.toFixed(1)}× the ${kind} ${amount(baseline)} of the last ${history} bars (${severity})`;
}

export function priceGapMessage(
  instrument: string,
  interval: string,
  open: number,
  prevClose: number,
  signedGap: number,
  severity: Severity,
): string {
  return `${instrument} ${interval} opened at ${amount(open)}, ${percent(signedGap)} from the previous close ${amount(prevClose)} (${severity})`;
}
