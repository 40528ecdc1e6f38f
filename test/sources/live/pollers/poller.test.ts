// The polling loop every poller shares (driven through the Binance ticker spec, whose fake route
// is the simplest): Retry-After, backoff and recovery with their stats, events, gaps and logs,
// timeouts and refused connections, pause, close. Timings are asserted as loose lower bounds only.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import type { FeedGap } from '../../../../src/core/index.js';
import type { FeedSettings, FeedSink } from '../../../../src/sources/live/feed.js';
import { createBinanceTicker } from '../../../../src/sources/live/pollers/binance-ticker.js';
import { retryAfterMs } from '../../../../src/sources/live/pollers/poller.js';
import { binanceTickerPriceRest, startFakeExchange } from '../../../fake-exchange/index.js';
import { feedStats, setup } from './support.js';

const PATH = '/api/v3/ticker/price';
const PRICES = { BTCUSDT: '61234.56000000', ETHUSDT: '2611.20000000' };
const fast = createBinanceTicker({ intervalMs: 20 });

test('a 429 is waited out for its Retry-After before the next request, then polling goes on', async (t) => {
  const { fake, src, got } = await setup(t, fast, ['BTCUSDT', 'ETHUSDT'], {
    rest: { [PATH]: binanceTickerPriceRest(PRICES) },
    rateLimit: { requests: 2, perMs: 1000 },
  });
  await fake.waitFor(() => fake.rateLimited >= 1, 5000, 'the 429');
  const limited = fake.restHits.findIndex((h) => h.status === 429);
  await fake.waitFor(() => fake.restHits.length > limited + 1, 5000, 'the request after it');
  const [hit429, next] = [fake.restHits[limited], fake.restHits[limited + 1]];
  // Retry-After is at least 1 s: nothing was asked meanwhile
  assert.ok(hit429 !== undefined && next !== undefined && next.at - hit429.at >= 900, `${next?.at} - ${hit429?.at}`);
  assert.equal(next.status, 200);
  await fake.waitFor(() => got.ticks.filter((k) => k.localTs >= next.at - 50).length >= 2, 5000, 'ticks after the wait');

  const s = feedStats(src);
  assert.ok(s.venueErrors >= 1 && s.reconnects >= 1);
  assert.deepEqual(got.rejects, [], 'a rate limit is flow control, not a bad record');
});

test('5xx answers back off exponentially, and the recovery is a connect, a disconnect event and a gap per instrument', async (t) => {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    }),
  );
  const { fake, src, got } = await setup(
    t,
    fast,
    ['BTCUSDT', 'ETHUSDT'],
    { rest: { [PATH]: binanceTickerPriceRest(PRICES) } },
    { logger, jitter: 0, reconnectMinMs: 30, reconnectMaxMs: 1000 },
  );
  await fake.waitFor(() => got.ticks.length >= 4, 5000, 'ticks');
  fake.failRest(3, 503);
  await fake.waitFor(() => feedStats(src).connects === 2, 5000, 'the recovery');
  await fake.waitFor(() => got.gaps.length === 2, 5000, 'the gaps');

  const failed = fake.restHits.filter((h) => h.status === 503);
  assert.equal(failed.length, 3);
  /** ms from the i-th failed request to the request after it */
  const after = (i: number): number => {
    const f = failed[i];
    const next = f === undefined ? undefined : fake.restHits[fake.restHits.indexOf(f) + 1];
    return f === undefined || next === undefined ? NaN : next.at - f.at;
  };
  // waits of 30, 60, 120 ms (no jitter here): lower bounds only
  assert.ok(after(1) >= 50 && after(2) >= 100, `${after(0)}, ${after(1)}, ${after(2)}`);

  const s = feedStats(src);
  assert.equal(s.state, 'open');
  assert.equal(s.reconnects, 3);
  assert.equal(s.venueErrors, 0, 'a server error is not the venue saying no');
  assert.match(s.lastError ?? '', /^HTTP 503/);
  const down = src.stats().events.find((e) => e.type === 'disconnect');
  assert.ok(down !== undefined && down.venue === 'binance-ticker' && (down.from ?? Infinity) < (down.to ?? -Infinity));

  const gaps: FeedGap[] = [...got.gaps].sort((a, b) => (a.instrument < b.instrument ? -1 : 1));
  assert.deepEqual(
    gaps.map((g) => [g.instrument, g.kind, g.missing]),
    [
      ['binance:BTCUSDT', 'disconnect', -1],
      ['binance:ETHUSDT', 'disconnect', -1],
    ],
  );
  // a gap spans from the last tick before the outage to the first one after it
  for (const g of gaps) {
    const ticks = got.of(g.instrument);
    const i = ticks.findIndex((k) => k.ts === g.end);
    assert.ok(i > 0 && ticks[i - 1]?.ts === g.start && g.end - g.start >= 30 + 60 + 120);
  }

  // one warning for the streak, the repeats at debug level, and one line when it recovers
  const poller = lines.filter((l) => l.msg.startsWith('poller: binance-ticker #0'));
  assert.equal(poller.filter((l) => l.level === 40).length, 1);
  assert.match(poller.find((l) => l.level === 40)?.msg ?? '', /poll failed \(HTTP 503: .*\); retrying in 30 ms/);
  assert.equal(poller.filter((l) => l.level === 20).length, 2);
  assert.match(poller.filter((l) => l.level === 30).at(-1)?.msg ?? '', /recovered after 3 failed polls/);
});

test('no answer within timeoutMs and refused connections are failed polls, retried', async (t) => {
  const slow = createBinanceTicker({ intervalMs: 20, timeoutMs: 100 });
  const { fake, src } = await setup(t, slow, ['BTCUSDT'], { rest: { [PATH]: () => new Promise(() => undefined) } });
  await fake.waitFor(() => feedStats(src).reconnects >= 2, 5000, 'two timeouts');
  const s = feedStats(src);
  assert.equal(s.state, 'waiting');
  assert.equal(s.messages, 0);
  assert.equal(s.lastError, 'no answer within 100 ms');

  const gone = await startFakeExchange();
  const url = gone.restUrl;
  await gone.close();
  const { src: src2 } = await setup(t, fast, ['BTCUSDT'], {}, { urls: { 'binance-ticker.rest': url } });
  await fake.waitFor(() => feedStats(src2).reconnects >= 2, 5000, 'two refusals');
  assert.match(feedStats(src2).lastError ?? '', /^request failed: .*ECONNREFUSED/);
  assert.equal(feedStats(src2).state, 'waiting');
});

test('a paused feed sends no request until it is resumed', async (t) => {
  const fake = await startFakeExchange({ rest: { [PATH]: binanceTickerPriceRest(PRICES) } });
  t.after(() => fake.close());
  const sink = stubSink();
  const a = fast.createFeed(sink, 0, ['BTCUSDT'], fake.restUrl);
  const b = fast.createFeed(sink, 1, ['ETHUSDT'], fake.restUrl);
  t.after(() => {
    a.close();
    b.close();
  });
  const hits = (symbol: string): number => fake.restHits.filter((h) => h.query === `symbol=${symbol}`).length;
  a.start();
  b.start();
  await fake.waitFor(() => hits('BTCUSDT') >= 2 && hits('ETHUSDT') >= 2, 5000, 'both polling');

  a.setPaused(true);
  const atPause = hits('BTCUSDT');
  // the other feed's polls are the clock: ten of them, then ten more
  let mark = hits('ETHUSDT');
  await fake.waitFor(() => hits('ETHUSDT') >= mark + 10, 5000, 'ten polls of the other feed');
  const settled = hits('BTCUSDT');
  assert.ok(settled <= atPause + 1, 'at most the request already in flight');
  mark = hits('ETHUSDT');
  await fake.waitFor(() => hits('ETHUSDT') >= mark + 10, 5000, 'ten more');
  assert.equal(hits('BTCUSDT'), settled);

  a.setPaused(false);
  await fake.waitFor(() => hits('BTCUSDT') >= settled + 2, 5000, 'polling again');
});

test('close ends the iteration, also during a request or a long Retry-After', async (t) => {
  let asked = 0;
  let aborted = false;
  const { fake, src, got } = await setup(t, fast, ['BTCUSDT'], {
    rest: {
      [PATH]: (_q, req) => {
        asked++;
        if (asked === 1) return { status: 429, body: { code: -1003, msg: 'Too many requests.' }, headers: { 'retry-after': '3600' } };
        req.socket.once('close', () => (aborted = true));
        return new Promise(() => undefined);
      },
    },
  });
  await fake.waitFor(() => feedStats(src).state === 'waiting', 5000, 'the hour-long wait');
  assert.match(feedStats(src).lastError ?? '', /HTTP 429 \(rate limited, Retry-After 3600 s\)/);
  src.close();
  await got.done;
  assert.equal(feedStats(src).state, 'closed');

  // a request in flight is aborted
  const feed = fast.createFeed(stubSink(), 0, ['BTCUSDT'], fake.restUrl);
  feed.start();
  await fake.waitFor(() => asked === 2, 5000, 'the request');
  feed.close();
  await fake.waitFor(() => aborted, 5000, 'the abort');
  assert.equal(feed.stats(Date.now()).state, 'closed');
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  assert.equal(retryAfterMs('2'), 2000);
  assert.equal(retryAfterMs(' 0 '), 0);
  assert.equal(retryAfterMs(null), undefined);
  assert.equal(retryAfterMs(''), undefined);
  assert.equal(retryAfterMs('-1'), undefined);
  assert.equal(retryAfterMs('soon'), undefined);
  assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT'), 0);
  const inAMinute = retryAfterMs(new Date(Date.now() + 60_000).toUTCString()) ?? 0;
  assert.ok(inAMinute > 55_000 && inAMinute <= 60_000);
});

function stubSink(): FeedSink {
  const options: FeedSettings = {
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    jitter: 0.5,
    staleMs: 30_000,
    instrumentStaleMs: 0,
    pingMs: 10_000,
    backfillAttempts: 5,
    fetch: globalThis.fetch.bind(globalThis),
    now: Date.now,
  };
  return {
    options,
    push: () => undefined,
    reject: () => undefined,
    event: () => undefined,
    gap: () => undefined,
    logger: () => undefined,
  };
}
