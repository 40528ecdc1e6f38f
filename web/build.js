/* global process, console, URL -- Node globals (the lint config names them for bin/ and scripts/ only) */
// Builds the dashboard (web/index.html + web/src → web/dist) with Vite, unless web/dist already
// holds a build of exactly these sources. `npm install` (prepare), `npm start` (prestart) and
// `npm test` (pretest) run it, so a fresh checkout serves and tests a current dashboard and an
// unchanged one costs a hash of ~100 kB. `--force` builds anyway.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { files, inputsHash, takeBuildLock } from '../scripts/build-support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'web/dist');
const stampFile = join(dist, '.build-hash');

/** Everything the bundle depends on: sources, config, and the versions of the tools and libraries. */
function sourceHash() {
  const inputs = [join(root, 'web/index.html'), join(root, 'vite.config.ts'), join(root, 'web/build.js'), ...files(join(root, 'web/src'))];
  return inputsHash(root, inputs, ['vite', 'lightweight-charts']);
}

const force = process.argv.includes('--force');
const want = sourceHash();
const current = () =>
  (existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null) === want && existsSync(join(dist, 'index.html'));
if (current() && !force) process.exit(0);

await takeBuildLock(join(root, 'web/.build-lock'));
if (current() && !force) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  // An install without devDependencies: keep what is there, or say why there is no dashboard.
  console.warn(
    existsSync(join(dist, 'index.html'))
      ? 'web: vite is not installed; serving the existing (older) dashboard build in web/dist'
      : 'web: vite is not installed (npm install without --omit=dev), so the dashboard is not built; the API still runs',
  );
  process.exit(0);
}

const started = Date.now();
await vite.build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
writeFileSync(stampFile, `${want}\n`);
console.log(`web: dashboard built into web/dist in ${Date.now() - started} ms`);
