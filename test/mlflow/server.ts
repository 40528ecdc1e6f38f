/**
 * Finds and runs a real MLflow tracking server for the MLflow suite.
 *
 * `mlflow` is looked for, in order:
 * 1. `MLFLOW_BIN`: the `mlflow` executable, or a virtualenv folder holding `bin/mlflow`
 *    (CI installs one at /opt/mlflow and sets MLFLOW_BIN=/opt/mlflow/bin/mlflow);
 * 2. `mlflow` on PATH;
 * 3. `python3 -m mlflow`, when python3 can import mlflow.
 * When none is there the suite is skipped with the reason; `REQUIRE_MLFLOW=1` makes that a failure.
 *
 * Each test file starts its own server (fresh SQLite store and artifact folder in a temp dir,
 * a free port on 127.0.0.1) and stops it at the end. Startup takes 20–60 s on two cores, so a
 * file starts one and shares it between its tests.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { tempDir } from '../helpers.js';

export interface MlflowCommand {
  readonly cmd: string;
  /** Arguments before `server …` (`['-m', 'mlflow']` for python3). */
  readonly args: readonly string[];
  /** How it was found, for messages. */
  readonly how: string;
}

export interface MlflowServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The server's version, as its /version answers. */
  readonly version: string;
  /** Last lines the server printed (for failure messages). */
  logTail(): string;
  stop(): Promise<void>;
}

const REQUIRED = process.env['REQUIRE_MLFLOW'] === '1';

/** The command that runs mlflow, or the reason to skip. Throws instead of skipping under REQUIRE_MLFLOW=1. */
export function findMlflow(): MlflowCommand | string {
  const r = locate();
  if (typeof r === 'string' && REQUIRED) throw new Error(`REQUIRE_MLFLOW=1 but ${r}`);
  if (typeof r === 'string') process.stderr.write(`# MLflow suite skipped: ${r}\n`);
  return r;
}

function locate(): MlflowCommand | string {
  const given = process.env['MLFLOW_BIN'];
  if (given) {
    const bin = existsSync(given) && statSync(given).isDirectory() ? join(given, 'bin', 'mlflow') : given;
    // A path that was given and is wrong is a mistake to report, not a reason to skip.
    if (!isExecutable(bin)) throw new Error(`MLFLOW_BIN=${given}: ${bin} is not an executable`);
    return { cmd: bin, args: [], how: `MLFLOW_BIN (${bin})` };
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const bin = join(dir, 'mlflow');
    if (dir !== '' && isExecutable(bin)) return { cmd: bin, args: [], how: `PATH (${bin})` };
  }
  const py = spawnSync('python3', ['-c', 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("mlflow") else 1)'], {
    stdio: 'ignore',
    timeout: 30_000,
  });
  if (py.status === 0) return { cmd: 'python3', args: ['-m', 'mlflow'], how: 'python3 -m mlflow' };
  return 'no mlflow (set MLFLOW_BIN to an mlflow executable or virtualenv, put mlflow on PATH, or `pip install mlflow`)';
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A port nothing listens on right now (nothing holds it either: a refused connection is what a test of a down server wants). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `mlflow server` and resolves once /health answers. The job runner MLflow 3 starts
 * beside the server (a handful of Python processes for GenAI jobs) is switched off: the REST
 * API does not need it, and it doubles the startup time on two cores.
 */
export async function startMlflowServer(
  found: MlflowCommand,
  timeoutMs = Number(process.env['MLFLOW_START_TIMEOUT_MS'] ?? 180_000),
): Promise<MlflowServer> {
  const tmp = tempDir('tickflow-mlflow-');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    ...found.args,
    'server',
    '--backend-store-uri',
    `sqlite:///${join(tmp.dir, 'mlflow.db')}`,
    '--artifacts-destination',
    join(tmp.dir, 'artifacts'),
    '--serve-artifacts',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    '1',
  ];
  // Its own process group, so stop() ends the server's workers with it.
  const child = spawn(found.cmd, args, {
    cwd: tmp.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false', PYTHONUNBUFFERED: '1' },
  });
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString()).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // A test process that dies without its after() hooks must not leave a server behind.
  const onExit = (): void => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (!gone) {
      // Its store is a temp dir about to be deleted: no need to wait long for a clean exit.
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
      // The group may outlive its leader for a moment (uvicorn's worker).
      killGroup('SIGKILL');
    }
    tmp.cleanup();
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) {
      await stop();
      throw new Error(`mlflow server (${found.how}) exited before answering:\n${out}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`mlflow server (${found.how}) did not answer on ${url} within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const version = await fetch(`${url}/version`)
    .then((r) => r.text())
    .catch(() => 'unknown');
  return { url, version, logTail: () => out, stop };
}
