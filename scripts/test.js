#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in runner (TypeScript through tsx).
// `npm test -- <pattern>` runs only the files whose path contains the pattern.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const patterns = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(relative(root, p));
  }
})(join(root, 'test'));
const selected = patterns.length ? files.filter((f) => patterns.some((p) => f.includes(p))) : files;
if (selected.length === 0) {
  console.error(`no test files match ${patterns.join(' ')}`);
  process.exit(1);
}
// Off a terminal (CI), TAP as node prints it, then the failures again at the very end, named
// with their files: a log cut to its tail still says what failed.
const reporters = process.stdout.isTTY
  ? []
  : [
      '--test-reporter=tap',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts', 'failures-reporter.mjs')}`,
      '--test-reporter-destination=stdout',
    ];
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporters, ...selected];
const r = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
