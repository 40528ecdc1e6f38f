import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The dashboard is static files with no build step: every reference must resolve as served. */

const ROOT = fileURLToPath(new URL('../../web/public/', import.meta.url));
/** Served by the API from node_modules, not from web/public. */
const VENDOR = '/vendor/lightweight-charts.standalone.production.js';

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const files = walk(ROOT);
const modules = files.filter((f) => f.endsWith('.js'));
const rel = (f: string) => relative(ROOT, f).split(sep).join('/');

/** Whether a reference points at another server or is inline, so there is no file to check. */
function external(ref: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(ref);
}

/** A reference made by `from` (a file in web/public) → the file it names, or undefined when it leaves web/public. */
function target(from: string, ref: string): string | undefined {
  const path = ref.split(/[?#]/)[0] ?? '';
  const abs = path.startsWith('/') ? join(ROOT, path) : resolve(dirname(from), path);
  const inside = relative(ROOT, abs);
  return inside.startsWith('..') || inside === '' ? undefined : abs;
}

function assertFile(from: string, ref: string): void {
  const abs = target(from, ref);
  assert.ok(abs !== undefined, `${rel(from)}: '${ref}' points outside web/public`);
  assert.ok(existsSync(abs) && statSync(abs).isFile(), `${rel(from)}: '${ref}' does not exist in web/public`);
}

test('web/public has the dashboard entry points', () => {
  for (const name of ['index.html', 'app.js', 'api.js', 'chart.js', 'style.css']) {
    assert.ok(files.includes(join(ROOT, name)), `web/public/${name} is missing`);
  }
});

test('index.html references only files in web/public and the vendored chart library', () => {
  const index = join(ROOT, 'index.html');
  const html = readFileSync(index, 'utf8');
  const refs = [...html.matchAll(/\s(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1] ?? '');
  assert.ok(refs.length > 0);
  let vendor = false;
  for (const ref of refs) {
    if (external(ref)) {
      assert.ok(/^(?:data:|#)/.test(ref), `index.html: '${ref}' loads from another server; the dashboard must work offline`);
      continue;
    }
    if (ref.startsWith('/vendor/')) {
      assert.equal(ref, VENDOR, `index.html: the only vendored file the API serves is ${VENDOR}`);
      vendor = true;
      continue;
    }
    assertFile(index, ref);
  }
  assert.ok(vendor, `index.html must load ${VENDOR}`);
  // The library defines window.LightweightCharts; the app module (deferred) runs after it.
  const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) => m[1] ?? '');
  const vendorAt = scripts.findIndex((s) => s.includes(VENDOR));
  const appAt = scripts.findIndex((s) => /src\s*=\s*["'](?:\.\/|\/)?app\.js["']/.test(s));
  assert.ok(appAt >= 0, 'index.html must load app.js');
  assert.match(scripts[appAt] ?? '', /type\s*=\s*["']module["']/, 'app.js is an ES module');
  assert.ok(vendorAt >= 0 && vendorAt < appAt, 'the chart library loads before app.js');
});

test('style sheets reference only files that exist', () => {
  for (const css of files.filter((f) => f.endsWith('.css'))) {
    const text = readFileSync(css, 'utf8');
    for (const m of text.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
      const ref = m[1] ?? '';
      if (!external(ref)) assertFile(css, ref);
    }
  }
});

test('every module imports only files that exist in web/public (no bare specifiers: there is no bundler yet)', () => {
  assert.ok(modules.length > 0);
  for (const mod of modules) {
    const text = readFileSync(mod, 'utf8');
    const specs = [
      // import … from '…' / export … from '…'
      ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/gm),
      // import '…'
      ...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
      // import('…'), including JSDoc type imports
      ...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const spec of specs) {
      assert.ok(spec.startsWith('./') || spec.startsWith('../'), `${rel(mod)}: '${spec}' is not a relative path the browser can load`);
      assert.ok(spec.endsWith('.js'), `${rel(mod)}: '${spec}' needs its .js extension in the browser`);
      assertFile(mod, spec);
    }
  }
});

test('every module parses as an ES module', () => {
  for (const mod of modules) {
    // package.json says "type": "module", so node --check parses .js files as ES modules.
    const r = spawnSync(process.execPath, ['--check', mod], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${rel(mod)} does not parse:\n${r.stderr}`);
  }
});
