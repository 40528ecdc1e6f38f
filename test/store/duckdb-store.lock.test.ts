import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { openDuckDbStore } from '../../src/store/index.js';
import { ROOT, tempDir, waitFor } from '../helpers.js';

// DuckDB's file lock is per process, so this needs a second process holding the file.
test('opening a data dir that another process writes fails with a STORE error naming the lock', async () => {
  const { dir, cleanup } = tempDir('tickflow-lock-');
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { openDuckDbStore } = await import('./src/store/index.ts');
       const s = await openDuckDbStore({ dataDir: ${JSON.stringify(dir)} });
       console.log('ready');
       process.stdin.resume();
       process.stdin.on('end', () => s.close().then(() => process.exit(0)));`,
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    let out = '';
    holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('ready'), 60_000, 'the holder process to open the store');
    for (const readOnly of [true, false]) {
      await assert.rejects(openDuckDbStore({ dataDir: dir, readOnly }), (e: unknown) => {
        assert.ok(e instanceof Error && 'code' in e && e.code === 'STORE');
        assert.match(e.message, /lock/);
        assert.match(e.message, /tickflow serve/);
        return true;
      });
    }
  } finally {
    holder.stdin.end();
    if (holder.exitCode === null) await once(holder, 'exit');
    cleanup();
  }
});
