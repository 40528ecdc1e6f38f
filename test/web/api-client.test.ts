import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, createApi } from '../../web/src/api.js';
import * as fmt from '../../web/src/format.js';

/** The dashboard's REST client (web/src/api.ts) and formatters, run in Node against a stubbed fetch. */

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

/** Serves `handler(url)` as fetch; returns the URLs asked for. */
function stubFetch(handler: (url: URL) => { status?: number; body: unknown }): URL[] {
  const seen: URL[] = [];
  globalThis.fetch = async (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    seen.push(url);
    const { status = 200, body } = handler(url);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  };
  return seen;
}

test('bars come newest first from the API and are returned oldest first', async () => {
  const seen = stubFetch(() => ({ body: { bars: [{ start: 3 }, { start: 2 }, { start: 1 }], nextCursor: null } }));
  const bars = await createApi('http://api.test').bars('binance:BTCUSDT', '1m', 500);
  assert.deepEqual(
    bars.map((b) => b.start),
    [1, 2, 3],
  );
  const q = seen[0]?.searchParams;
  assert.equal(q?.get('order'), 'desc');
  assert.equal(q?.get('limit'), '500');
  assert.equal(q?.get('instrument'), 'binance:BTCUSDT');
});

test("an error response becomes an ApiError with the server's code and message", async () => {
  stubFetch(() => ({ status: 404, body: { error: { code: 'UNKNOWN_INSTRUMENT', message: "unknown instrument 'binance:NOPE'" } } }));
  await assert.rejects(createApi('http://api.test').bars('binance:NOPE', '1m', 10), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.status, 404);
    assert.equal(e.code, 'UNKNOWN_INSTRUMENT');
    assert.equal(e.message, "unknown instrument 'binance:NOPE'");
    return true;
  });
});

test('no latest bar yet is null, not an error', async () => {
  stubFetch(() => ({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no 1m bar yet for binance:BTCUSDT' } } }));
  assert.equal(await createApi('http://api.test').latestBar('binance:BTCUSDT', '1m'), null);
});

test('alerts: without order=desc on the route, the newest are found by scanning a recent range', async () => {
  const alerts = Array.from({ length: 30 }, (_, i) => ({ time: 1_000_000 + i * 1000 }));
  const seen = stubFetch((url) => {
    if (url.pathname === '/openapi.json') {
      return {
        body: {
          paths: {
            '/api/alerts': {
              get: {
                parameters: [
                  { in: 'query', name: 'limit' },
                  { in: 'query', name: 'from' },
                ],
              },
            },
          },
        },
      };
    }
    assert.equal(url.searchParams.get('order'), null, 'order is not sent to a route that lacks it');
    const from = Number(url.searchParams.get('from') ?? 0);
    return { body: { alerts: alerts.filter((a) => a.time >= from), nextCursor: null } };
  });
  const newest = await createApi('http://api.test').alerts({ limit: 5, hintTime: 1_029_000 });
  assert.deepEqual(
    newest.map((a) => a.time),
    [1_029_000, 1_028_000, 1_027_000, 1_026_000, 1_025_000],
  );
  assert.ok(seen.some((u) => u.pathname === '/api/alerts' && u.searchParams.has('from')));
});

test('windows: a route that rejects order=desc falls back to scanning, following cursors', async () => {
  const windows = Array.from({ length: 25 }, (_, i) => ({ start: i * 60_000 }));
  stubFetch((url) => {
    if (url.pathname === '/openapi.json') return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'no route' } } };
    if (url.searchParams.has('order')) {
      return {
        status: 400,
        body: { error: { code: 'BAD_REQUEST', message: "querystring has unknown parameter 'order' (known: instrument, size)" } },
      };
    }
    const offset = Number(url.searchParams.get('cursor') ?? 0);
    const page = windows.slice(offset, offset + 10);
    return { body: { windows: page, nextCursor: offset + 10 < windows.length ? String(offset + 10) : null } };
  });
  const newest = await createApi('http://api.test').windows('binance:BTCUSDT', { limit: 2, hintTime: null });
  assert.deepEqual(
    newest.map((w) => w.start),
    [24 * 60_000, 23 * 60_000],
  );
});

test('formatting', () => {
  assert.equal(fmt.priceDecimals(43210.5), 2);
  assert.equal(fmt.priceDecimals(1.2345), 4);
  assert.equal(fmt.priceDecimals(0.0512), 6);
  assert.equal(fmt.fmtPrice(43210.5), '43,210.50');
  assert.equal(fmt.fmtPrice(null), '—');
  assert.equal(fmt.fmtPct(0.01234), '1.23%');
  assert.equal(fmt.fmtPct(-0.005, { signed: true }), '−0.50%');
  assert.equal(fmt.fmtSpan(300_000), '5m');
  assert.equal(fmt.fmtSpan(86_400_000), '1d');
  assert.equal(fmt.fmtDuration(2500), '2.5 s');
  assert.equal(fmt.fmtDuration(185_000), '3 m 05 s');
  assert.equal(fmt.fmtCompact(12_345), '12.3k');
  assert.equal(fmt.fmtCompact(950), '950');
  assert.equal(fmt.fmtPct(-0.00001, { signed: true }), '0.00%', 'no sign on a value that rounds to zero');
  assert.equal(fmt.intervalMs('1s'), 1000);
  assert.equal(fmt.intervalMs('250ms'), 250);
  assert.equal(fmt.intervalMs('1d'), 86_400_000);
  assert.equal(fmt.intervalMs('tick:100'), null);
  assert.equal(fmt.symbolOf('binance:BTCUSDT'), 'BTCUSDT');
});
