import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NO_SHARED_DATA, ROOT, sharedData, tempDir, waitFor } from '../helpers.js';
import { startTickflow, type TickflowServer } from '../web/tickflow-process.js';
import { isToolCrash, parseJunit, type Finding } from './junit.js';

/**
 * Property-based fuzzing of the HTTP API from its own OpenAPI document (issue 8, "Hardening"):
 * Schemathesis generates requests from /docs/json, valid and invalid, and checks every answer:
 * no 5xx, the body matches the schema documented for its status, the status and Content-Type
 * are documented, invalid input is refused with a 4xx, an undeclared method gets 405 + Allow.
 * What is switched off or widened, and why, is in schemathesis.toml beside this file.
 *
 * Two servers over one real data dir: a day of Binance LTCUSDT 1m klines replayed
 * (samples/LTCUSDT-1m-2026-02-01.csv, from ../shared/data/binance-klines-1m) plus the seed
 * model trained on Kaggle's daily ETH file, so /predict answers 200.
 * 1. `tickflow serve`: every route over the store.
 * 2. `tickflow run` on a simulated market over the same dir: the routes whose answers differ when
 *    a live pipeline runs in the process (live bars, stats, promote, the catalog).
 *
 * A finding fails the test with the operation, the check and the curl that reproduces it; fix
 * the cause and add a regression test under test/api (test/api/fuzz-regressions.test.ts lists
 * the earlier ones). Skipped when Schemathesis is not installed, unless REQUIRE_SCHEMATHESIS=1
 * (CI). SCHEMATHESIS_BIN (default /opt/schemathesis/bin/st), SCHEMATHESIS_SEED and
 * SCHEMATHESIS_MAX_EXAMPLES change the binary, the seed and the examples per operation
 * (docs/SECURITY.md, "Fuzzing the API").
 */

const BIN = process.env['SCHEMATHESIS_BIN'] ?? '/opt/schemathesis/bin/st';
const REQUIRED = process.env['REQUIRE_SCHEMATHESIS'] === '1';
const SEED = process.env['SCHEMATHESIS_SEED'] ?? '20261202';
const MAX_EXAMPLES = process.env['SCHEMATHESIS_MAX_EXAMPLES'] ?? '15';
const CONFIG = join(ROOT, 'test', 'fuzz', 'schemathesis.toml');
const CLI = join(ROOT, 'bin', 'tickflow.js');
const KLINES = join(ROOT, 'samples', 'LTCUSDT-1m-2026-02-01.csv');
const DAILY = sharedData('kaggle-daily/coin_Ethereum.csv');

const SKIP =
  existsSync(BIN) || REQUIRED
    ? NO_SHARED_DATA
    : `no Schemathesis at ${BIN} (python3 -m venv /opt/schemathesis && /opt/schemathesis/bin/pip install schemathesis==4.32.5); ` +
      'REQUIRE_SCHEMATHESIS=1 makes this a failure';

/** The routes whose answers depend on a live pipeline in the process (fuzzed again against `run`). */
const LIVE_ROUTES = [
  '/health',
  '/api/instruments',
  '/api/bars/latest',
  '/api/stats',
  '/api/symbols',
  '/api/ohlc/latest',
  '/api/models',
  '/api/models/{id}/promote',
];

function cli(args: readonly string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `tickflow ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
}

interface FuzzRun {
  readonly code: number | null;
  readonly output: string;
  readonly operations: number;
  readonly findings: readonly Finding[];
}

/** Runs Schemathesis against a server; once more when every finding is a crash of the tool itself. */
async function fuzz(url: string, workDir: string, name: string, extra: readonly string[]): Promise<FuzzRun> {
  const run = await fuzzOnce(url, workDir, name, extra);
  if (run.findings.length === 0 || !run.findings.every(isToolCrash)) return run;
  return fuzzOnce(url, workDir, `${name}-again`, extra);
}

/** Runs Schemathesis against a server and reads its JUnit report. */
async function fuzzOnce(url: string, workDir: string, name: string, extra: readonly string[]): Promise<FuzzRun> {
  const junit = join(workDir, `${name}.junit.xml`);
  const args = [
    '--config-file',
    CONFIG,
    'run',
    `${url}/docs/json`,
    '--seed',
    SEED,
    '--max-examples',
    MAX_EXAMPLES,
    '--workers',
    '2',
    // Every distinct failure of an operation, not only its first: a passing run costs the same.
    '--continue-on-failure',
    // Two cores shared with other jobs: a slow answer is not a finding here.
    '--request-timeout',
    '30',
    '--no-color',
    '--report',
    'junit',
    '--report-junit-path',
    junit,
    ...extra,
  ];
  let output = '';
  // The working directory is a temp dir, so nothing Schemathesis writes lands in the repo.
  const child: ChildProcess = spawn(BIN, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  running.add(child);
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  running.delete(child);
  assert.ok(existsSync(junit), `Schemathesis wrote no report (exit ${code}):\n${tail(output)}`);
  const report = parseJunit(readFileSync(junit, 'utf8'));
  return { code, output, operations: report.tests, findings: report.findings };
}

/** Processes still running when a test fails or times out; `after` stops them. */
const running = new Set<ChildProcess>();

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Generated values can be kilobytes long; the start of a line says enough to find the case. */
function clip(s: string, max = 400): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

function describeFindings(run: FuzzRun): string {
  const items = run.findings.map(
    (f, i) => `${i + 1}. ${f.operation} — ${f.check}\n   ${clip(f.summary)}${f.curl === undefined ? '' : `\n   ${clip(f.curl)}`}`,
  );
  return `${run.findings.length} Schemathesis finding(s) (seed ${SEED}; fix each and add a regression test under test/api):\n\n${items.join('\n\n')}`;
}

function assertClean(run: FuzzRun, minOperations: number): void {
  assert.deepEqual(run.findings, [], describeFindings(run));
  // A run that tested (almost) nothing would pass too: a wrong URL or filter must not look green.
  assert.ok(
    run.operations >= minOperations,
    `Schemathesis tested ${run.operations} operations, expected >= ${minOperations}:\n${tail(run.output)}`,
  );
  assert.equal(run.code, 0, `Schemathesis exited ${run.code} without a finding in its report:\n${tail(run.output)}`);
}

async function stop(server: TickflowServer | undefined): Promise<void> {
  if (server === undefined || server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await server.exited;
}

describe('Schemathesis fuzzing of the API from its OpenAPI document', { skip: SKIP, timeout: 600_000 }, () => {
  const data = tempDir('tickflow-fuzz-');
  const dataDir = join(data.dir, 'data');
  const workDir = join(data.dir, 'schemathesis');
  let server: TickflowServer | undefined;

  before(() => {
    assert.ok(existsSync(BIN), `REQUIRE_SCHEMATHESIS=1 but there is no Schemathesis at ${BIN}`);
    assert.ok(DAILY !== undefined, 'kaggle-daily/coin_Ethereum.csv is missing from the shared data');
    mkdirSync(workDir, { recursive: true });
    cli(['replay', KLINES, '--data-dir', dataDir, '--intervals', '1m,5m,1h', '--log-level', 'warn']);
    cli(['train', '--dataset', DAILY, '--data-dir', dataDir]);
  });

  after(async () => {
    for (const child of running) child.kill('SIGKILL');
    await stop(server);
    data.cleanup();
  });

  test('tickflow serve: every operation', async () => {
    server = await startTickflow(['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn']);
    try {
      const run = await fuzz(server.url, workDir, 'serve', [
        // Without the processor, promote's one answer past validation is the documented
        // 503 UNAVAILABLE ("promote on the process that runs the models"); the run below fuzzes it.
        '--exclude-path',
        '/api/models/{id}/promote',
      ]);
      assertClean(run, 25);
    } finally {
      await stop(server);
    }
  });

  test('tickflow run: the operations a live pipeline changes', async () => {
    server = await startTickflow([
      'run',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      '--instruments',
      '3',
      '--rate',
      '200',
      '--intervals',
      '1s,1m,5m',
      // Forecasting series exist from the first 1s bar on, so promote has models to promote.
      '--forecast-intervals',
      '1s',
    ]);
    const url = server.url;
    try {
      await waitFor(
        async () => {
          const r = await fetch(`${url}/api/instruments`);
          const body = (await r.json()) as { instruments: { instrument: string; live: boolean }[] };
          return body.instruments.some((i) => i.instrument === 'sim:BTCUSD' && i.live);
        },
        60_000,
        'the simulated market to reach the API',
      );
      const include = LIVE_ROUTES.flatMap((p) => ['--include-path', p]);
      // The coverage phase (boundary values, wrong types, undeclared methods: two thirds of the
      // time) depends on the schemas only, and the serve run above did it for these routes.
      const run = await fuzz(url, workDir, 'run', [...include, '--phases', 'examples,fuzzing,stateful']);
      assertClean(run, LIVE_ROUTES.length);
    } finally {
      await stop(server);
    }
  });
});
