#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `tickflow` command. It runs the JavaScript build in dist/ (scripts/build.js;
// `npm install`, `npm start` and `npm test` make it) when that is a build of the sources as they
// are, else the TypeScript sources through tsx, so an edit is never run stale.
// The young generation is doubled from V8's 16 MB semi-spaces: the processor emits a bar and an
// indicator set per 1-second bar, and with the default size a replay spent ~15 % of its CPU
// copying them between semi-spaces (measured with --trace-gc; see docs/BENCHMARKS.md).
// `npm start` runs `node --max-semi-space-size=4 --heap-growing-percent=20 bin/tickflow.js run`:
// a live pipeline allocates far less per second, and a larger young generation, or an old one let
// grow further past its live data before collecting, held more RSS there (docs/OPERATIONS.md).
import { distIsCurrent } from '../scripts/build.js';

let main;
if (distIsCurrent()) {
  ({ main } = await import('../dist/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
await main(process.argv);
