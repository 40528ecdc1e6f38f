import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** A `tickflow` command started for a browser test, once its banner has printed the dashboard's URL. */
export interface TickflowServer {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Everything it printed so far (stdout and stderr). */
  stdout(): string;
}

/** Starts `tickflow <args>` and waits (up to 60 s) for its banner; fails with its output if it exits first. */
export async function startTickflow(args: readonly string[]): Promise<TickflowServer> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'tickflow.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const url = await Promise.race([
    waitFor(() => /dashboard +(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1], 60_000, `the tickflow ${args[0] ?? ''} banner`),
    exited.then((code) => {
      throw new Error(`tickflow ${args[0] ?? ''} exited (${code}):\n${out}`);
    }),
  ]);
  return { url, port: Number(new URL(url).port), child, exited, stdout: () => out };
}
