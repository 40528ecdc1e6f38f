import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { TickflowError } from '../../src/core/index.js';
import { ApiKey, createApiServer, isLoopback, startApiServer } from '../../src/api/index.js';
import { parseCorsOrigins } from '../../src/api/cors.js';
import { inlineScriptHashes } from '../../src/api/security-headers.js';
import { parseTrustProxy } from '../../src/api/security.js';
import type { BarQuery, Page } from '../../src/store/store.js';
import type { Bar } from '../../src/core/index.js';
import { tempDir, waitFor } from '../helpers.js';
import { FakeStore } from './fake-store.js';
import { assertErrorBody, BTC, harness, seededStore } from './harness.js';

const KEY = 'test-key-0123456789abcdef';
const key = ApiKey.parse(KEY, 'test');
const PROMOTE = `/api/models/${encodeURIComponent(`${BTC}~1m~zero`)}/promote`;
const promoteStub = { promote: async () => null };
/** A client on another machine (inject comes from 127.0.0.1 otherwise). */
const REMOTE = '203.0.113.7';

describe('API key on state-changing routes', () => {
  it('a server bound beyond loopback without a key is refused at creation', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'tickflow.example.com']) {
      await assert.rejects(
        createApiServer({ store: new FakeStore(), version: '1', intervals: ['1m'], security: { host } }),
        (e: unknown) => {
          assert.ok(e instanceof TickflowError);
          assert.equal(e.code, 'CONFIG_INVALID');
          assert.match(e.message, /--api-key-file/);
          assert.match(e.message, /TICKFLOW_API_KEY/);
          return true;
        },
      );
    }
    const app = await createApiServer({
      store: new FakeStore(),
      version: '1',
      intervals: ['1m'],
      security: { host: '0.0.0.0', apiKey: key },
    });
    await app.close();
  });

  it('401 without the key or with a wrong one; the key as Bearer or x-api-key passes', async () => {
    const h = await harness({ models: promoteStub, security: { host: '0.0.0.0', apiKey: key } });
    try {
      for (const url of [PROMOTE, '/model/reload']) {
        const none = await h.app.inject({ method: 'POST', url, remoteAddress: REMOTE });
        assert.equal(none.statusCode, 401, url);
        assert.match(assertErrorBody(none.json(), 'UNAUTHORIZED').error.message, /Authorization: Bearer <key>.*x-api-key/);
        assert.equal(none.headers['www-authenticate'], 'Bearer realm="tickflow"');
        for (const headers of [
          { authorization: 'Bearer wrong-key-0123456789' },
          { 'x-api-key': `${KEY}x` },
          { authorization: `Basic ${KEY}` },
        ]) {
          const wrong = await h.app.inject({ method: 'POST', url, headers, remoteAddress: REMOTE });
          assert.equal(wrong.statusCode, 401, `${url} ${JSON.stringify(headers)}`);
          assert.ok(!wrong.body.includes(KEY), 'the answer does not echo what was sent');
        }
        for (const headers of [{ authorization: `Bearer ${KEY}` }, { authorization: `bearer ${KEY}` }, { 'x-api-key': KEY }]) {
          const ok = await h.app.inject({ method: 'POST', url, headers, remoteAddress: REMOTE });
          assert.notEqual(ok.statusCode, 401, `${url} ${JSON.stringify(headers)}: ${ok.body}`);
        }
      }
      const promoted = await h.app.inject({ method: 'POST', url: PROMOTE, headers: { 'x-api-key': KEY } });
      assert.equal(promoted.statusCode, 200, promoted.body);
      // Loopback clients need it too once the server has one: one rule, whoever asks.
      assert.equal((await h.app.inject({ method: 'POST', url: '/model/reload' })).statusCode, 401);
    } finally {
      await h.app.close();
    }
  });

  it('reads and the seed predictions need no key', async () => {
    const h = await harness({ models: promoteStub, security: { host: '0.0.0.0', apiKey: key } });
    try {
      for (const url of ['/api/instruments', `/api/bars?instrument=${BTC}&interval=1m&limit=2`, '/health', '/model/info']) {
        assert.notEqual((await h.app.inject({ url, remoteAddress: REMOTE })).statusCode, 401, url);
      }
      const bar = { open: 100, high: 110, low: 90, volume: 5 };
      const predict = await h.app.inject({ method: 'POST', url: '/predict', payload: bar, remoteAddress: REMOTE });
      const batch = await h.app.inject({ method: 'POST', url: '/batch_predict', payload: { data: [bar] }, remoteAddress: REMOTE });
      // No model file in this server: 503 MODEL_NOT_LOADED, which is past any key check.
      assertErrorBody(predict.json(), 'MODEL_NOT_LOADED');
      assertErrorBody(batch.json(), 'MODEL_NOT_LOADED');
    } finally {
      await h.app.close();
    }
  });

  it('the OpenAPI document declares the schemes on the guarded routes only', async () => {
    const h = await harness({ models: promoteStub, security: { apiKey: key } });
    try {
      const doc = (await h.app.inject('/openapi.json')).json();
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKeyHeader', 'bearerAuth']);
      assert.equal(doc.components.securitySchemes.bearerAuth.scheme, 'bearer');
      assert.equal(doc.components.securitySchemes.apiKeyHeader.name, 'x-api-key');
      const security = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
      assert.deepEqual(doc.paths['/model/reload'].post.security, security);
      assert.deepEqual(doc.paths['/api/models/{id}/promote'].post.security, security);
      assert.equal(doc.paths['/predict'].post.security, undefined);
      assert.equal(doc.paths['/batch_predict'].post.security, undefined);
      assert.equal(doc.paths['/api/bars'].get.security, undefined);
    } finally {
      await h.app.close();
    }
  });

  it('the key prints as [redacted]; short or non-ASCII keys are refused', () => {
    assert.equal(JSON.stringify({ apiKey: key }), '{"apiKey":"[redacted]"}');
    assert.equal(String(key), '[redacted]');
    assert.doesNotMatch(JSON.stringify(key) + String(key), new RegExp(KEY));
    assert.throws(() => ApiKey.parse('short', 'test'), /at least 16 characters/);
    assert.throws(() => ApiKey.parse('has a space in it, 0123456789', 'test'), /printable ASCII/);
    assert.ok(ApiKey.parse(`  ${KEY}\n`, 'test').matches(KEY), 'a key file may end in a newline');
  });

  it('loopback is 127/8, ::1 and localhost; 0.0.0.0, :: and other names are not', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.20', '::ffff:10.0.0.1', 'example.com', '']) assert.ok(!isLoopback(h), h);
  });
});

describe('rate limit', () => {
  it('429 RATE_LIMITED with Retry-After in the error shape after max requests', async () => {
    const h = await harness({ security: { rateLimit: { max: 3, windowMs: 60_000, exemptLoopback: true } } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await h.app.inject({ url: '/api/instruments', remoteAddress: REMOTE });
        assert.equal(r.statusCode, 200);
        assert.equal(r.headers['x-ratelimit-limit'], '3');
      }
      const over = await h.app.inject({ url: '/api/instruments', remoteAddress: REMOTE });
      assert.equal(over.statusCode, 429);
      const body = assertErrorBody(over.json(), 'RATE_LIMITED');
      assert.match(body.error.message, /at most 3 per 1 min; retry in/);
      assert.ok(Number(over.headers['retry-after']) > 0, 'Retry-After in seconds');
      // 404s count as well (probing for routes is not free), and another client has its own budget.
      assert.equal((await h.app.inject({ url: '/nope', remoteAddress: REMOTE })).statusCode, 429);
      assert.equal((await h.app.inject({ url: '/api/instruments', remoteAddress: '198.51.100.1' })).statusCode, 200);
    } finally {
      await h.app.close();
    }
  });

  it('never limits /health and /metrics, nor loopback clients by default', async () => {
    const h = await harness({ security: { rateLimit: { max: 2, windowMs: 60_000, exemptLoopback: true } } });
    try {
      for (let i = 0; i < 6; i++) {
        for (const url of ['/health', '/metrics']) assert.equal((await h.app.inject({ url, remoteAddress: REMOTE })).statusCode, 200, url);
        assert.equal((await h.app.inject('/api/instruments')).statusCode, 200, 'loopback');
      }
    } finally {
      await h.app.close();
    }
  });

  it('behind a trusted proxy the forwarded client is the one limited', async () => {
    const h = await harness({
      security: { trustProxy: ['loopback'], rateLimit: { max: 1, windowMs: 60_000, exemptLoopback: true } },
    });
    try {
      const via = (ip: string) => h.app.inject({ url: '/api/instruments', headers: { 'x-forwarded-for': ip } });
      assert.equal((await via(REMOTE)).statusCode, 200);
      assert.equal((await via(REMOTE)).statusCode, 429);
      // An untrusted peer cannot claim to be someone else.
      const spoof = { url: '/api/instruments', headers: { 'x-forwarded-for': '127.0.0.1' }, remoteAddress: '198.51.100.2' };
      assert.equal((await h.app.inject(spoof)).statusCode, 200);
      assert.equal((await h.app.inject(spoof)).statusCode, 429);
    } finally {
      await h.app.close();
    }
  });

  it('max 0 turns it off', async () => {
    const h = await harness({ security: { rateLimit: { max: 0, windowMs: 60_000, exemptLoopback: false } } });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await h.app.inject({ url: '/nope', remoteAddress: REMOTE })).statusCode, 404);
    } finally {
      await h.app.close();
    }
  });

  it('trust-proxy settings are addresses, CIDRs or keywords, never "everyone"', () => {
    assert.deepEqual(parseTrustProxy(''), []);
    assert.deepEqual(parseTrustProxy('none'), []);
    assert.deepEqual(parseTrustProxy('loopback, 10.0.0.0/8,::1'), ['loopback', '10.0.0.0/8', '::1']);
    for (const bad of ['true', '*', '10.0.0.0/33', 'proxy.example.com']) assert.throws(() => parseTrustProxy(bad), /IP address/, bad);
  });
});

describe('security headers', () => {
  it('helmet headers on API answers; no HSTS and no upgrade-insecure-requests on plain HTTP', async () => {
    const h = await harness();
    try {
      for (const url of ['/api/instruments', '/nope']) {
        const r = await h.app.inject(url);
        assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
        assert.equal(r.headers['x-frame-options'], 'SAMEORIGIN', url);
        assert.equal(r.headers['referrer-policy'], 'no-referrer', url);
        const csp = String(r.headers['content-security-policy']);
        assert.match(csp, /default-src 'self'/);
        assert.match(csp, /script-src 'self'/);
        assert.match(csp, /object-src 'none'/);
        assert.doesNotMatch(csp, /upgrade-insecure-requests/);
        assert.equal(r.headers['strict-transport-security'], undefined);
      }
    } finally {
      await h.app.close();
    }
  });

  it("the dashboard's inline script is allowed by its hash, nothing else inline", async () => {
    const t = tempDir();
    try {
      const script = "\n  document.documentElement.dataset.theme = 'dark';\n";
      mkdirSync(join(t.dir, 'assets'));
      writeFileSync(
        join(t.dir, 'index.html'),
        `<!doctype html><html><head><script>${script}</script><script type="module" src="/assets/app.js"></script></head><body></body></html>`,
      );
      const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
      assert.deepEqual(inlineScriptHashes('<script src="/a.js"></script><script>\n</script>'), []);
      const h = await harness({ staticDir: t.dir });
      try {
        const r = await h.app.inject('/');
        assert.equal(r.statusCode, 200);
        const csp = String(r.headers['content-security-policy']);
        assert.ok(csp.includes(`script-src 'self' ${hash}`), csp);
        assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
      } finally {
        await h.app.close();
      }
    } finally {
      t.cleanup();
    }
  });
});

describe('CORS allow-list', () => {
  const DASH = 'https://dash.example.com';

  it('only listed origins get CORS headers; others are refused preflights and state-changing POSTs', async () => {
    const h = await harness({ models: promoteStub, security: { corsOrigins: [DASH] } });
    try {
      const listed = await h.app.inject({ url: '/api/instruments', headers: { origin: DASH } });
      assert.equal(listed.headers['access-control-allow-origin'], DASH);
      assert.match(String(listed.headers['vary']), /Origin/);
      const other = await h.app.inject({ url: '/api/instruments', headers: { origin: 'https://evil.example' } });
      assert.equal(other.statusCode, 200, 'answered; the browser keeps it from the page');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
      const pre = (origin: string, url: string) =>
        h.app.inject({
          method: 'OPTIONS',
          url,
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
        });
      const ok = await pre(DASH, '/model/reload');
      assert.equal(ok.statusCode, 204);
      assert.match(String(ok.headers['access-control-allow-methods']), /POST/);
      assert.equal(ok.headers['access-control-allow-headers'], 'authorization, content-type');
      const refused = await pre('https://evil.example', '/predict');
      assert.equal(refused.statusCode, 403);
      assertErrorBody(refused.json(), 'FORBIDDEN');
      const post = await h.app.inject({ method: 'POST', url: PROMOTE, headers: { origin: 'https://evil.example' } });
      assert.equal(post.statusCode, 403);
      assert.equal((await h.app.inject({ method: 'POST', url: PROMOTE, headers: { origin: DASH } })).statusCode, 200);
    } finally {
      await h.app.close();
    }
  });

  it('none: no cross-origin access at all; the default * is unchanged', async () => {
    const none = await harness({ security: { corsOrigins: [] } });
    try {
      const r = await none.app.inject({ url: '/api/instruments', headers: { origin: 'https://example.org' } });
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    } finally {
      await none.app.close();
    }
    assert.equal(parseCorsOrigins('*'), '*');
    assert.deepEqual(parseCorsOrigins('none'), []);
    assert.deepEqual(parseCorsOrigins('https://a.example, http://localhost:5173'), ['https://a.example', 'http://localhost:5173']);
    for (const bad of ['a.example', 'https://a.example/path', 'ftp//x']) assert.throws(() => parseCorsOrigins(bad), /not an origin/, bad);
  });
});

describe('request limits', () => {
  it('413 OVERSIZED for a body over the route limit, naming the limit', async () => {
    const h = await harness();
    try {
      const big = JSON.stringify({ open: 1, high: 2, low: 1, volume: 1, pad: 'x'.repeat(70 * 1024) });
      const r = await h.app.inject({ method: 'POST', url: '/predict', payload: big, headers: { 'content-type': 'application/json' } });
      assert.equal(r.statusCode, 413);
      assert.match(assertErrorBody(r.json(), 'OVERSIZED').error.message, /65536 bytes/);
      // /batch_predict takes a full batch of 1,000 bars...
      const bar = { open: 89000.123456, high: 90000.123456, low: 88000.123456, volume: 45000000000.123 };
      const full = await h.app.inject({
        method: 'POST',
        url: '/batch_predict',
        payload: { data: Array.from({ length: 1000 }, () => bar) },
      });
      assert.notEqual(full.statusCode, 413);
      // ...but not half a megabyte of anything.
      const huge = JSON.stringify({ data: [], pad: 'x'.repeat(600 * 1024) });
      const r2 = await h.app.inject({
        method: 'POST',
        url: '/batch_predict',
        payload: huge,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r2.statusCode, 413);
      assertErrorBody(r2.json(), 'OVERSIZED');
    } finally {
      await h.app.close();
    }
  });

  it('400 for a time range over the maximum, saying how long it may be', async () => {
    const h = await harness({ security: { maxRangeMs: 30 * 86_400_000 } });
    try {
      const wide = await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m&from=2026-01-01&to=2026-03-01`);
      assert.equal(wide.statusCode, 400);
      const body = assertErrorBody(wide.json(), 'BAD_REQUEST');
      assert.match(body.error.message, /from\.\.to spans 59 days; one request may span at most 30 days/);
      const compat = await h.app.inject('/api/ohlc/?symbol=BTCUSDT&start_date=2026-01-01&end_date=2026-01-31');
      assert.match(assertErrorBody(compat.json(), 'BAD_REQUEST').error.message, /start_date\.\.end_date spans 31 days/);
      const okCompat = await h.app.inject('/api/ohlc/?symbol=BTCUSDT&start_date=2026-01-01&end_date=2026-01-30');
      assert.notEqual(okCompat.statusCode, 400, okCompat.body);
      assert.equal((await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m&from=2026-01-01&to=2026-01-31`)).statusCode, 200);
      // Open-ended queries are paged by limit; a malformed bound gets the route's own message.
      assert.equal((await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m&from=2020-01-01`)).statusCode, 200);
      const bad = await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m&from=yesterday&to=2026-01-01`);
      assert.match(assertErrorBody(bad.json(), 'BAD_REQUEST').error.message, /from: 'yesterday'/);
      assert.equal((await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m&limit=10001`)).statusCode, 400);
    } finally {
      await h.app.close();
    }
    const off = await harness({ security: { maxRangeMs: 0 } });
    try {
      assert.equal((await off.app.inject(`/api/bars?instrument=${BTC}&interval=1m&from=2000-01-01&to=2030-01-01`)).statusCode, 200);
    } finally {
      await off.app.close();
    }
  });

  it('503 TIMEOUT when the store does not answer in time', async () => {
    const release: (() => void)[] = [];
    class StuckStore extends FakeStore {
      override bars(q: BarQuery): Promise<Page<Bar>> {
        return new Promise((resolve) => release.push(() => resolve(super.bars(q))));
      }
    }
    const stuck = new StuckStore();
    stuck.data.bars.push(...seededStore().data.bars);
    const h = await harness({ store: stuck, security: { timeouts: { handlerMs: 200 } } });
    try {
      const r = await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m`);
      assert.equal(r.statusCode, 503);
      assert.match(assertErrorBody(r.json(), 'TIMEOUT').error.message, /took longer than 200 ms and was abandoned/);
    } finally {
      for (const f of release) f();
      await h.app.close();
    }
  });
  it('the handler timeout applies to routes that wait, not to the compute-only seed predictions', async () => {
    const h = await harness({ security: { timeouts: { handlerMs: 1234 } } });
    try {
      const seen = new Map<string, number>();
      h.app.addHook('onRequest', async (request) => {
        seen.set(`${request.method} ${request.routeOptions.url ?? ''}`, request.routeOptions.handlerTimeout);
      });
      await h.app.inject(`/api/bars?instrument=${BTC}&interval=1m`);
      await h.app.inject('/health');
      await h.app.inject({ method: 'POST', url: '/predict', payload: { open: 1, high: 2, low: 0.5, volume: 3 } });
      await h.app.inject({ method: 'POST', url: '/batch_predict', payload: { data: [] } });
      assert.deepEqual(Object.fromEntries(seen), {
        'GET /api/bars': 1234,
        'GET /health': 1234,
        'POST /predict': 0,
        'POST /batch_predict': 0,
      });
    } finally {
      await h.app.close();
    }
  });
});

describe('socket timeouts', () => {
  it('a silent connection is closed after connectionMs, an idle keep-alive one after keepAliveMs; a WebSocket is not', async () => {
    const server = await startApiServer({
      store: seededStore(),
      version: '1',
      intervals: ['1m'],
      host: '127.0.0.1',
      port: 0,
      security: { timeouts: { connectionMs: 300, keepAliveMs: 300 } },
      ws: { heartbeatMs: 60_000 },
    });
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`);
    try {
      await waitFor(() => ws.readyState === WebSocket.OPEN, 5000, 'socket open');
      const port = Number(new URL(server.url).port);
      const closes = (send: string | undefined): { closed: () => boolean; answer: () => string } => {
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        let closed = false;
        socket.on('data', (d: Buffer) => (answer += d.toString()));
        socket.on('close', () => (closed = true));
        socket.on('error', () => undefined);
        if (send !== undefined) socket.write(send);
        return { closed: () => closed, answer: () => answer };
      };
      // A client that connects and never sends a byte (slowloris' first step).
      const silent = closes(undefined);
      const kept = closes('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      await waitFor(() => silent.closed(), 10_000, 'the silent connection to be closed by the server');
      await waitFor(() => kept.closed(), 10_000, 'the idle keep-alive connection to be closed by the server');
      assert.match(kept.answer(), /^HTTP\/1\.1 200/);
      assert.equal(ws.readyState, WebSocket.OPEN, 'the WebSocket, idle just as long, is still open');
    } finally {
      ws.close();
      await server.close();
    }
  });
});

describe('secrets in logs', () => {
  it('authorization and x-api-key values are redacted from API log lines', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const app = await createApiServer({
      store: new FakeStore(),
      version: '1',
      intervals: ['1m'],
      logger,
      security: { apiKey: key },
      models: promoteStub,
    });
    try {
      app.log.info({ headers: { authorization: `Bearer ${KEY}`, 'x-api-key': KEY }, apiKey: KEY }, 'a careless debug line');
      await app.inject({ method: 'POST', url: '/model/reload', headers: { authorization: `Bearer ${KEY}` } });
      await app.inject({ method: 'POST', url: '/model/reload', headers: { 'x-api-key': 'wrong-key-0123456789' } });
      assert.ok(lines.some((l) => l.includes('a careless debug line') && l.includes('[redacted]')));
      for (const l of lines) {
        assert.ok(!l.includes(KEY), `key in log line: ${l}`);
        assert.ok(!l.includes('wrong-key-0123456789'), `sent key in log line: ${l}`);
      }
    } finally {
      await app.close();
    }
  });
});
