import type { ScoredSteps } from './step-recorder.js';

/**
 * Every scored step as CSV, so the report can be checked by anyone: `time` (epoch ms, start of the
 * bar forecast), `return` (its realized log return), then per model its forecast return and P(up)
 * (empty where it had none), and the champion when the forecast was made. Numbers round-trip exactly.
 */
export function renderStepsCsv(steps: ScoredSteps): string {
  const cell = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '' : String(x));
  const head = ['time', 'return', ...steps.models.flatMap((m) => [`${m}.return`, `${m}.p_up`]), 'champion'];
  const lines = [head.join(',')];
  for (let i = 0; i < steps.y.length; i++) {
    const row = [cell(steps.time[i]), cell(steps.y[i])];
    for (let m = 0; m < steps.models.length; m++) row.push(cell(steps.ret[m]?.[i]), cell(steps.pUp[m]?.[i]));
    row.push(steps.models[steps.champion[i] ?? -1] ?? '');
    lines.push(row.join(','));
  }
  lines.push('');
  return lines.join('\n');
}
