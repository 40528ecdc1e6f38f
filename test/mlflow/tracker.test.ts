// MlflowTracker against a real MLflow tracking server (test/mlflow/server.ts starts one for this
// file): what it logs is read back through MLflow's REST API. Skipped, with the reason, when
// mlflow is not installed; never under REQUIRE_MLFLOW=1 (CI).
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { silentLogger } from '../../src/obs/index.js';
import {
  MlflowApiError,
  MlflowRestClient,
  MlflowTracker,
  registeredModelName,
  type MlflowKeyValue,
  type TrackedModelVersion,
} from '../../src/mlflow/index.js';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { cliResult } from '../cli/e2e-helpers.js';
import { findMlflow, startMlflowServer, type MlflowServer } from './server.js';

const SAMPLE = join(import.meta.dirname, '..', '..', 'samples', 'LTCUSDT-1m-2026-02-01.csv');

const found = findMlflow();
const skip = typeof found === 'string' ? found : false;

const T0 = Date.UTC(2026, 1, 1, 0, 0);
const T1 = Date.UTC(2026, 1, 1, 8, 19);

function version(over: Partial<TrackedModelVersion> = {}): TrackedModelVersion {
  return {
    instrument: 'binance:BTCUSDT',
    interval: '1m',
    model: 'rls',
    kind: 'rls',
    version: 3,
    params: { lambda: 0.999, delta: 100, intercept: true },
    features: ['ret_1', 'ret_5', 'rsi_14'],
    trainedFrom: T0,
    trainedTo: T1,
    metrics: { 'cumulative.rmse': 0.0012, 'cumulative.n': 500, 'cumulative.auc': NaN, 'rolling.brier': null },
    state: {
      kind: 'rls',
      version: 1,
      name: 'rls',
      w: [0.1, -0.2, 0.3],
      p: [
        [1, 0],
        [0, 1],
      ],
    },
    champion: false,
    time: T1,
    step: 500,
    ...over,
  };
}

const kv = (list: readonly MlflowKeyValue[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((t) => [t.key, t.value]));

describe('MlflowTracker against a real MLflow server', { skip }, () => {
  let server: MlflowServer;
  let client: MlflowRestClient;

  before(
    async () => {
      if (typeof found === 'string') return;
      server = await startMlflowServer(found);
      client = new MlflowRestClient({ trackingUri: server.url });
      process.stderr.write(`# MLflow ${server.version} (${found.how}) on ${server.url}\n`);
    },
    { timeout: 240_000 },
  );
  after(() => server?.stop());

  function tracker(t: TestContext, experimentName = 'tickflow-test'): MlflowTracker {
    const tr = new MlflowTracker({ trackingUri: server.url, experimentName, logger: silentLogger(), retryBaseMs: 50, retryMaxMs: 200 });
    t.after(() => tr.close(5_000));
    return tr;
  }

  async function metricHistory(runId: string, key: string): Promise<{ value: number; step: number; timestamp: number }[]> {
    const q = new URLSearchParams({ run_id: runId, metric_key: key });
    const r = (await (await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?${q}`)).json()) as {
      metrics?: { value: number; step: number; timestamp: number }[];
    };
    return (r.metrics ?? []).map(({ value, step, timestamp }) => ({ value, step, timestamp })).sort((a, b) => a.step - b.step);
  }

  test('a model version becomes an experiment run, its params, metrics, state and a registered version with the champion alias', async (t) => {
    const tr = tracker(t);
    const v = version({ champion: true, reason: 'champion', status: 'champion', detail: 'DM test p=0.01 against zero' });
    const key = tr.logModelVersion(v);
    assert.equal(key, 'binance:BTCUSDT 1m rls v3');
    assert.equal(await tr.flush(30_000), true);
    const stats = tr.stats();
    assert.equal(stats.failed, 0, stats.lastError ?? '');
    assert.equal(stats.skippedMetrics, 2, 'NaN and null are not sent');

    const exp = await client.getExperimentByName('tickflow-test');
    assert.ok(exp, 'the experiment was created');
    const ref = tr.runOf(key);
    assert.ok(ref);
    const run = await client.getRun(ref.runId);
    assert.equal(run.info.run_name, key);
    assert.equal(run.info.experiment_id, exp.experiment_id);
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.start_time, T1);

    const params = kv(run.data?.params);
    assert.deepEqual(params, {
      lambda: '0.999',
      delta: '100',
      intercept: 'true',
      features: 'ret_1,ret_5,rsi_14',
      feature_count: '3',
      trained_from: '2026-02-01T00:00:00.000Z',
      trained_to: '2026-02-01T08:19:00.000Z',
    });
    const tags = kv(run.data?.tags);
    assert.equal(tags['instrument'], 'binance:BTCUSDT');
    assert.equal(tags['interval'], '1m');
    assert.equal(tags['model'], 'rls');
    assert.equal(tags['kind'], 'rls');
    assert.equal(tags['tickflow.version'], '3');
    assert.equal(tags['champion'], 'true');
    assert.equal(tags['reason'], 'champion');
    assert.equal(tags['mlflow.note.content'], 'DM test p=0.01 against zero');

    const metrics = Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, m]));
    assert.deepEqual(Object.keys(metrics).sort(), ['cumulative.n', 'cumulative.rmse']);
    assert.equal(metrics['cumulative.rmse']?.value, 0.0012);
    assert.equal(metrics['cumulative.rmse']?.step, 500);
    assert.equal(metrics['cumulative.rmse']?.timestamp, T1);

    const artifactUri = run.info.artifact_uri;
    assert.ok(artifactUri);
    const state = await client.downloadArtifact(artifactUri, 'model/state.json');
    assert.ok(state !== null, `artifact root ${artifactUri} is served by the proxy`);
    assert.deepEqual(JSON.parse(state), v.state);

    const name = registeredModelName(v);
    assert.equal(name, 'tickflow.binance.BTCUSDT.1m.rls');
    const registered = tr.registeredVersionOf(key);
    assert.ok(registered);
    assert.equal(registered.name, name);
    const rm = await client.getRegisteredModel(name);
    assert.equal(kv(rm.tags)['instrument'], 'binance:BTCUSDT');
    assert.deepEqual(rm.aliases, [{ alias: 'champion', version: registered.version }]);

    const champion = await client.getModelVersionByAlias(name, 'champion');
    assert.equal(champion.version, registered.version);
    assert.equal(champion.run_id, ref.runId);
    assert.equal(champion.source, `${artifactUri}/model`);
    assert.equal(kv(champion.tags)['tickflow.version'], '3');
    assert.equal(kv(champion.tags)['champion'], 'true');
    assert.match(champion.description ?? '', /tickflow version 3, trained on bars from 2026-02-01T00:00:00.000Z/);
  });

  test('logMetrics appends to the open run; the next version ends it; close ends the last', async (t) => {
    const tr = tracker(t);
    const v1 = version({ model: 'logistic', kind: 'logistic', version: 1, metrics: { rmse: 2 }, step: 0 });
    const k1 = tr.logModelVersion(v1);
    tr.logMetrics(k1, { rmse: 1, auc: Infinity }, 1, T1 + 60_000);
    tr.logMetrics(k1, { rmse: 0.5 }, 2, T1 + 120_000);
    const k2 = tr.logModelVersion({ ...v1, version: 2, time: T1 + 180_000, step: 3, metrics: { rmse: 0.4 } });
    assert.equal(await tr.flush(30_000), true);
    assert.equal(tr.stats().failed, 0, tr.stats().lastError ?? '');
    assert.equal(tr.stats().skippedMetrics, 1);

    const r1 = tr.runOf(k1);
    const r2 = tr.runOf(k2);
    assert.ok(r1 && r2);
    assert.notEqual(r1.runId, r2.runId, 'one run per version');
    assert.deepEqual(await metricHistory(r1.runId, 'rmse'), [
      { value: 2, step: 0, timestamp: T1 },
      { value: 1, step: 1, timestamp: T1 + 60_000 },
      { value: 0.5, step: 2, timestamp: T1 + 120_000 },
    ]);
    const run1 = await client.getRun(r1.runId);
    assert.equal(run1.info.status, 'FINISHED');
    assert.ok(run1.info.end_time !== undefined);
    assert.equal((await client.getRun(r2.runId)).info.status, 'RUNNING');

    const name = registeredModelName(v1);
    const versions = await client.searchModelVersions(`name = '${name}'`);
    assert.deepEqual(versions.map((m) => kv(m.tags)['tickflow.version']).sort(), ['1', '2']);
    await assert.rejects(client.getModelVersionByAlias(name, 'champion'), MlflowApiError, 'no champion, no alias');

    await tr.close(10_000);
    assert.equal((await client.getRun(r2.runId)).info.status, 'FINISHED');
  });

  test('the same version logged again (a restart) reuses its run and its registered version', async (t) => {
    const v = version({ model: 'drift', kind: 'baseline', version: 1, params: {} });
    const first = tracker(t);
    const key = first.logModelVersion(v);
    await first.close(10_000);
    const before = { run: first.runOf(key), registered: first.registeredVersionOf(key) };
    assert.ok(before.run && before.registered);

    const second = tracker(t);
    second.logModelVersion(v);
    assert.equal(await second.flush(30_000), true);
    assert.equal(second.stats().failed, 0, second.stats().lastError ?? '');
    assert.deepEqual(second.runOf(key), before.run);
    assert.deepEqual(second.registeredVersionOf(key), before.registered);
    assert.equal((await client.getRun(before.run.runId)).info.status, 'RUNNING', 'reopened');
    assert.equal((await client.searchModelVersions(`name = '${registeredModelName(v)}'`)).length, 1);
  });

  test("the champion alias follows the series' champion from one model to another", async (t) => {
    const tr = tracker(t);
    const eth = { instrument: 'binance:ETHUSDT', interval: '5m' };
    const rls = version({ ...eth, model: 'rls', version: 1, champion: true });
    const logistic = version({ ...eth, model: 'logistic', kind: 'logistic', version: 4, champion: true });
    tr.logModelVersion(rls);
    tr.logModelVersion(logistic);
    assert.equal(await tr.flush(30_000), true);
    assert.equal(tr.stats().failed, 0, tr.stats().lastError ?? '');
    const now = await client.getModelVersionByAlias(registeredModelName(logistic), 'champion');
    assert.equal(kv(now.tags)['tickflow.version'], '4');
    assert.deepEqual((await client.getRegisteredModel(registeredModelName(rls))).aliases ?? [], []);
  });

  test('a request MLflow refuses is counted and logged, never thrown or retried', async (t) => {
    const tr = tracker(t);
    const v = version({ model: 'sign', kind: 'baseline', version: 1, params: { window: 5 } });
    tr.logModelVersion(v);
    assert.equal(await tr.flush(30_000), true);
    // The same version with another param value: MLflow never changes a logged param.
    tr.logModelVersion({ ...v, params: { window: 6 } });
    assert.equal(await tr.flush(30_000), true);
    const s = tr.stats();
    assert.equal(s.failed, 1);
    assert.equal(s.retries, 0, 'a 4xx answer is not retried');
    assert.match(s.lastError ?? '', /HTTP 400 INVALID_PARAMETER_VALUE/);
  });

  test('a missing experiment name is created once; an existing one is reused', async (t) => {
    const a = tracker(t, 'tickflow-shared');
    const b = tracker(t, 'tickflow-shared');
    const ka = a.logModelVersion(version({ model: 'a', version: 1 }));
    const kb = b.logModelVersion(version({ model: 'b', version: 1 }));
    assert.deepEqual(await Promise.all([a.flush(30_000), b.flush(30_000)]), [true, true]);
    const ra = a.runOf(ka);
    const rb = b.runOf(kb);
    assert.ok(ra && rb, `${a.stats().lastError} ${b.stats().lastError}`);
    const [runA, runB] = await Promise.all([client.getRun(ra.runId), client.getRun(rb.runId)]);
    assert.equal(runA.info.experiment_id, runB.info.experiment_id);
  });

  test('a replay with MLFLOW_TRACKING_URI set logs its model versions: a registered model per series model, the champion aliased', async () => {
    const data = tempDir();
    try {
      const r = await cliResult(['replay', SAMPLE, '--data-dir', data.dir, '--intervals', '1m', '--forecast-intervals', '1m', '--json'], {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_EXPERIMENT_NAME: 'tickflow-replay',
      });
      assert.equal(r.code, 0, r.stderr);
      assert.ok((JSON.parse(r.stdout) as { predictions: number }).predictions > 1000);
      // one day of 1m bars: ~1356 labels, so one snapshot version of each of the 5 models (every 1000 labels)
      for (const model of ['zero', 'drift', 'sign-persistence', 'rls', 'logistic']) {
        const name = registeredModelName({ instrument: 'binance:LTCUSDT', interval: '1m', model });
        const versions = await client.searchModelVersions(`name='${name}'`);
        assert.ok(versions.length >= 1, `${name}: ${versions.length} versions`);
      }
      const champion = await client.getModelVersionByAlias(
        registeredModelName({ instrument: 'binance:LTCUSDT', interval: '1m', model: 'zero' }),
        'champion',
      );
      assert.ok(champion.version, 'the random walk is the champion until a model beats it');
    } finally {
      data.cleanup();
    }
  });
});
