// models/backtest: a walk-forward run's report. Rebuilds every scored step from the processor's
// bars and prediction records, tests each model against the random walk over the whole run, and
// renders Markdown, JSON, a terminal table and an SVG chart. Pure: the CLI writes the files.
export { StepRecorder, type ScoredSteps } from './step-recorder.js';
export {
  RANDOM_WALK,
  BASE_RATE,
  logLosses,
  seriesResult,
  squaredErrors,
  type BacktestInput,
  type BacktestReport,
  type ChampionChangeResult,
  type BaselineTest,
  type EvaluationSettings,
  type ModelResult,
  type SeriesFinal,
  type SeriesResult,
} from './report.js';
export { renderMarkdown, chartFileName, generatedLine } from './markdown.js';
export { renderChart, cumulativeDifference, niceTicks, type ChartOptions } from './svg-chart.js';
export { renderSummaryTable } from './summary-table.js';
export { renderStepsCsv } from './steps-csv.js';
export { fileSafe, fmtP, fmtPct } from './format.js';
