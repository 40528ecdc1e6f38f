import { fmtInt, fmtNum, fmtP, fmtPct, fmtShare } from './format.js';
import { RANDOM_WALK, type BacktestReport } from './report.js';

/** The compact table the command prints: per series, each model's RMSE, its DM test against the random walk, and the verdict. */
export function renderSummaryTable(report: BacktestReport): string {
  const out: string[] = [];
  const head = ['model', 'steps', 'RMSE', 'vs RW', 'DM', 'p', 'dir.acc', 'log loss'];
  for (const s of report.series) {
    out.push(`${s.instrument} ${s.interval}: ${fmtInt(s.bars)} bars, ${fmtInt(s.steps)} steps scored, champion at the end ${s.champion}`);
    if (s.steps > 0) {
      const rows = s.models.map((m) => [
        m.model,
        fmtInt(m.steps),
        fmtNum(m.rmse),
        m.model === RANDOM_WALK ? '-' : fmtPct(m.rmseVsRandomWalkPct),
        m.dm === null ? '-' : m.dm.statistic === null ? 'n/a' : m.dm.statistic.toFixed(2),
        m.dm === null ? '-' : `${fmtP(m.dm.pValue)}${m.beatsRandomWalk ? ' *' : ''}`,
        fmtShare(m.directionalAccuracy),
        m.logLoss === null ? 'n/a' : m.logLoss.toFixed(4),
      ]);
      const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
      const line = (cells: readonly string[]): string =>
        `  ${cells.map((v, c) => (c === 0 ? v.padEnd(widths[c] ?? 0) : v.padStart(widths[c] ?? 0))).join('  ')}`;
      out.push(line(head), ...rows.map(line));
    }
    out.push(`  verdict: ${s.verdict}`, '');
  }
  return out.join('\n');
}
