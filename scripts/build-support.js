// What the two builds share (web/build.js: the dashboard; scripts/build.js: the server's
// JavaScript): listing sources, and one build at a time.
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
