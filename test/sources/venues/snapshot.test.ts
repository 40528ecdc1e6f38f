// The snapshot helper the venue tests use (./snapshot.ts), run against a temp folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineDiff, matchSnapshot } from './snapshot.js';
import { tempDir } from '../../helpers.js';

/** Runs `fn` with environment variables set (undefined = unset), restoring them after. */
async function withEnv(vars: Record<string, string | undefined>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  try {
    await fn();
  } finally {
    apply(saved);
  }
}

const VALUE = { counts: { frames: 2, trades: 1 }, trades: [['x:A', 1.5, 2, 3, -1, 1]] };

test('snapshot: written when missing, then compared by value, not layout', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await withEnv({ CI: undefined, UPDATE_SNAPSHOTS: undefined }, async () => {
      await matchSnapshot('s', VALUE, dir);
      const path = join(dir, 's.json');
      assert.ok(existsSync(path));
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), VALUE);
      await matchSnapshot('s', VALUE, dir);
      writeFileSync(path, JSON.stringify(VALUE));
      await matchSnapshot('s', VALUE, dir);
    });
  } finally {
    cleanup();
  }
});

test('snapshot: a difference fails with a diff; UPDATE_SNAPSHOTS=1 accepts it; CI refuses a missing file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await withEnv({ CI: undefined, UPDATE_SNAPSHOTS: undefined }, async () => {
      await matchSnapshot('s', VALUE, dir);
      const changed = { ...VALUE, counts: { frames: 2, trades: 2 } };
      await assert.rejects(matchSnapshot('s', changed, dir), (e: Error) => {
        assert.match(e.message, /snapshot s differs/);
        assert.match(e.message, /^-\s+"trades": 1$/m);
        assert.match(e.message, /^\+\s+"trades": 2$/m);
        return true;
      });
      await withEnv({ UPDATE_SNAPSHOTS: '1' }, () => matchSnapshot('s', changed, dir));
      await matchSnapshot('s', changed, dir);
    });
    await withEnv({ CI: 'true', UPDATE_SNAPSHOTS: undefined }, async () => {
      await assert.rejects(matchSnapshot('missing', VALUE, dir), /is missing/);
      assert.equal(existsSync(join(dir, 'missing.json')), false);
    });
    await assert.rejects(matchSnapshot('../escape', VALUE, dir), /plain file name/);
  } finally {
    cleanup();
  }
});

test('snapshot: lineDiff aligns the changed middle and keeps some context', () => {
  const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const b = ['a', 'b', 'c', 'd', 'X', 'f', 'g', 'h', 'i'];
  assert.equal(lineDiff(a, b), ['@@ line 2 @@', '  b', '  c', '  d', '- e', '+ X', '  f', '  g', '  h', '+ i'].join('\n'));
  assert.equal(lineDiff(['x'], ['x']), '  x');
});
