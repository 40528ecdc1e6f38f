// Starts a real `tickflow` command for the observability tests and stops it when the test ends.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { cli } from '../cli/e2e-helpers.js';
import { tempDir, waitFor } from '../helpers.js';

export interface RunningTickflow {
  /** The API's base URL (`run`, `serve`) or the metrics port's (`ingest`, `process`). */
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
}

/**
 * `tickflow run` on a small simulated market in a temp data dir, API on a free port. Stopped
 * (SIGINT, then SIGKILL if it does not exit) and its data dir removed after the test.
 */
export async function startRun(t: TestContext, extra: string[] = []): Promise<RunningTickflow> {
  const data = tempDir('tickflow-obs-');
  const child = cli(['run', '--data-dir', data.dir, '--port', '0', '--instruments', '3', '--rate', '300', '--log-level', 'warn', ...extra]);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    data.cleanup();
  });
  const url = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`tickflow run exited ${child.exitCode}: ${err}`);
      return /dashboard +(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
    },
    60_000,
    'the banner of tickflow run',
  );
  return { url, child, stderr: () => err };
}

/** Metric names a scrape exports (from its `# TYPE` lines), with the series names of histograms. */
export function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m;
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(`${name}${s}`);
  }
  assert.ok(names.size > 0, 'the scrape has TYPE lines');
  return names;
}
