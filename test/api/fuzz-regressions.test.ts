import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers.js';
import { assertErrorBody, harness, type Harness } from './harness.js';
import { assertConformsToDocument, openApiDocument } from './openapi-conformance.js';

/**
 * What Schemathesis found fuzzing the API from its OpenAPI document (test/fuzz), one test per
 * finding, each failing without its fix. Findings in one route's answers are in that route's
 * test file (test/api/routes/models.test.ts: /api/predictions' documented item schema).
 */

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A request over a real socket with the path sent exactly as given (inject and fetch would parse or normalize it). */
function raw(base: string, method: string, path: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('fuzz regressions: answers before routing', () => {
  let h: Harness;
  let base: string;
  before(async () => {
    h = await harness();
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => h.app.close());

  it('a URL over 16 KiB is a 431 in the API error shape (Node refuses it before Fastify; it used to answer {"error":"Request Header Fields Too Large"})', async () => {
    const r = await raw(base, 'GET', `/api/rejects?cursor=${'A'.repeat(17_000)}`);
    assert.equal(r.status, 431);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assertErrorBody(JSON.parse(r.body), 'OVERSIZED');
    assertConformsToDocument(await openApiDocument(h.app), 'GET', '/api/rejects', 431, JSON.parse(r.body));
  });

  it('bytes that are not HTTP get a 400 in the API error shape too (same handler as the 431)', async () => {
    const { hostname, port } = new URL(base);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = connect(Number(port), hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assertErrorBody(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), 'BAD_REQUEST');
  });

  it('a model id of the documented 200 characters reaches the route (the router cut path parameters at 100 with a 414)', async () => {
    const id = `binance:BTCUSDT~1m~${'m'.repeat(200 - 'binance:BTCUSDT~1m~'.length)}`;
    const r = await raw(base, 'GET', `/api/models/${encodeURIComponent(id)}`);
    assert.equal(r.status, 404, r.body);
    assertErrorBody(JSON.parse(r.body), 'NOT_FOUND');
  });

  it('a path parameter too long for the router is a 414 in the API error shape', async () => {
    const r = await raw(base, 'GET', `/api/models/${'x'.repeat(2000)}`);
    assert.equal(r.status, 414);
    assert.match(assertErrorBody(JSON.parse(r.body), 'OVERSIZED').error.message, /path parameter .* is too long/);
    assertConformsToDocument(await openApiDocument(h.app), 'GET', '/api/models/{id}', 414, JSON.parse(r.body));
  });

  it('a malformed percent-escape in the path is a 400 in the API error shape (it was Fastify\'s {"error":"Bad Request","code":"FST_ERR_BAD_URL"})', async () => {
    const r = await raw(base, 'GET', '/api/models/%zz');
    assert.equal(r.status, 400);
    assert.match(assertErrorBody(JSON.parse(r.body), 'BAD_REQUEST').error.message, /not valid percent-encoding/);
    assertConformsToDocument(await openApiDocument(h.app), 'GET', '/api/models/{id}', 400, JSON.parse(r.body));
  });

  it('/ws query lists at their documented maximum lengths fit in a request Node accepts (instruments allowed 20000 characters, over the 16 KiB limit)', async () => {
    const doc = await openApiDocument(h.app);
    const paths = doc['paths'] as Record<string, { get: { parameters: { name: string; schema: { maxLength: number } }[] } }>;
    const params = paths['/ws']?.get.parameters ?? [];
    assert.deepEqual(params.map((p) => p.name).sort(), ['channels', 'instruments', 'intervals']);
    const query = params.map((p) => `${p.name}=${'a'.repeat(p.schema.maxLength)}`).join('&');
    const r = await raw(base, 'GET', `/ws?${query}`);
    // A plain GET (no Upgrade) of the WebSocket route: the documented 426, not a 431 before routing.
    assert.equal(r.status, 426, r.body);
  });
});

describe('fuzz regressions: methods a route does not have', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  for (const [method, url, allow] of [
    ['TRACE', '/api/bars?instrument=binance:BTCUSDT', 'GET, HEAD, OPTIONS'],
    ['POST', '/api/instruments', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/models/binance%3ABTCUSDT~1m~rls', 'GET, HEAD, OPTIONS'],
    ['PUT', '/api/models/binance%3ABTCUSDT~1m~rls/promote', 'POST, OPTIONS'],
    ['GET', '/predict', 'POST, OPTIONS'],
  ] as const) {
    it(`${method} ${url.split('?')[0] ?? url} is 405 METHOD_NOT_ALLOWED with Allow: ${allow} (it was 404 "no route")`, async () => {
      const r = await h.app.inject({ method, url });
      assert.equal(r.statusCode, 405, r.body);
      assert.equal(r.headers['allow'], allow);
      assert.match(assertErrorBody(r.json(), 'METHOD_NOT_ALLOWED').error.message, new RegExp(`^${method} is not allowed on /`));
    });
  }

  it('QUERY without a Content-Type is 405, not a 400 about its missing body', async () => {
    const r = await h.app.inject({ method: 'QUERY', url: '/api/models/binance%3ABTCUSDT~1m~rls' });
    assert.equal(r.statusCode, 405, r.body);
    assertErrorBody(r.json(), 'METHOD_NOT_ALLOWED');
  });

  it('a POST with a broken JSON body to a GET-only route is 405 too', async () => {
    const r = await h.app.inject({ method: 'POST', url: '/api/stats', payload: '{"a":', headers: { 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 405, r.body);
  });

  it('a path no route has is still 404 NOT_FOUND, whatever the method', async () => {
    for (const method of ['GET', 'TRACE', 'POST'] as const) {
      const r = await h.app.inject({ method, url: '/api/nothing-here' });
      assert.equal(r.statusCode, 404, `${method}: ${r.body}`);
      assertErrorBody(r.json(), 'NOT_FOUND');
    }
  });

  it("with the dashboard's catch-all file route, unknown paths stay 404 and POST-only routes still answer 405 to GET", async () => {
    const web = tempDir('tickflow-fuzz-static-');
    const s = await harness({ staticDir: web.dir });
    try {
      const missing = await s.app.inject('/no-such-page');
      assert.equal(missing.statusCode, 404, missing.body);
      const get = await s.app.inject('/predict');
      assert.equal(get.statusCode, 405, get.body);
      assert.equal(get.headers['allow'], 'POST, OPTIONS');
    } finally {
      await s.app.close();
      web.cleanup();
    }
  });
});

describe('fuzz regressions: the OpenAPI document', () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.app.close());

  it("is valid OpenAPI 3.0: a price's 'x > 0' is minimum 0 + exclusiveMinimum true, never 2020-12's numeric exclusiveMinimum", async () => {
    const doc = await openApiDocument(h.app);
    assert.equal(doc['openapi'], '3.0.3');
    const numeric: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'exclusiveMinimum' || k === 'exclusiveMaximum') && typeof v === 'number') numeric.push(`${at}/${k}`);
        walk(v, `${at}/${k}`);
      }
    };
    walk(doc, '#');
    assert.deepEqual(numeric, []);
    const body = (
      doc['paths'] as Record<
        string,
        Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>
      >
    )['/predict']?.['post']?.requestBody.content['application/json']?.schema.properties;
    assert.deepEqual(
      { ...(body?.['open'] as object), description: undefined, example: undefined },
      {
        type: 'number',
        minimum: 0,
        exclusiveMinimum: true,
        description: undefined,
        example: undefined,
      },
    );
  });
});
