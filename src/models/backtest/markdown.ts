import { fileSafe, fmtFixed, fmtInt, fmtLevel, fmtNum, fmtP, fmtPct, fmtShare, fmtTime } from './format.js';
import type { BacktestReport, ModelResult, SeriesResult } from './report.js';
import { BASE_RATE, RANDOM_WALK } from './report.js';

/** The chart file of a series, relative to the report. */
export function chartFileName(instrument: string): string {
  return `${fileSafe(instrument)}.svg`;
}

/** The line of the report that differs between runs of the same command. */
export function generatedLine(report: BacktestReport): string {
  return `Generated ${report.generatedAt} by tickflow ${report.version}.`;
}

function modelRow(m: ModelResult, steps: number): string {
  const dm = m.dm;
  const cells = [
    m.model === RANDOM_WALK ? `${m.model} (random walk)` : m.model + (m.quarantined ? ' (quarantined)' : ''),
    fmtInt(m.steps),
    fmtNum(m.rmse),
    fmtNum(m.mae),
    fmtShare(m.directionalAccuracy),
    fmtFixed(m.logLoss),
    fmtFixed(m.brier),
    fmtFixed(m.auc),
    m.model === RANDOM_WALK ? '—' : fmtPct(m.rmseVsRandomWalkPct),
    dm === null ? '—' : dm.statistic === null ? 'n/a' : dm.statistic.toFixed(2),
    dm === null ? '—' : `${fmtP(dm.pValue)}${m.beatsRandomWalk ? ' **✓**' : ''}`,
    steps > 0 ? fmtShare(m.championSteps / steps) : 'n/a',
  ];
  return `| ${cells.join(' | ')} |`;
}

function seriesSection(s: SeriesResult, alpha: number): string[] {
  const out: string[] = [`## ${s.instrument} (${s.interval})`, ''];
  out.push(
    `${fmtInt(s.bars)} bars from ${fmtTime(s.firstBar)} to ${fmtTime(s.lastBar)} UTC; ${fmtInt(s.steps)} steps scored` +
      (s.steps > 0 ? ` (${fmtTime(s.firstStep)} to ${fmtTime(s.lastStep)}).` : '.') +
      (s.steps > 0
        ? ` Realized log return per bar: mean ${fmtNum(s.returns.mean)}, sd ${fmtNum(s.returns.sd)}, flat (0) ${fmtShare(s.returns.flatShare)}.`
        : ''),
    '',
    `**Verdict: ${s.verdict}.**`,
    '',
  );
  if (s.steps === 0) return out;
  out.push(
    '| model | steps | RMSE | MAE | dir. acc. | log loss | Brier | AUC | RMSE vs RW | DM | p (one-sided) | champion |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...s.models.map((m) => modelRow(m, s.steps)),
    '',
  );
  const probs = s.models.filter((m) => m.dmLogLossVsBaseRate !== null);
  if (probs.length > 0) {
    const better = probs.filter((m) => m.dmLogLossVsBaseRate?.pValue !== null && (m.dmLogLossVsBaseRate?.pValue ?? 1) < alpha);
    out.push(
      `P(up) against ${BASE_RATE}'s base rate (the share of up bars so far), on log loss: ${
        better.length === 0 ? 'no model beats it' : `${better.map((m) => m.model).join(', ')} ${better.length === 1 ? 'beats' : 'beat'} it`
      } at the ${fmtLevel(alpha)} level (one-sided DM).`,
      '',
      "| model | log loss | minus the base rate's | DM | p (one-sided) |",
      '| --- | ---: | ---: | ---: | ---: |',
      ...probs.map((m) => {
        const d = m.dmLogLossVsBaseRate;
        return `| ${m.model} | ${fmtFixed(m.logLoss)} | ${fmtNum(d?.meanDiff ?? null)} | ${d?.statistic === null || d === null ? 'n/a' : d.statistic.toFixed(2)} | ${fmtP(d?.pValue ?? null)} |`;
      }),
      '',
    );
  }
  const quarantined = s.models.filter((m) => m.quarantined);
  for (const m of quarantined) out.push(`- ${m.model} was quarantined: ${m.quarantineReason ?? 'no reason recorded'}.`);
  if (quarantined.length > 0) out.push('');
  if (s.championChanges.length === 0) {
    out.push(`Champion at the end: **${s.champion}**; it never changed.`, '');
  } else {
    out.push(`Champion at the end: **${s.champion}**. Changes:`, '');
    for (const c of s.championChanges) {
      const why =
        c.reason === 'dm-test'
          ? `won the DM test over the last ${fmtInt(c.n)} steps: statistic ${c.statistic === null ? 'n/a' : c.statistic.toFixed(2)} (positive: its error is below the champion's), p ${fmtP(c.pValue)}`
          : c.reason;
      out.push(`- ${fmtTime(c.time)}, step ${fmtInt(c.step)}: ${c.from} → ${c.to} (${why})`);
    }
    out.push('');
  }
  out.push(`![${s.instrument}: cumulative squared error minus the random walk's](${chartFileName(s.instrument)})`, '');
  return out;
}

/** `backtest.md`: the method in brief, the inputs, and per series a table of every model against the random walk. */
export function renderMarkdown(report: BacktestReport): string {
  const e = report.evaluation;
  const out: string[] = [
    `# Backtest: next-bar forecasts on ${report.interval} bars`,
    '',
    generatedLine(report),
    '',
    'Walk-forward, test-then-train, exactly as the pipeline runs it: at each bar close every model is scored',
    "on the bar that just closed (its forecast was made one bar earlier), learns from it, and forecasts the next bar's",
    'log return and the probability P(up) that it is above 0. RMSE, MAE, directional accuracy (flat bars left out; a',
    'zero forecast scores 1/2), log loss, Brier score and AUC of P(up) are cumulative over the run. "RMSE vs RW" is',
    'the RMSE relative to the random walk (a zero return forecast). DM is a Diebold-Mariano test of squared error',
    'against the random walk over every scored step (h = 1, no autocorrelation lags); negative means lower error,',
    `the p-value is one-sided (H1: lower expected squared error than the random walk) and ✓ marks p < ${report.alpha}.`,
    `P(up) is tested the same way on log loss against ${BASE_RATE}'s base rate (the share of up bars so far).`,
    '"champion" is the share of steps whose served forecast was that model\'s, chosen online by the pipeline\'s rule' +
      (e === null
        ? '.'
        : `: a one-sided DM test on the last ${fmtInt(e.champion.lookback)} steps every ${e.champion.checkEvery} steps, at ${e.champion.alpha}${e.champion.bonferroni ? ' split over the challengers (Bonferroni)' : ''}, from ${fmtInt(e.champion.minObs)} paired steps${e.champion.requireCumulative ? ', for a challenger whose mean loss since the start is lower too' : ''}.`),
    '',
    `Models: ${report.models.join(', ')}.`,
    '',
    '| input | format | instruments | trades | rejected |',
    '| --- | --- | --- | ---: | ---: |',
    ...report.inputs.map(
      (i) =>
        `| ${i.file} | ${i.format} | ${i.instruments.join(', ')} | ${fmtInt(i.trades)} | ${fmtInt(i.rejected)}${
          i.rejected > 0
            ? ` (${Object.entries(i.rejectsByReason)
                .map(([k, v]) => `${k} ${fmtInt(v)}`)
                .join(', ')})`
            : ''
        } |`,
    ),
    '',
    ...report.inputs
      .filter((i) => i.synthesisWarnings > 0)
      .map(
        (i) =>
          `${i.file}: ${fmtInt(i.synthesisWarnings)} bars had too few trades to reproduce open, high, low and close exactly (see the OHLC synthesizer); those bars differ from the file.\n`,
      ),
    '| series | steps | verdict |',
    '| --- | ---: | --- |',
    ...report.series.map((s) => `| ${s.instrument} ${s.interval} | ${fmtInt(s.steps)} | ${s.verdict} |`),
    '',
  ];
  for (const s of report.series) out.push(...seriesSection(s, report.alpha));
  return out.join('\n');
}
