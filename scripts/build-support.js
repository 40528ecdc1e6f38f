// What the two builds share (web/build.js: the dashboard; scripts/build.js: the server's
// JavaScript): listing and hashing their inputs, and one build at a time.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every file under `dir`, sorted, recursively. */
export function files(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(p) : [p];
    });
}

/**
 * What a build depends on, as a hex digest: each input file's path (relative to `root`) and
 * content, then the installed version of each of `packages` ('missing' when not installed).
 */
export function inputsHash(root, inputs, packages) {
  const hash = createHash('sha256');
  for (const f of inputs) hash.update(relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
  for (const pkg of packages) {
    const p = join(root, 'node_modules', pkg, 'package.json');
    hash.update(existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : 'missing');
  }
  return hash.digest('hex');
}

/**
 * Test files running in parallel may each ask for a build: one takes the lock file and builds,
 * the others wait for it. Released when the process exits. A lock older than a minute is left
 * over from a killed build.
 */
export async function takeBuildLock(lock) {
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 60_000) rmSync(lock, { force: true });
      await sleep(100);
    }
  }
  process.on('exit', () => rmSync(lock, { force: true }));
}
