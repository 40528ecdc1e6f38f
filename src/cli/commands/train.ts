import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TickflowError } from '../../core/index.js';
import {
  checkTestFraction,
  parseDailyCsv,
  SAME_BAR_LABEL,
  serializeSeedModel,
  trainSeedModel,
  type RegressionMetrics,
  type SeedModel,
} from '../../models/seed/index.js';
import { VERSION } from '../version.js';

export interface TrainOptions {
  /** A daily OHLCV CSV (the Kaggle coin_*.csv layout, or ccxt's); gzip is accepted. */
  readonly dataset: string;
  /** Where the model goes (the CLI's default: `<dataDir>/models/seed-linear.json`). */
  readonly out: string;
  readonly testFraction: number;
  /** Recorded as the model's creation time (default now). */
  readonly createdAt?: Date;
}

export interface TrainResult {
  readonly model: SeedModel;
  /** Absolute path of the written model file. */
  readonly out: string;
  readonly elapsedMs: number;
}

/** `tickflow train`: reads the dataset, fits the seed's model, writes the model file atomically. */
export async function train(opts: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  checkTestFraction(opts.testFraction);
  const path = resolve(opts.dataset);
  const bytes = await readDataset(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  let text: string;
  try {
    text = (gz ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (e) {
    throw new TickflowError('TRUNCATED', `${opts.dataset}: gzip data is damaged (${(e as Error).message})`);
  }
  const data = parseDailyCsv(text, opts.dataset);
  const model = trainSeedModel(data, {
    testFraction: opts.testFraction,
    datasetPath: path,
    datasetSha256: sha256,
    createdBy: `tickflow ${VERSION}`,
    ...(opts.createdAt === undefined ? {} : { createdAt: opts.createdAt }),
  });
  const out = resolve(opts.out);
  await writeAtomically(out, serializeSeedModel(model));
  return { model, out, elapsedMs: performance.now() - started };
}

/** `--test-fraction` as a number in (0, 1), or USAGE. */
export function parseTestFraction(raw: string): number {
  const f = raw.trim() === '' ? NaN : Number(raw);
  checkTestFraction(f);
  return f;
}

export function formatTrainSummary(r: TrainResult, loadedFrom: string): string {
  const m = r.model;
  const d = m.dataset;
  const c = m.coefficients;
  const metrics = (x: RegressionMetrics): string => `RMSE ${fmt(x.rmse)}  MAE ${fmt(x.mae)}  R² ${x.r2 === null ? 'n/a' : x.r2.toFixed(4)}`;
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  const served = resolve(loadedFrom) === r.out;
  return [
    `trained the seed's linear regression: close ~ open + high + low + volume of the same day (${SAME_BAR_LABEL})`,
    `  dataset    ${d.path}`,
    `             ${d.format}${d.symbol === undefined ? '' : ` ${d.symbol}`}, ${d.rows.toLocaleString('en-US')} days ${d.from} … ${d.to}, sha256 ${d.sha256.slice(0, 16)}…`,
    `  split      by time, no shuffling: train ${m.split.train.rows.toLocaleString('en-US')} days ${m.split.train.from} … ${m.split.train.to}, ` +
      `test ${m.split.test.rows.toLocaleString('en-US')} days ${m.split.test.from} … ${m.split.test.to} (newest ${pct(m.split.testFraction)})`,
    `  fit        close = ${fmt(m.intercept)} ${term(c.open, 'open')} ${term(c.high, 'high')} ${term(c.low, 'low')} ${term(c.volume, 'volume')}`,
    `  test       ${metrics(m.metrics.test)}`,
    `  baselines  close = open:            ${metrics(m.metrics.baselines.open)}`,
    `             close = (high + low)/2:  ${metrics(m.metrics.baselines.midrange)}`,
    `  train      ${metrics(m.metrics.train)}`,
    `  model      ${r.out} (${r.elapsedMs.toFixed(0)} ms)`,
    served
      ? '  serve      tickflow run / serve load it at start; a running server: curl -X POST http://127.0.0.1:8080/model/reload'
      : `  serve      the API loads ${resolve(loadedFrom)}; copy the model there (or train with --data-dir) to serve it`,
    '',
  ].join('\n');
}

async function readDataset(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = 'pass a Kaggle daily CSV, e.g. --dataset ../shared/data/kaggle-daily/coin_Bitcoin.csv';
    if (code === 'ENOENT') throw new TickflowError('IO', `dataset file not found: ${path}; ${hint}`, { cause: e });
    if (code === 'EISDIR') throw new TickflowError('IO', `${path} is a directory; ${hint}`, { cause: e });
    throw new TickflowError('IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Temp file beside the target, flushed, then renamed over it: a reader sees the old file or the new one, never half. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new TickflowError('IO', `cannot write the model to ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e9) ? x.toExponential(4) : x.toFixed(a < 1 ? 6 : 2);
}

function term(coef: number, name: string): string {
  return `${coef < 0 ? '−' : '+'} ${fmt(Math.abs(coef))}·${name}`;
}
