import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const MB = 1024 * 1024;

// bin/tickflow.js gives the main thread 32 MB semi-spaces; that flag holds for every isolate and
// overrides a worker's resourceLimits, so each worker used to get a 64 MB young generation too.
describe('startWorkerThread', () => {
  it("bounds a worker's young generation while the main thread keeps --max-semi-space-size", () => {
    const helper = new URL('../../src/core/worker-thread.ts', import.meta.url).href;
    const worker = new URL('./fixtures/young-gen-worker.ts', import.meta.url).href;
    const churn = new URL('./fixtures/churn.ts', import.meta.url).href;
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8';
      const { startWorkerThread } = await import(${JSON.stringify(helper)});
      const { churn } = await import(${JSON.stringify(churn)});
      const w = startWorkerThread(new URL(${JSON.stringify(worker)}), { youngGenerationMb: 8 });
      const workerNew = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      await w.terminate();
      churn();
      const mainNew = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
      console.log(JSON.stringify({ workerNew, mainNew }));`;
    const out = execFileSync(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const { workerNew, mainNew } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { workerNew: number; mainNew: number };
    assert.ok(workerNew > 0 && workerNew <= 8 * MB, `worker young generation ${workerNew / MB} MB, want <= 8`);
    assert.ok(mainNew > 32 * MB, `main young generation ${mainNew / MB} MB: the main thread should keep its 2 x 32 MB semi-spaces`);
  });
});
