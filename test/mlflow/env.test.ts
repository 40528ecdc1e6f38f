// MLflow tracking is configured by MLflow's own environment variables: off when
// MLFLOW_TRACKING_URI is unset, a clear CONFIG_INVALID when it is malformed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTickflowError } from '../../src/core/index.js';
import { silentLogger } from '../../src/obs/index.js';
import { MlflowTracker, mlflowConnectionFromEnv, mlflowFromEnv } from '../../src/mlflow/index.js';

const configInvalid =
  (re: RegExp) =>
  (e: unknown): boolean =>
    isTickflowError(e) && e.code === 'CONFIG_INVALID' && re.test(e.message);

test('no MLFLOW_TRACKING_URI (or an empty one): tracking is off', () => {
  assert.equal(mlflowFromEnv({}, silentLogger()), null);
  assert.equal(mlflowFromEnv({ MLFLOW_TRACKING_URI: '  ', MLFLOW_TRACKING_TOKEN: 't' }, silentLogger()), null);
  assert.equal(mlflowConnectionFromEnv({ MLFLOW_EXPERIMENT_NAME: 'x' }), null);
});

test('a tracking server URL gives a tracker on the default experiment, without a trailing slash', async () => {
  const tr = mlflowFromEnv({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/' }, silentLogger());
  assert.ok(tr instanceof MlflowTracker);
  assert.equal(tr.experimentName, 'tickflow');
  assert.equal(tr.client.trackingUri, 'http://127.0.0.1:5000');
  await tr.close(100);
  assert.deepEqual(
    mlflowConnectionFromEnv({ MLFLOW_TRACKING_URI: 'https://mlflow.example/prefix/', MLFLOW_EXPERIMENT_NAME: 'prod models' }),
    {
      trackingUri: 'https://mlflow.example/prefix',
      experimentName: 'prod models',
      headers: {},
    },
  );
});

test('a malformed or non-REST tracking URI is refused with CONFIG_INVALID naming the variable', () => {
  const cases: [string, RegExp][] = [
    ['not a url', /not a URL/],
    ['localhost:5000', /'localhost:' is not http: or https:/],
    ['file:///tmp/mlruns', /'file:' is not http: or https:/],
    ['sqlite:///mlflow.db', /'sqlite:' is not http: or https:/],
    ['databricks', /not a URL/],
    ['http://127.0.0.1:5000/?x=1', /query or fragment/],
  ];
  for (const [uri, why] of cases) {
    assert.throws(() => mlflowConnectionFromEnv({ MLFLOW_TRACKING_URI: uri }), configInvalid(/^MLFLOW_TRACKING_URI=/), uri);
    assert.throws(() => mlflowFromEnv({ MLFLOW_TRACKING_URI: uri }, silentLogger()), configInvalid(why), uri);
  }
});

test('credentials: a token is a bearer, a username and password are basic auth and win, as in MLflow', () => {
  const base = { MLFLOW_TRACKING_URI: 'http://mlflow:5000' };
  assert.deepEqual(mlflowConnectionFromEnv({ ...base, MLFLOW_TRACKING_TOKEN: 'tok' })?.headers, { Authorization: 'Bearer tok' });
  const basic = `Basic ${Buffer.from('ann:pw:1').toString('base64')}`;
  assert.deepEqual(
    mlflowConnectionFromEnv({ ...base, MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw:1', MLFLOW_TRACKING_TOKEN: 'tok' })
      ?.headers,
    { Authorization: basic },
  );
  assert.throws(
    () => mlflowConnectionFromEnv({ ...base, MLFLOW_TRACKING_USERNAME: 'ann' }),
    configInvalid(/MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD go together/),
  );
});

test('credentials in the URL become basic auth and leave the URL (fetch refuses them); errors do not show the password', () => {
  const c = mlflowConnectionFromEnv({ MLFLOW_TRACKING_URI: 'https://ann:p%40ss@mlflow.example' });
  assert.equal(c?.trackingUri, 'https://mlflow.example');
  assert.deepEqual(c?.headers, { Authorization: `Basic ${Buffer.from('ann:p@ss').toString('base64')}` });
  assert.throws(
    () => mlflowConnectionFromEnv({ MLFLOW_TRACKING_URI: 'ftp://ann:secret@mlflow.example' }),
    (e: unknown) => configInvalid(/ann:\*\*\*@/)(e) && !(e as Error).message.includes('secret'),
  );
});
