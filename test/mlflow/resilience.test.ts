// MlflowTracker when MLflow is down, slow or answers errors: nothing is thrown to the caller,
// failures are counted, flush() and close() keep their deadlines. Needs no MLflow: the server
// is a closed port, one that never answers, or a small fake of the REST API that records what
// it was asked (the real server's answers are checked in tracker.test.ts).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { isTickflowError } from '../../src/core/index.js';
import { silentLogger } from '../../src/obs/index.js';
import { MlflowTracker, type MlflowTrackerOptions, type TrackedModelVersion } from '../../src/mlflow/index.js';
import { freePort } from './server.js';

const V: TrackedModelVersion = {
  instrument: 'binance:BTCUSDT',
  interval: '1m',
  model: 'rls',
  kind: 'rls',
  version: 1,
  params: { lambda: 0.99 },
  features: ['ret_1'],
  trainedFrom: 0,
  trainedTo: 60_000,
  metrics: { rmse: 0.1 },
  state: { w: [1] },
  champion: true,
};

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly authorization: string | undefined;
}

type Answer = { status: number; body: unknown } | 'hang';

/** A fake tracking server: `answer` may override any request; the rest get a minimal happy answer. */
async function fakeMlflow(
  t: TestContext,
  opts: { answer?: (req: Seen, nth: number) => Answer | undefined; artifactUri?: string } = {},
): Promise<Fake> {
  const seen: Seen[] = [];
  const trackers: MlflowTracker[] = [];
  const counts = new Map<string, number>();
  let runs = 0;
  const artifactUri = opts.artifactUri ?? 'mlflow-artifacts:/1/run1/artifacts';
  const happy = (req: Seen): Answer => {
    const endpoint = req.path.replace(/^\/api\/2\.0\/mlflow\//, '').replace(/\?.*$/, '');
    if (req.path.startsWith('/api/2.0/mlflow-artifacts/')) return { status: 200, body: {} };
    switch (endpoint) {
      case 'experiments/get-by-name':
        return { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such experiment' } };
      case 'experiments/create':
        return { status: 200, body: { experiment_id: '1' } };
      case 'runs/create':
        runs++;
        return {
          status: 200,
          body: { run: { info: { run_id: `run${runs}`, experiment_id: '1', status: 'RUNNING', artifact_uri: artifactUri } } },
        };
      case 'runs/update':
        return { status: 200, body: { run_info: { run_id: 'run1', experiment_id: '1', status: 'FINISHED' } } };
      case 'registered-models/create':
        return { status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'Registered Model already exists.' } };
      case 'model-versions/create':
        return { status: 200, body: { model_version: { name: 'tickflow.binance.BTCUSDT.1m.rls', version: '7' } } };
      default:
        // runs/search, model-versions/search, log-batch, alias, set-tag: an empty object is a full answer
        return { status: 200, body: {} };
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s: Seen = {
        method: req.method ?? '',
        path: req.url ?? '',
        body: Buffer.concat(chunks).toString(),
        authorization: req.headers.authorization,
      };
      seen.push(s);
      const key = `${s.method} ${s.path.replace(/\?.*$/, '')}`;
      const nth = (counts.get(key) ?? 0) + 1;
      counts.set(key, nth);
      const a = opts.answer?.(s, nth) ?? happy(s);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    // Its trackers first: closed after the server, they would retry their last requests in vain.
    await Promise.all(trackers.map((tr) => tr.close(1_000)));
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  });
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { url: `http://127.0.0.1:${addr.port}`, seen, trackers };
}

interface Fake {
  readonly url: string;
  readonly seen: Seen[];
  /** Trackers to close before the server. */
  readonly trackers: MlflowTracker[];
}

function tracker(t: TestContext, opts: Omit<MlflowTrackerOptions, 'trackingUri'>, target: Fake | string): MlflowTracker {
  const tr = new MlflowTracker({ logger: silentLogger(), ...opts, trackingUri: typeof target === 'string' ? target : target.url });
  if (typeof target === 'string') t.after(() => tr.close(1_000));
  else target.trackers.push(tr);
  return tr;
}

const endpoints = (seen: readonly Seen[]): string[] =>
  seen.map((s) => `${s.method} ${s.path.replace(/^\/api\/2\.0\//, '').replace(/\?.*$/, '')}`);

test('retries what may succeed later, tolerates RESOURCE_ALREADY_EXISTS and sends the credentials', async (t) => {
  const fake = await fakeMlflow(t, {
    answer: (req, nth) =>
      req.path.includes('experiments/get-by-name') && nth <= 2
        ? { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE' } }
        : undefined,
  });
  const tr = tracker(t, { headers: { Authorization: 'Bearer s3cret' }, retryBaseMs: 5 }, fake);
  const key = tr.logModelVersion(V);
  tr.logMetrics(key, { rmse: 0.05 }, 1, 120_000);
  assert.equal(await tr.flush(10_000), true);
  const s = tr.stats();
  assert.equal(s.failed, 0, s.lastError ?? '');
  assert.equal(s.retries, 2);
  assert.deepEqual(endpoints(fake.seen), [
    'GET mlflow/experiments/get-by-name',
    'GET mlflow/experiments/get-by-name',
    'GET mlflow/experiments/get-by-name',
    'POST mlflow/experiments/create',
    'POST mlflow/runs/search',
    'POST mlflow/runs/create',
    'POST mlflow/runs/log-batch',
    'PUT mlflow-artifacts/artifacts/1/run1/artifacts/model/state.json',
    'POST mlflow/registered-models/create',
    'GET mlflow/model-versions/search',
    'POST mlflow/model-versions/create',
    'POST mlflow/registered-models/alias',
    'POST mlflow/model-versions/set-tag',
    'POST mlflow/runs/log-batch',
  ]);
  assert.ok(fake.seen.every((r) => r.authorization === 'Bearer s3cret'));
  assert.deepEqual(JSON.parse(fake.seen[7]?.body ?? ''), V.state);
  assert.deepEqual(tr.registeredVersionOf(key), { name: 'tickflow.binance.BTCUSDT.1m.rls', version: '7' });
  const create = JSON.parse(fake.seen[10]?.body ?? '{}') as { source: string; run_id: string };
  assert.equal(create.source, 'mlflow-artifacts:/1/run1/artifacts/model');
  assert.equal(create.run_id, 'run1');
});

test('MLflow down (a closed port): no throw, failures counted, flush resolves', async (t) => {
  const port = await freePort();
  const tr = tracker(t, { maxAttempts: 3, retryBaseMs: 5 }, `http://127.0.0.1:${port}`);
  let key = '';
  assert.doesNotThrow(() => {
    key = tr.logModelVersion(V);
    for (let i = 1; i <= 3; i++) tr.logMetrics(key, { rmse: 0.1 / i }, i, 60_000 * i);
    tr.endRun(key);
  });
  assert.equal(await tr.flush(10_000), true);
  const s = tr.stats();
  assert.equal(s.failed, 4, 'the version, then each metrics batch for a run that was never made');
  assert.equal(s.completed, 1, 'ending a run that does not exist is nothing to do');
  assert.equal(s.retries, 2, 'the first request, tried 3 times');
  assert.match(s.lastError ?? '', /no MLflow run for 'binance:BTCUSDT 1m rls v1'/);
  assert.equal(tr.runOf(key), undefined);
});

test("openRunOf: a model's newest logged version is its open run until that run ends", async (t) => {
  const port = await freePort();
  const tr = tracker(t, { maxAttempts: 1 }, `http://127.0.0.1:${port}`);
  const model = { instrument: V.instrument, interval: V.interval, model: V.model };
  assert.equal(tr.openRunOf(model), undefined);
  tr.logModelVersion(V);
  const v2 = tr.logModelVersion({ ...V, version: 2 });
  assert.equal(tr.openRunOf(model), v2);
  assert.equal(tr.openRunOf({ ...model, model: 'logistic' }), undefined);
  tr.endRun(v2);
  assert.equal(tr.openRunOf(model), undefined);
  await tr.flush(10_000);
});

test('flush and close keep their deadlines while MLflow is down, and log a throttled warning', async () => {
  const port = await freePort();
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) });
  // Default backoff: 5 tries of the first request take seconds.
  const tr = new MlflowTracker({ trackingUri: `http://127.0.0.1:${port}`, logger });
  for (let i = 1; i <= 5; i++) tr.logModelVersion({ ...V, version: i });

  let t0 = Date.now();
  assert.equal(await tr.flush(300), false, 'still retrying');
  assert.ok(Date.now() - t0 < 1_300, `flush(300) took ${Date.now() - t0} ms`);

  t0 = Date.now();
  await tr.close(300);
  assert.ok(Date.now() - t0 < 2_300, `close(300) took ${Date.now() - t0} ms`);
  const s = tr.stats();
  assert.equal(s.queued, 0);
  assert.equal(s.completed + s.failed + s.dropped, 5 + 1, 'every version, and the end of the open run, is accounted for');
  assert.ok(s.dropped >= 4, `dropped ${s.dropped}`);
  const warnings = lines.filter((l) => l.level === 40);
  assert.ok(warnings.some((l) => /closed before everything was sent/.test(l.msg)));
  assert.ok(warnings.filter((l) => /tracking failed/.test(l.msg)).length <= 1, 'failures are throttled');

  // After close: calls are dropped, never thrown.
  assert.doesNotThrow(() => tr.logModelVersion({ ...V, version: 9 }));
  assert.equal(tr.stats().dropped, s.dropped + 1);
});

test('a server that never answers: each request times out, and close cancels the one in flight', async (t) => {
  const fake = await fakeMlflow(t, { answer: () => 'hang' });
  const tr = tracker(t, { requestTimeoutMs: 200, maxAttempts: 2, retryBaseMs: 5 }, fake);
  tr.logModelVersion(V);
  assert.equal(await tr.flush(5_000), true);
  assert.equal(tr.stats().failed, 1);
  assert.match(tr.stats().lastError ?? '', /no answer within 200 ms/);

  const slow = tracker(t, { requestTimeoutMs: 60_000 }, fake);
  slow.logModelVersion(V);
  const t0 = Date.now();
  await slow.close(100);
  assert.ok(Date.now() - t0 < 2_000, `close(100) took ${Date.now() - t0} ms with a request in flight`);
  assert.equal(slow.stats().failed, 1, 'the cancelled task');
  assert.equal(slow.stats().queued, 0);
});

test('a full queue drops the oldest waiting tasks and counts them', async (t) => {
  const fake = await fakeMlflow(t, { answer: () => 'hang' });
  const tr = tracker(t, { maxQueued: 3, requestTimeoutMs: 60_000 }, fake);
  const key = tr.logModelVersion(V);
  for (let i = 0; i < 10; i++) tr.logMetrics(key, { rmse: i }, i, i);
  const s = tr.stats();
  assert.equal(s.dropped, 7);
  assert.equal(s.queued, 4, 'three waiting and the one in flight');
  await tr.close(50);
  assert.equal(tr.stats().dropped, 7 + 3 + 1, 'and at close the three waiting and the end of the open run');
  assert.equal(tr.stats().failed, 1, 'the cancelled one in flight');
});

test('null and non-finite metric values are skipped and counted; nothing is sent for none', async (t) => {
  const fake = await fakeMlflow(t);
  const tr = tracker(t, {}, fake);
  const key = tr.logModelVersion({ ...V, metrics: { rmse: 0.1, auc: NaN, brier: null } });
  tr.logMetrics(key, { auc: NaN, logLoss: Infinity, brier: -Infinity }, 1, 1);
  assert.equal(await tr.flush(5_000), true);
  assert.equal(tr.stats().skippedMetrics, 5);
  const batches = fake.seen.filter((r) => r.path.endsWith('runs/log-batch'));
  assert.equal(batches.length, 1);
  const body = JSON.parse(batches[0]?.body ?? '{}') as { metrics: { key: string }[] };
  assert.deepEqual(
    body.metrics.map((m) => m.key),
    ['rmse'],
  );
});

test('an artifact root the MLflow proxy does not serve: no upload, the version is still registered', async (t) => {
  const fake = await fakeMlflow(t, { artifactUri: 's3://bucket/1/run1/artifacts' });
  const tr = tracker(t, {}, fake);
  tr.logModelVersion(V);
  assert.equal(await tr.flush(5_000), true);
  assert.equal(tr.stats().failed, 0, tr.stats().lastError ?? '');
  assert.ok(!fake.seen.some((r) => r.method === 'PUT'));
  const create = fake.seen.find((r) => r.path.endsWith('model-versions/create'));
  assert.equal((JSON.parse(create?.body ?? '{}') as { source: string }).source, 's3://bucket/1/run1/artifacts/model');
});

test('a failed state upload is counted and the version is registered without it', async (t) => {
  const fake = await fakeMlflow(t, {
    answer: (req) => (req.method === 'PUT' ? { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE' } } : undefined),
  });
  const tr = tracker(t, { maxAttempts: 2, retryBaseMs: 5 }, fake);
  tr.logModelVersion(V);
  assert.equal(await tr.flush(5_000), true);
  const s = tr.stats();
  assert.equal(s.failed, 0, s.lastError ?? '');
  assert.equal(s.uploadsFailed, 1);
  assert.ok(fake.seen.some((r) => r.path.endsWith('model-versions/create')));
});

test('a tracker with a tracking URI that is not http(s) is refused with CONFIG_INVALID', () => {
  for (const trackingUri of ['ftp://mlflow:5000', 'file:///tmp/mlruns', '127.0.0.1:5000']) {
    assert.throws(
      () => new MlflowTracker({ trackingUri }),
      (e: unknown) => isTickflowError(e) && e.code === 'CONFIG_INVALID' && /trackingUri/.test(e.message),
      trackingUri,
    );
  }
  assert.throws(
    () => new MlflowTracker({ trackingUri: 'http://x', maxQueued: 0 }),
    (e: unknown) => isTickflowError(e) && e.code === 'CONFIG_INVALID' && /maxQueued/.test(e.message),
  );
});
