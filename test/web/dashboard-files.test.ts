import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../helpers.js';

/**
 * The dashboard as built (web/build.js → web/dist) and as the API serves it: every resource the
 * page loads is in the build (nothing from another server, so it works offline), the chart
 * library comes from npm (no vendored copy), and the JS stays within its size budget.
 */

const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
/** Budget from the issue: the JavaScript a first visit downloads, gzipped. */
const JS_BUDGET_GZIP = 300 * 1024;

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const rel = (f: string) => relative(ROOT, f).split(sep).join('/');

/** URLs an HTML page loads by itself: scripts, style sheets, icons, preloads, images (not links to follow). */
function loads(html: string): string[] {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '');
  const links = [...html.matchAll(/<link\b[^>]*>/gi)]
    .map((m) => m[0])
    .filter((tag) => /\brel\s*=\s*["'](?:stylesheet|icon|modulepreload|preload|manifest)["']/i.test(tag))
    .map((tag) => /\bhref\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1] ?? '');
  const images = [...html.matchAll(/<(?:img|source|iframe)\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '');
  return [...scripts, ...links, ...images];
}

before(() => {
  const r = spawnSync(process.execPath, [join(WEB, 'build.js')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `web/build.js failed:\n${r.stdout}\n${r.stderr}`);
});

test('the source page loads only the TypeScript entry; no vendored chart library in web/', () => {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  assert.deepEqual(
    loads(html).filter((u) => !u.startsWith('data:')),
    ['/src/main.ts'],
  );
  const vendored = walk(WEB).filter((f) => !f.startsWith(DIST) && /lightweight-charts/i.test(f));
  assert.deepEqual(vendored.map(rel), [], 'lightweight-charts is imported from node_modules, not copied');
  for (const f of walk(join(WEB, 'src')).filter((p) => p.endsWith('.ts'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bfrom\s+["']([^"']+)["']/g)) {
      const spec = m[1] ?? '';
      assert.ok(!/^(?:https?:)?\/\//.test(spec), `${rel(f)} imports ${spec} from another server`);
    }
  }
});

test('the built page loads only files of the build (works offline)', () => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const urls = loads(html);
  assert.ok(
    urls.some((u) => /^\/assets\/[\w-]+\.js$/.test(u)),
    'a bundled script',
  );
  assert.ok(
    urls.some((u) => /^\/assets\/[\w-]+\.css$/.test(u)),
    'a bundled style sheet',
  );
  for (const u of urls) {
    if (u.startsWith('data:')) continue;
    assert.ok(u.startsWith('/') && !u.startsWith('//'), `index.html loads '${u}' from elsewhere`);
    const file = join(DIST, u);
    assert.ok(existsSync(file), `index.html loads '${u}', which is not in web/dist`);
  }
  for (const f of walk(DIST).filter((p) => p.endsWith('.js') || p.endsWith('.css'))) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /\bimport\s*\(\s*["'](?:https?:)?\/\//, `${rel(f)} imports code from another server`);
    assert.doesNotMatch(text, /@import\s+(?:url\()?["']?(?:https?:)?\/\//, `${rel(f)} loads a style sheet from another server`);
    assert.doesNotMatch(text, /url\(\s*["']?(?:https?:)?\/\//, `${rel(f)} loads a font or image from another server`);
  }
});

test(`the JavaScript of the page is under ${JS_BUDGET_GZIP / 1024} kB gzipped, chart library included`, () => {
  const js = walk(DIST).filter((f) => f.endsWith('.js'));
  const all = Buffer.concat(js.map((f) => readFileSync(f)));
  assert.match(all.toString('utf8'), /addSeries/, 'lightweight-charts is in the bundle');
  const gz = gzipSync(all, { level: 9 }).length;
  assert.ok(gz < JS_BUDGET_GZIP, `${gz} bytes gzipped`);
});
