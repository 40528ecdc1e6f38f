// `npm run bench`: runs every bench/*.bench.ts in its own process (so one cannot warm up or
// slow down another), one after the other. `npm run bench -- replay api` runs only those.
// The soak (10 minutes) and load (30 minutes) benchmarks run only when named: `npm run bench -- soak load`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const selected =
  wanted.length > 0
    ? all.filter((f) => wanted.some((w) => f.includes(w)))
    : all.filter((f) => !f.startsWith('soak') && !f.startsWith('load'));
if (selected.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(' ')}; have: ${all.join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const f of selected) {
  process.stdout.write(`\n=== ${f}\n`);
  // The young-generation size bin/tickflow.js gives the pipeline, so in-process stages run as they do for users.
  const r = spawnSync(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', `${dir}${f}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
