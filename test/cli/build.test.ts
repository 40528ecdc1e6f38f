import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers.js';

// @ts-expect-error -- a plain JavaScript module of the repo's scripts, without types
const { DIST, distIsCurrent } = (await import('../../scripts/build.js')) as { DIST: string; distIsCurrent: () => boolean };

function tsSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsSources(p);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [p] : [];
  });
}

test('the JavaScript build mirrors src/ module by module and is current after `npm test` built it', () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT });
  assert.equal(DIST, join(ROOT, 'dist'));
  assert.equal(distIsCurrent(), true);
  const missing = tsSources(join(ROOT, 'src'))
    .map((f) => relative(join(ROOT, 'src'), f).replace(/\.ts$/, '.js'))
    .filter((f) => !existsSync(join(DIST, f)));
  assert.deepEqual(missing, []);
});

test('bin/tickflow.js runs the build: the CLI answers, its workers start from dist/', async () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'tickflow.js'), '--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.match(out.trim(), /^\d+\.\d+\.\d+/);
  // The store's worker is started next to the module that starts it: a .js file in the build.
  assert.ok(existsSync(join(DIST, 'store', 'duckdb-worker.js')));
  assert.ok(existsSync(join(DIST, 'models', 'forest', 'retrain-worker.js')));
  const { main } = (await import(join(DIST, 'cli', 'main.js'))) as { main: unknown };
  assert.equal(typeof main, 'function');
});
