// Transpiles the server's TypeScript (src/) to JavaScript in dist/ with esbuild, file by file in
// the same layout (paths relative to a module stay right), unless dist/ already holds a build of
// exactly these sources. bin/tickflow.js runs dist/ when it is current and the sources through
// tsx otherwise, so an edit is never run stale. Why a build at all: tsx compiles in a loader
// thread of its own and keeps every module's source and source map in memory, and
// `tickflow run --instruments 1000` held ~35 MB more RSS that way (docs/BENCHMARKS.md).
// `npm install` (prepare), `npm start` (prestart) and `npm test` (pretest) run it; an unchanged
// tree costs a hash of ~2 MB. `--force` builds anyway.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { files, inputsHash, takeBuildLock } from './build-support.js';

const root = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(root, 'dist');
const stampFile = join(DIST, '.build-hash');

function sources() {
  return files(join(root, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/** The sources, this script and esbuild's version: what the build depends on. */
function sourceHash() {
  return inputsHash(root, [fileURLToPath(import.meta.url), ...sources()], ['esbuild']);
}

function builtHash() {
  try {
    return readFileSync(stampFile, 'utf8').trim();
  } catch {
    return null;
  }
}

/** dist/ holds a build of the sources as they are now. */
export function distIsCurrent() {
  return builtHash() === sourceHash();
}

async function build(force) {
  const want = sourceHash();
  if (!force && builtHash() === want) return;
  await takeBuildLock(join(root, '.build-lock'));
  if (!force && builtHash() === want) return;
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.warn('build: esbuild is not installed; tickflow runs its TypeScript sources through tsx');
    return;
  }
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });
  const entryPoints = sources();
  await esbuild.build({
    entryPoints,
    outdir: DIST,
    outbase: join(root, 'src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(stampFile, `${want}\n`);
  console.log(`build: ${entryPoints.length} modules of src/ into dist/ in ${Date.now() - started} ms`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await build(process.argv.includes('--force'));
