import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { TickflowError } from '../../src/core/index.js';
import { resolveConfig } from '../../src/cli/config.js';
import { ROOT, tempDir } from '../helpers.js';

const KEY = 'cli-test-key-0123456789abcdef';

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TickflowError, String(e));
    assert.equal(e.code, 'CONFIG_INVALID');
    assert.match(e.message, pattern);
    return true;
  });
}

/** Runs the real command and collects its exit code and output. */
function tickflow(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Settings from the environment running the tests must not leak in.
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TICKFLOW_')));
    const child = spawn(process.execPath, [join(ROOT, 'bin/tickflow.js'), ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('API protection settings', () => {
  it('run and serve refuse a non-loopback --host without a key, naming how to give one', () => {
    for (const command of ['run', 'serve'] as const) {
      configError(() => resolveConfig(command, { host: '0.0.0.0' }, {}), /listening on 0\.0\.0\.0.*--api-key-file.*TICKFLOW_API_KEY/);
      configError(() => resolveConfig(command, {}, { TICKFLOW_HOST: '::' }), /listening on ::/);
    }
    assert.equal(resolveConfig('serve', {}, {}).apiKey, undefined, 'loopback by default, no key needed');
    assert.equal(resolveConfig('serve', {}, {}).host, '127.0.0.1');
  });

  it('takes the key from TICKFLOW_API_KEY or a key file, and never prints it', () => {
    const t = tempDir();
    try {
      const fromEnv = resolveConfig('run', { host: '0.0.0.0' }, { TICKFLOW_API_KEY: KEY });
      assert.ok(fromEnv.apiKey?.matches(KEY));
      assert.ok(!JSON.stringify(fromEnv).includes(KEY), 'not in a JSON dump of the config');
      assert.ok(!inspect(fromEnv, { depth: 5 }).includes(KEY), 'not in util.inspect');
      const file = join(t.dir, 'api.key');
      writeFileSync(file, `${KEY}\n`);
      chmodSync(file, 0o600);
      const fromFile = resolveConfig('serve', { host: '0.0.0.0', apiKeyFile: file }, {});
      assert.ok(fromFile.apiKey?.matches(KEY));
      assert.ok(resolveConfig('serve', { host: '0.0.0.0' }, { TICKFLOW_API_KEY_FILE: file }).apiKey?.matches(KEY));
      configError(() => resolveConfig('serve', { apiKeyFile: file }, { TICKFLOW_API_KEY: KEY }), /keep one/);
      configError(() => resolveConfig('serve', { apiKeyFile: join(t.dir, 'missing') }, {}), /API key file .*missing: cannot be read/);
      writeFileSync(file, 'short\n');
      configError(() => resolveConfig('serve', { apiKeyFile: file }, {}), /at least 16 characters/);
    } finally {
      t.cleanup();
    }
  });

  it('validates CORS origins, trusted proxies, rate limit and max range where they came from', () => {
    configError(() => resolveConfig('serve', { corsOrigins: 'dash.example.com' }, {}), /--cors-origins: .*not an origin/);
    configError(() => resolveConfig('serve', {}, { TICKFLOW_TRUST_PROXY: '*' }), /TICKFLOW_TRUST_PROXY: .*IP address/);
    configError(() => resolveConfig('serve', { rateLimit: '-1' }, {}), /--rate-limit/);
    configError(() => resolveConfig('serve', { maxRange: 'tick:5' }, {}), /--max-range/);
    const cfg = resolveConfig('serve', { corsOrigins: 'https://a.example,http://localhost:5173', rateLimit: '0', maxRange: '30d' }, {});
    assert.deepEqual(cfg.corsOrigins, ['https://a.example', 'http://localhost:5173']);
    assert.equal(cfg.rateLimit, 0);
    assert.equal(cfg.maxRange, 30 * 86_400_000);
    const defaults = resolveConfig('run', {}, {});
    assert.equal(defaults.corsOrigins, '*');
    assert.equal(defaults.rateLimit, 600);
    assert.deepEqual(defaults.trustProxy, []);
    assert.equal(defaults.maxRange, 366 * 86_400_000);
  });

  it('`tickflow serve --host 0.0.0.0` without a key exits 2 with the reason, before opening anything', async () => {
    const t = tempDir();
    try {
      const r = await tickflow(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', t.dir]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^tickflow: error CONFIG_INVALID: listening on 0\.0\.0\.0 makes the API reachable from other machines/m);
      assert.match(r.stderr, /--api-key-file/);
      assert.equal(r.stdout, '');
    } finally {
      t.cleanup();
    }
  });

  it('--help lists the new options', async () => {
    const r = await tickflow(['serve', '--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--api-key-file', '--cors-origins', '--rate-limit', '--trust-proxy', '--max-range'])
      assert.ok(r.stdout.includes(flag), flag);
    assert.doesNotMatch(r.stdout, /--api-key </, 'no flag takes the key itself');
  });
});
