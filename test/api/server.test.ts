import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { TickflowError } from '../../src/core/index.js';
import { createApiServer, HealthSchema, IndexSchema, startApiServer } from '../../src/api/index.js';
import { tempDir } from '../helpers.js';
import { FakeStore } from './fake-store.js';
import { assertErrorBody, assertMatches, BTC, harness } from './harness.js';

/** Every route the API serves; the OpenAPI document must list exactly these. */
const ROUTES = [
  '/',
  '/health',
  '/ready',
  '/metrics',
  '/openapi.json',
  '/api/instruments',
  '/api/bars',
  '/api/bars/latest',
  '/api/gaps',
  '/api/indicators',
  '/api/volatility',
  '/api/alerts',
  '/api/windows',
  '/api/rejects',
  '/api/late',
  '/api/stats',
  '/api/symbols',
  '/api/ohlc',
  '/api/ohlc/',
  '/api/ohlc/latest',
  '/api/volatility/',
  '/model/info',
  '/predict',
  '/batch_predict',
  '/model/reload',
  '/api/models',
  '/api/models/{id}',
  '/api/models/{id}/versions',
  '/api/models/{id}/versions/{version}',
  '/api/models/{id}/promote',
  '/api/predictions',
  '/ws',
];

interface Operation {
  tags?: string[];
  description?: string;
  summary?: string;
  parameters?: { name: string; in: string }[];
  responses?: Record<string, unknown>;
}

describe('server', () => {
  it('GET /health: ok with version and uptime', async () => {
    const h = await harness();
    try {
      const r = await h.app.inject('/health');
      assert.equal(r.statusCode, 200);
      assertMatches(HealthSchema, r.json());
      assert.equal(r.json().status, 'ok');
      assert.equal(r.json().store, 'ok');
      assert.equal(r.json().version, '9.9.9-test');
    } finally {
      await h.app.close();
    }
  });

  it('GET /health: 503 when the store query fails', async () => {
    const h = await harness();
    try {
      await h.app.ready();
      h.store.failWith = new Error('disk I/O error');
      const r = await h.app.inject('/health');
      assert.equal(r.statusCode, 503);
      assertMatches(HealthSchema, r.json());
      assert.equal(r.json().store, 'error');
      assert.match(r.json().message, /disk I\/O error/);
    } finally {
      await h.app.close();
    }
  });

  it('GET /metrics: default process metrics and request durations by route template', async () => {
    const h = await harness();
    try {
      await h.app.inject(`/api/bars/latest?instrument=${BTC}`);
      const r = await h.app.inject('/metrics');
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.match(r.body, /^process_cpu_user_seconds_total /m);
      assert.match(r.body, /^tickflow_http_request_duration_seconds_bucket\{.*route="\/api\/bars\/latest".*\} \d+/m);
      assert.match(r.body, /^tickflow_ws_clients /m);
      // the pipeline's counters, read from its stats at scrape time
      const stats = h.live?.stats();
      assert.ok(stats);
      assert.match(r.body, new RegExp(`^tickflow_trades_total\\{outcome="accepted"\\} ${stats.trades.accepted}$`, 'm'));
      assert.match(r.body, /^tickflow_watermark_lag_seconds /m);
      assert.match(r.body, /^tickflow_stage_records_per_second\{stage="[a-z]+"\} /m);
    } finally {
      await h.app.close();
    }
  });

  it('GET /openapi.json lists every route, tagged, with a response schema; /docs serves Swagger UI', async () => {
    const h = await harness();
    try {
      const doc = (await h.app.inject('/openapi.json')).json();
      assert.equal(doc.info.title, 'tickflow');
      assert.equal(doc.info.version, '9.9.9-test');
      assert.ok(doc.info.description.length > 50);
      const tags = doc.tags.map((t: { name: string }) => t.name);
      for (const t of ['bars', 'indicators', 'alerts', 'stats', 'compat']) assert.ok(tags.includes(t), `tag ${t}`);
      assert.deepEqual(Object.keys(doc.paths).sort(), [...ROUTES].sort());
      for (const [path, item] of Object.entries<Record<string, Operation>>(doc.paths)) {
        const op = item['get'] ?? item['post'];
        assert.ok(op, `${path} has GET or POST`);
        assert.ok(op.tags && op.tags.length > 0 && op.tags.every((t) => tags.includes(t)), `${path} is tagged with a declared tag`);
        assert.ok(op.responses && Object.keys(op.responses).some((s) => /^[123]/.test(s)), `${path} documents its success response`);
        if (path.startsWith('/api/')) assert.ok(op.responses?.['4XX'] ?? op.responses?.['4xx'], `${path} documents the error body`);
        if (op.tags.includes('compat') && !['/api/ohlc'].includes(path))
          assert.match(op.description ?? '', /seed/, `${path} says which seed route it mirrors`);
      }
      const bars = doc.paths['/api/bars'].get as Operation;
      assert.deepEqual(bars.parameters?.map((p) => p.name).sort(), ['cursor', 'from', 'instrument', 'interval', 'limit', 'order', 'to']);
      const ui = await h.app.inject('/docs');
      assert.equal(ui.statusCode, 200);
      assert.match(ui.body, /swagger/i);
    } finally {
      await h.app.close();
    }
  });

  it('GET / without a dashboard directory: a JSON index of links', async () => {
    const h = await harness();
    try {
      const r = await h.app.inject('/');
      assertMatches(IndexSchema, r.json());
      assert.equal(r.json().links.docs, '/docs');
    } finally {
      await h.app.close();
    }
  });

  it('serves the dashboard from staticDir at /, and unknown files get the JSON 404', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'index.html'), '<!doctype html><title>tickflow dashboard</title>');
    const h = await harness({ staticDir: tmp.dir });
    try {
      const r = await h.app.inject('/');
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.body, /tickflow dashboard/);
      const missing = await h.app.inject('/nope.js');
      assert.equal(missing.statusCode, 404);
      assertErrorBody(missing.json(), 'NOT_FOUND');
      assert.equal((await h.app.inject('/health')).statusCode, 200);
    } finally {
      await h.app.close();
      tmp.cleanup();
    }
  });

  it('unknown routes: 404 NOT_FOUND; a method a route lacks: 405 METHOD_NOT_ALLOWED with Allow (fuzz-regressions.test.ts)', async () => {
    const h = await harness();
    try {
      for (const req of [{ url: '/api/nope' }, { url: '/api/nope', method: 'POST' as const }, { url: '/definitely/not/here?x=1' }]) {
        const r = await h.app.inject(req);
        assert.equal(r.statusCode, 404);
        assert.match(assertErrorBody(r.json(), 'NOT_FOUND').error.message, /no route/);
      }
      const post = await h.app.inject({ url: '/api/bars', method: 'POST' });
      assert.equal(post.statusCode, 405);
      assert.equal(post.headers['allow'], 'GET, HEAD, OPTIONS');
      assertErrorBody(post.json(), 'METHOD_NOT_ALLOWED');
    } finally {
      await h.app.close();
    }
  });

  it('store failures: TickflowError codes map to their status; anything else is a 500 that leaks nothing', async () => {
    const h = await harness();
    try {
      await h.app.ready();
      h.store.failWith = new Error('Binder Error: column "secret_col" does not exist');
      const internal = await h.app.inject('/api/rejects');
      assert.equal(internal.statusCode, 500);
      const body = assertErrorBody(internal.json(), 'INTERNAL');
      assert.doesNotMatch(body.error.message, /secret_col/);
      assert.equal(typeof (body.error.details as { requestId?: unknown }).requestId, 'string');
      h.store.failWith = new TickflowError('UNAVAILABLE', 'store is reopening; retry in a moment');
      const unavailable = await h.app.inject('/api/rejects');
      assert.equal(unavailable.statusCode, 503);
      assertErrorBody(unavailable.json(), 'UNAVAILABLE');
    } finally {
      await h.app.close();
    }
  });

  it('CORS: any origin may GET; preflights are answered', async () => {
    const h = await harness();
    try {
      const r = await h.app.inject({ url: '/api/symbols', headers: { origin: 'https://example.org' } });
      assert.equal(r.headers['access-control-allow-origin'], '*');
      assert.match(String(r.headers['access-control-expose-headers']), /x-tickflow-instrument/);
      const pre = await h.app.inject({
        method: 'OPTIONS',
        url: '/api/bars',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-trace' },
      });
      assert.equal(pre.statusCode, 204);
      assert.equal(pre.headers['access-control-allow-origin'], '*');
      assert.match(String(pre.headers['access-control-allow-methods']), /GET/);
      assert.equal(pre.headers['access-control-allow-headers'], 'x-trace');
      assert.doesNotMatch(String(pre.headers['access-control-allow-methods']), /POST/);
      const prePredict = await h.app.inject({
        method: 'OPTIONS',
        url: '/predict',
        headers: { origin: 'https://example.org', 'access-control-request-method': 'POST' },
      });
      assert.match(String(prePredict.headers['access-control-allow-methods']), /POST/, "any page may call the seed's /predict");
    } finally {
      await h.app.close();
    }
  });

  it('a POST that changes the pipeline is refused from another origin (403 FORBIDDEN), accepted from its own or none', async () => {
    const h = await harness({ models: { promote: async () => null } });
    try {
      const url = `/api/models/${encodeURIComponent('binance:BTCUSDT~1m~zero')}/promote`;
      for (const path of [url, '/model/reload']) {
        const r = await h.app.inject({ method: 'POST', url: path, headers: { origin: 'https://evil.example' } });
        assert.equal(r.statusCode, 403, path);
        assertErrorBody(r.json(), 'FORBIDDEN');
      }
      const own = await h.app.inject({ method: 'POST', url, headers: { origin: 'http://localhost:80', host: 'localhost:80' } });
      assert.notEqual(own.statusCode, 403);
      const script = await h.app.inject({ method: 'POST', url });
      assert.notEqual(script.statusCode, 403);
    } finally {
      await h.app.close();
    }
  });

  it('GET /ws without an upgrade: 426 saying to use a WebSocket client', async () => {
    const h = await harness();
    try {
      const r = await h.app.inject('/ws');
      assert.equal(r.statusCode, 426);
      assert.match(assertErrorBody(r.json(), 'BAD_REQUEST').error.message, /WebSocket/);
    } finally {
      await h.app.close();
    }
  });

  it('refuses a bad configured interval with CONFIG_INVALID', async () => {
    await assert.rejects(createApiServer({ store: new FakeStore(), version: '1', intervals: ['1m', '7m'] }), (e: unknown) => {
      assert.ok(e instanceof TickflowError);
      assert.equal(e.code, 'CONFIG_INVALID');
      return true;
    });
  });

  it('logs through a given pino logger (requests at debug)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const app = await createApiServer({ store: new FakeStore(), version: '1', intervals: ['1m'], logger });
    try {
      assert.equal((await app.inject('/api/symbols')).statusCode, 200);
      assert.ok(
        lines.some((l) => l.includes('/api/symbols')),
        'request logged',
      );
      const before = lines.length;
      await app.inject('/health');
      assert.equal(lines.length, before, 'hot and polled routes log only warnings');
    } finally {
      await app.close();
    }
  });

  it('startApiServer listens and reports its url', async () => {
    const server = await startApiServer({ store: new FakeStore(), version: '1', intervals: ['1m'], host: '127.0.0.1', port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await fetch(`${server.url}/health`);
      assert.equal(r.status, 200);
      assert.equal(((await r.json()) as { status: string }).status, 'ok');
    } finally {
      await server.close();
    }
  });
});
