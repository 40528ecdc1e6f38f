#!/usr/bin/env -S node --max-semi-space-size=32
// Entry point of the `tickflow` command: TypeScript sources run through tsx (no build step).
// The young generation is doubled from V8's 16 MB semi-spaces: the processor emits a bar and an
// indicator set per 1-second bar, and with the default size a replay spent ~15 % of its CPU
// copying them between semi-spaces (measured with --trace-gc; see docs/BENCHMARKS.md).
// `npm start` passes the same flag; `node bin/tickflow.js` runs with V8's defaults.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
