import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { NO_SHARED_DATA } from '../helpers.js';
import { cryptofeedCapture, hftbacktestCapture, readCapture, receivedFrames, type CaptureEvent } from '../support/captures.js';
import {
  binanceStreamRoute,
  binanceTradesFromFrames,
  binanceTradesRest,
  startFakeExchange,
  type FakeExchange,
  type FakeExchangeOptions,
} from './index.js';

// Captures are read once, on first use, so a missing shared-data folder only skips.
const memo = new Map<string, CaptureEvent[]>();
function frames(name: 'KRAKEN' | 'BINANCE' | 'BINANCE_FUTURES'): CaptureEvent[] {
  let f = memo.get(name);
  if (!f) {
    f = receivedFrames(readCapture(cryptofeedCapture(`${name}.v3.jsonl.gz`)));
    memo.set(name, f);
  }
  return f;
}

const skip = NO_SHARED_DATA;

async function start(t: TestContext, opts: FakeExchangeOptions): Promise<FakeExchange> {
  const fake = await startFakeExchange(opts);
  t.after(() => fake.close());
  return fake;
}

interface Client {
  readonly ws: WebSocket;
  readonly messages: string[];
  /** performance.now() of each message */
  readonly arrivals: number[];
  readonly closed: Promise<{ code: number; reason: string }>;
}

function connect(t: TestContext, url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    t.after(() => ws.terminate());
    const messages: string[] = [];
    const arrivals: number[] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (d: Buffer) => {
      messages.push(d.toString('utf8'));
      arrivals.push(performance.now());
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.on('error', () => {}); // resets after open end in 'close', which the tests watch
      resolve({ ws, messages, arrivals, closed });
    });
  });
}

test('replays a cryptofeed capture in order and completely', { skip }, async (t) => {
  const tape = frames('KRAKEN');
  const fake = await start(t, { frames: tape });
  const c = await connect(t, `${fake.wsUrl}/`);
  await fake.waitFor(() => c.messages.length === tape.length, 5000, 'every frame');
  assert.deepEqual(
    c.messages,
    tape.map((f) => f.data),
  );
  assert.equal(fake.sent, tape.length);
  assert.ok(fake.finished);
  assert.deepEqual(fake.skipped, []);
});

test('a new connection continues where the dropped one stopped (speed Infinity holds the tape)', { skip }, async (t) => {
  const tape = frames('BINANCE_FUTURES');
  const fake = await start(t, { frames: tape });
  fake.dropAfter(100);
  const a = await connect(t, `${fake.wsUrl}/stream?streams=x`);
  const closed = await a.closed;
  assert.equal(closed.code, 1006, 'dropped without a close frame');
  assert.deepEqual(
    a.messages,
    tape.slice(0, 100).map((f) => f.data),
  );
  const b = await connect(t, `${fake.wsUrl}/stream?streams=y`);
  await fake.waitFor(() => fake.finished && b.messages.length === tape.length - 100, 5000, 'the rest of the tape');
  assert.deepEqual(
    b.messages,
    tape.slice(100).map((f) => f.data),
  );
  assert.deepEqual(fake.connectUrls, ['/stream?streams=x', '/stream?streams=y']);
  assert.equal(fake.connections, 2);
});

test("resumeAt 'start' rewinds the tape for a new connection", { skip }, async (t) => {
  const tape = frames('BINANCE');
  const fake = await start(t, { frames: tape, resumeAt: 'start' });
  fake.dropAfter(10);
  const a = await connect(t, fake.wsUrl);
  await a.closed;
  const b = await connect(t, fake.wsUrl);
  await fake.waitFor(() => b.messages.length === tape.length, 5000, 'the whole tape again');
  assert.equal(b.messages[0], tape[0]?.data);
});

test('at finite speed, frames falling due while nobody is connected are skipped: a real gap', { skip }, async (t) => {
  const tape = frames('BINANCE_FUTURES');
  const index = new Map(tape.map((f, i) => [f.data, i]));
  assert.equal(index.size, tape.length, 'frames are unique, so a text names its index');
  const fake = await start(t, { frames: tape, speed: 40 });
  fake.at(200, (f) => f.drop());
  const a = await connect(t, fake.wsUrl);
  assert.equal((await a.closed).code, 1006);
  assert.deepEqual(
    a.messages.map((m) => index.get(m)),
    [...Array(200).keys()],
  );
  // Recorded time keeps running with nobody listening; wait until a stretch of it has gone by.
  await fake.waitFor(() => fake.skipped.length >= 20, 5000, 'frames to be skipped');
  const b = await connect(t, fake.wsUrl);
  await fake.waitFor(() => fake.finished && b.messages.length === fake.sent - 200, 5000, 'the tape to end');
  const got = b.messages.map((m) => index.get(m) ?? -1);
  const first = got[0] ?? -1;
  assert.ok(first >= 220, `second connection starts after the gap (at ${first})`);
  assert.deepEqual(
    got,
    [...Array(tape.length - first).keys()].map((k) => k + first),
    'then gets every later frame, in order',
  );
  assert.deepEqual(
    fake.skipped,
    [...Array(first - 200).keys()].map((k) => ({ index: 200 + k, reason: 'no-listener' })),
  );
});

test('stall: no frames and no pong until the stall ends; a reconnect meanwhile gets the rest', { skip }, async (t) => {
  const tape = frames('BINANCE');
  const fake = await start(t, { frames: tape });
  fake.at(50, (f) => f.stall(1000));
  const a = await connect(t, fake.wsUrl);
  await fake.waitFor(() => a.messages.length === 50, 5000, '50 frames');
  let pongAt = 0;
  a.ws.on('pong', () => (pongAt = performance.now()));
  const pingAt = performance.now();
  a.ws.ping();
  // This is the client's stale-feed watchdog: no pong within 300 ms means the feed is stalled.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(pongAt, 0, 'no pong during the stall');
  assert.equal(a.messages.length, 50, 'no frames during the stall');
  assert.equal(fake.pings, 0, 'the server did not even read the ping');

  const b = await connect(t, fake.wsUrl);
  await fake.waitFor(() => b.messages.length === tape.length - 50, 5000, 'the rest of the tape');
  assert.deepEqual(
    b.messages,
    tape.slice(50).map((f) => f.data),
  );
  await fake.waitFor(() => pongAt > 0, 5000, 'the late pong');
  assert.ok(pongAt - pingAt >= 300);
  assert.equal(a.messages.length, 50, 'the stalled connection was not fed');
});

test('refuseConnections: the next n upgrades get HTTP 503', async (t) => {
  const fake = await start(t, {});
  fake.refuseConnections(2);
  await assert.rejects(connect(t, fake.wsUrl), /503/);
  await assert.rejects(connect(t, fake.wsUrl), /503/);
  await connect(t, fake.wsUrl);
  assert.equal(fake.refused, 2);
  assert.equal(fake.connections, 1);
});

test('wsPaths: an unknown path gets 404', async (t) => {
  const fake = await start(t, { wsPaths: ['/ws'] });
  await assert.rejects(connect(t, `${fake.wsUrl}/nope`), /404/);
  await connect(t, `${fake.wsUrl}/ws`);
});

test('injectGap skips the next k frames the filter picks, now or at a frame index', { skip }, async (t) => {
  const tape = frames('BINANCE_FUTURES');
  const isAgg = (f: { data: string }): boolean => f.data.includes('@aggTrade"');
  const fake = await start(t, { frames: tape, gapFilter: isAgg });
  fake.injectGap(5);
  fake.at(700, (f) => f.injectGap(3));
  const c = await connect(t, fake.wsUrl);
  await fake.waitFor(() => fake.finished && c.messages.length === tape.length - 8, 5000, 'the tape minus the gap');
  const aggIdx = tape.flatMap((f, i) => (isAgg(f) ? [i] : []));
  const laterAgg = aggIdx.filter((i) => i >= 700).slice(0, 3);
  const expected = [...aggIdx.slice(0, 5), ...laterAgg];
  assert.deepEqual(
    fake.skipped,
    expected.map((index) => ({ index, reason: 'gap' })),
  );
  assert.deepEqual(
    c.messages,
    tape.filter((_, i) => !expected.includes(i)).map((f) => f.data),
  );
});

test('sendRaw reaches the client at once; closeConnections closes cleanly with code and reason', async (t) => {
  const fake = await start(t, { frames: [{ ts: 0, data: 'tape' }], paused: true });
  const c = await connect(t, fake.wsUrl);
  fake.sendRaw('{"code":-1003,"msg":"garbage');
  await fake.waitFor(() => c.messages.length === 1, 5000, 'the raw text');
  fake.closeConnections(4000, 'maintenance');
  assert.deepEqual(await c.closed, { code: 4000, reason: 'maintenance' });
  assert.deepEqual(c.messages, ['{"code":-1003,"msg":"garbage']);
  assert.equal(fake.sent, 0, 'the paused tape sent nothing');
});

test('reset: the client sees an abnormal close', async (t) => {
  const fake = await start(t, {});
  const c = await connect(t, fake.wsUrl);
  fake.reset();
  assert.equal((await c.closed).code, 1006);
  await fake.waitFor(() => fake.open === 0, 5000, 'the server to forget it');
});

test('records client messages, answers them via onClientMessage, routes Binance streams by URL', { skip }, async (t) => {
  const tape = frames('BINANCE_FUTURES');
  const fake = await start(t, {
    frames: tape,
    paused: true,
    frameFor: binanceStreamRoute,
    onClientMessage: (data, reply) => {
      const m = JSON.parse(data) as { id?: number };
      reply(JSON.stringify({ result: null, id: m.id }));
    },
  });
  const combined = await connect(t, `${fake.wsUrl}/stream?streams=ctkusdt@aggTrade/sushiusdt@bookTicker`);
  const raw = await connect(t, `${fake.wsUrl}/ws/ctkusdt@aggTrade`);
  combined.ws.send('{"method":"SUBSCRIBE","params":["x@trade"],"id":7}');
  await fake.waitFor(() => combined.messages.includes('{"result":null,"id":7}'), 5000, 'the ack');
  fake.resume();
  await fake.waitFor(() => fake.finished, 5000, 'the tape to end');

  const want = (stream: string): string[] => tape.filter((f) => f.data.startsWith(`{"stream":"${stream}"`)).map((f) => f.data);
  const agg = want('ctkusdt@aggTrade');
  const book = want('sushiusdt@bookTicker');
  assert.ok(agg.length > 5 && book.length > 5);
  await fake.waitFor(
    () => combined.messages.length === 1 + agg.length + book.length && raw.messages.length === agg.length,
    5000,
    'routed frames',
  );
  assert.deepEqual(
    combined.messages.filter((m) => !m.startsWith('{"result"')),
    tape.map((f) => f.data).filter((d) => agg.includes(d) || book.includes(d)),
  );
  assert.deepEqual(
    raw.messages.map((m) => JSON.parse(m) as unknown),
    agg.map((d) => (JSON.parse(d) as { data: unknown }).data),
  );
  assert.deepEqual(
    fake.received.map((r) => [r.conn, r.data]),
    [[0, '{"method":"SUBSCRIBE","params":["x@trade"],"id":7}']],
  );
});

test('pingIntervalMs: the server pings like a venue and counts pongs', async (t) => {
  const fake = await start(t, { pingIntervalMs: 20 });
  await connect(t, fake.wsUrl);
  await fake.waitFor(() => fake.pongs >= 2, 5000, 'two pongs');
});

test('speed 10 roughly follows the recorded gaps', { skip }, async (t) => {
  const all = frames('BINANCE_FUTURES');
  const t0 = all[0]?.ts ?? 0;
  const tape = all.filter((f) => f.ts - t0 <= 3000);
  const span = (tape.at(-1)?.ts ?? 0) - t0;
  assert.ok(span > 2500);
  const fake = await start(t, { frames: tape, speed: 10 });
  const c = await connect(t, fake.wsUrl);
  const begin = performance.now();
  await fake.waitFor(() => c.messages.length === tape.length, 5000, 'every frame');
  assert.deepEqual(
    c.messages,
    tape.map((f) => f.data),
  );
  // Lower bounds only: a loaded machine may be late, never early.
  const wall = (c.arrivals.at(-1) ?? 0) - begin;
  assert.ok(wall >= (span / 10) * 0.8, `took ${wall} ms for ${span} recorded ms at 10×`);
  const mid = tape.findIndex((f) => f.ts - t0 >= 1500);
  const midWall = (c.arrivals[mid] ?? 0) - begin;
  assert.ok(midWall >= (((tape[mid]?.ts ?? 0) - t0) / 10) * 0.8, `frame ${mid} arrived ${midWall} ms in`);
});

test('REST: historicalTrades pages from fromId through every captured trade', { skip }, async (t) => {
  const trades = binanceTradesFromFrames(readCapture(hftbacktestCapture('binance-spot_btcusdt_20240808.gz')));
  assert.equal(trades.length, 9757);
  const fake = await start(t, {
    rest: {
      '/api/v3/historicalTrades': binanceTradesRest(trades),
      '/fapi/v1/historicalTrades': binanceTradesRest(trades, { futures: true }),
    },
  });
  const first = trades[0]?.id ?? 0;
  const ids: number[] = [];
  for (let from = first; ;) {
    const r = await fetch(`${fake.restUrl}/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${from}&limit=1000`);
    assert.equal(r.status, 200);
    const page = (await r.json()) as { id: number }[];
    if (page.length === 0) break;
    assert.ok(page.length <= 1000);
    ids.push(...page.map((p) => p.id));
    from = (page.at(-1)?.id ?? 0) + 1;
  }
  assert.deepEqual(
    ids,
    [...Array(trades.length).keys()].map((k) => first + k),
    'contiguous ids, none missing',
  );

  const mid = first + 1234;
  const page = (await (await fetch(`${fake.restUrl}/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${mid}`)).json()) as Record<
    string,
    unknown
  >[];
  assert.equal(page.length, 500, 'default limit');
  const t0 = trades[1234];
  assert.deepEqual(page[0], {
    id: mid,
    price: t0?.price,
    qty: t0?.qty,
    quoteQty: page[0]?.['quoteQty'],
    time: t0?.time,
    isBuyerMaker: t0?.isBuyerMaker,
    isBestMatch: true,
  });
  const futures = (await (await fetch(`${fake.restUrl}/fapi/v1/historicalTrades?symbol=BTCUSDT&fromId=${mid}&limit=2`)).json()) as object[];
  assert.deepEqual(Object.keys(futures[0] ?? {}), ['id', 'price', 'qty', 'quoteQty', 'time', 'isBuyerMaker']);
  const bad = await fetch(`${fake.restUrl}/api/v3/historicalTrades?symbol=btcusdt`);
  assert.equal(bad.status, 400);
  assert.deepEqual(fake.restHits.at(-1), {
    path: '/api/v3/historicalTrades',
    query: 'symbol=btcusdt',
    status: 400,
    at: fake.restHits.at(-1)?.at,
  });
});

test('REST: rate limit answers 429 with Retry-After; failRest; unknown routes 404', async (t) => {
  const fake = await start(t, {
    rest: { '/ping': () => ({ status: 200, body: {} }) },
    rateLimit: { requests: 3, perMs: 60_000 },
  });
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${fake.restUrl}/ping?i=${i}`);
    statuses.push(r.status);
    if (r.status === 429) retryAfter = r.headers.get('retry-after');
    await r.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const s = Number(retryAfter);
  assert.ok(s >= 1 && s <= 60, `Retry-After ${retryAfter}`);
  assert.equal(fake.rateLimited, 1);
  assert.deepEqual(
    fake.restHits.map((h) => [h.path, h.query, h.status]),
    [
      ['/ping', 'i=0', 200],
      ['/ping', 'i=1', 200],
      ['/ping', 'i=2', 200],
      ['/ping', 'i=3', 429],
    ],
  );

  const open = await start(t, { rest: { '/ping': () => ({ body: 'pong' }) } });
  open.failRest(1, 502);
  assert.equal((await fetch(`${open.restUrl}/ping`)).status, 502);
  const ok = await fetch(`${open.restUrl}/ping`);
  assert.equal(await ok.text(), 'pong');
  assert.equal((await fetch(`${open.restUrl}/nope`)).status, 404);
});

test('close() is idempotent and ends open connections', async (t) => {
  const fake = await startFakeExchange({});
  const c = await connect(t, fake.wsUrl);
  await Promise.all([fake.close(), fake.close()]);
  await c.closed;
  await fake.close();
});
