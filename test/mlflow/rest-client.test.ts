// The REST client's URLs and its error classification (what the tracker retries).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import { MlflowApiError, MlflowRestClient } from '../../src/mlflow/index.js';

test('artifact URLs: the mlflow-artifacts proxy (with or without a host), http roots, and none for s3', () => {
  const c = new MlflowRestClient({ trackingUri: 'https://mlflow.example/prefix/' });
  assert.equal(c.trackingUri, 'https://mlflow.example/prefix');
  assert.equal(
    c.artifactUrl('mlflow-artifacts:/1/abc/artifacts', 'model/state.json'),
    'https://mlflow.example/prefix/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/state.json',
  );
  assert.equal(
    c.artifactUrl('mlflow-artifacts://proxy:8080/1/abc/artifacts/', 'model/a b.json'),
    'https://proxy:8080/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/a%20b.json',
  );
  assert.equal(
    c.artifactUrl('http://store:9000/api/2.0/mlflow-artifacts/artifacts/1/abc', 'x'),
    'http://store:9000/api/2.0/mlflow-artifacts/artifacts/1/abc/x',
  );
  assert.equal(c.artifactUrl('s3://bucket/1/abc/artifacts', 'x'), null);
  assert.equal(c.artifactUrl('file:///tmp/mlruns/1/abc/artifacts', 'x'), null);
});

async function answering(t: TestContext, status: number, body: string): Promise<MlflowRestClient> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return new MlflowRestClient({ trackingUri: `http://127.0.0.1:${addr.port}` });
}

test('errors: 5xx and 429 may be retried, 401/403 are the credentials, other 4xx are final', async (t) => {
  const cases: [number, string, string, boolean, string | null][] = [
    [503, 'busy', 'UNAVAILABLE', true, null],
    [429, '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}', 'UNAVAILABLE', true, 'REQUEST_LIMIT_EXCEEDED'],
    [401, 'You are not authenticated', 'CONFIG_INVALID', false, null],
    [403, '{"error_code":"PERMISSION_DENIED","message":"no"}', 'CONFIG_INVALID', false, 'PERMISSION_DENIED'],
    [404, '<html>Not Found</html>', 'INTERNAL', false, null],
    [400, '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad\\nsecond line"}', 'INTERNAL', false, 'INVALID_PARAMETER_VALUE'],
  ];
  for (const [status, body, code, canRetry, mlflowCode] of cases) {
    const c = await answering(t, status, body);
    await assert.rejects(
      c.getRun('r1'),
      (e: unknown) =>
        e instanceof MlflowApiError &&
        e.code === code &&
        e.canRetry === canRetry &&
        e.mlflowCode === mlflowCode &&
        e.httpStatus === status &&
        e.message.startsWith(`MLflow GET runs/get: HTTP ${status}`) &&
        !e.message.includes('second line'),
      `HTTP ${status}`,
    );
  }
});

test('a 200 whose body is not what the API documents is an INTERNAL error, not a crash', async (t) => {
  const c = await answering(t, 200, '{"run":{"info":{}}}');
  await assert.rejects(
    c.getRun('r1'),
    (e: unknown) => e instanceof MlflowApiError && e.code === 'INTERNAL' && /unexpected answer/.test(e.message),
  );
  const d = await answering(t, 200, 'not json');
  await assert.rejects(d.getRun('r1'), (e: unknown) => e instanceof MlflowApiError && e.code === 'INTERNAL' && /not JSON/.test(e.message));
});
