// The CoinGecko simple-price poller against the fake exchange's `/api/v3/simple/price`: request
// shape, ticks at the venue's `last_updated_at`, a quote polled twice from CoinGecko's cache not
// repeated, unknown ids reported once, bad values rejected. The bitcoin quote is the docs' example
// answer (https://docs.coingecko.com/v3.0.1/reference/simple-price: usd 67187.3358936566,
// last_updated_at 1711356300).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TickflowError } from '../../../../src/core/index.js';
import { COINGECKO_INTERVAL_MS, coingecko, createCoingecko } from '../../../../src/sources/live/pollers/coingecko.js';
import { liveVenue, parseLiveSources } from '../../../../src/sources/live/registry.js';
import { coingeckoSimplePriceRest } from '../../../fake-exchange/index.js';
import { feedStats, setup } from './support.js';

const PATH = '/api/v3/simple/price';
const fast = createCoingecko({ intervalMs: 20 });
const T0 = 1711356300;
const BTC = 'coingecko:BITCOIN/USD';

type Table = Record<string, Record<string, number>>;

test('each quote is a tick at the venue time; the request names ids, currencies and asks for the time', async (t) => {
  const table: Table = {
    bitcoin: { usd: 67187.3358936566, eur: 61990.25, last_updated_at: T0 },
    ethereum: { usd: 3500.1, last_updated_at: T0 - 20 },
  };
  const { fake, src, got } = await setup(t, fast, ['bitcoin', 'Bitcoin/EUR', 'ethereum/usd'], {
    rest: { [PATH]: coingeckoSimplePriceRest(table) },
  });
  await fake.waitFor(() => got.ticks.length >= 3, 5000, 'three ticks');

  assert.equal(fake.restHits[0]?.query, 'ids=bitcoin,ethereum&vs_currencies=usd,eur&include_last_updated_at=true');
  const btc = got.of(BTC)[0];
  assert.equal(btc?.price, 67187.3358936566);
  assert.equal(btc?.ts, T0 * 1000);
  assert.ok(btc !== undefined && btc.size === 0 && btc.id === -1 && btc.side === 0);
  assert.ok(btc !== undefined && btc.localTs > btc.ts, 'received now, quoted in 2024');
  assert.equal(got.of('coingecko:BITCOIN/EUR')[0]?.price, 61990.25);
  assert.equal(got.of('coingecko:ETHEREUM/USD')[0]?.ts, (T0 - 20) * 1000);
  assert.deepEqual(got.rejects, []);
  const s = feedStats(src);
  assert.equal(s.venue, 'coingecko');
  assert.equal(s.symbols, 3);
  assert.ok(s.skewMs !== null && s.skewMs > 0, 'how old the quotes are when they arrive');
});

test('a quote polled again unchanged is not repeated; a new time or a new price is a tick', async (t) => {
  const table: Table = { bitcoin: { usd: 67187.3358936566, last_updated_at: T0 } };
  const { fake, src, got } = await setup(t, fast, ['bitcoin'], { rest: { [PATH]: coingeckoSimplePriceRest(() => table) } });
  await fake.waitFor(() => fake.restHits.length >= 5, 5000, 'five polls');
  assert.equal(got.of(BTC).length, 1, 'the cached quote once');
  assert.ok(feedStats(src).ignored >= 3, 'polls that changed nothing');

  table['bitcoin'] = { usd: 67190.5, last_updated_at: T0 + 60 };
  await fake.waitFor(() => got.of(BTC).length === 2, 5000, 'the updated quote');
  // same time, other price: a correction, still an observation
  table['bitcoin'] = { usd: 67191, last_updated_at: T0 + 60 };
  await fake.waitFor(() => got.of(BTC).length === 3, 5000, 'the corrected quote');
  // an older copy (another cache) after a newer one is skipped and counted
  table['bitcoin'] = { usd: 67100, last_updated_at: T0 + 30 };
  await fake.waitFor(() => feedStats(src).outOfOrder >= 1, 5000, 'the stale copy');
  table['bitcoin'] = { usd: 67200, last_updated_at: T0 + 120 };
  await fake.waitFor(() => got.of(BTC).length === 4, 5000, 'the next quote');

  assert.deepEqual(
    got.of(BTC).map((k) => [k.ts / 1000 - T0, k.price]),
    [
      [0, 67187.3358936566],
      [60, 67190.5],
      [60, 67191],
      [120, 67200],
    ],
  );
});

test('an id CoinGecko does not know is reported once and still asked for; the others go on', async (t) => {
  const table: Table = { bitcoin: { usd: 67187.3358936566, last_updated_at: T0 } };
  const { fake, src, got } = await setup(t, fast, ['bitcoin', 'no-such-coin', 'bitcoin/xyz'], {
    rest: { [PATH]: coingeckoSimplePriceRest(() => table) },
  });
  await fake.waitFor(() => fake.restHits.length >= 4, 5000, 'four polls');
  table['bitcoin'] = { usd: 67190.5, last_updated_at: T0 + 60 };
  await fake.waitFor(() => got.of(BTC).length === 2, 5000, 'the next quote');

  const errs = got.rejects.filter((r) => r.reason === 'VENUE_ERROR');
  assert.deepEqual(
    errs.map((r) => r.raw),
    ['no-such-coin/usd', 'bitcoin/xyz'],
  );
  assert.match(errs[0]?.message ?? '', /coingecko has no price for 'no-such-coin\/usd'/);
  assert.match(fake.restHits.at(-1)?.query ?? '', /^ids=bitcoin,no-such-coin&vs_currencies=usd,xyz&/);
  const s = feedStats(src);
  assert.equal(s.venueErrors, 2);
  assert.equal(s.symbols, 3);
  assert.equal(s.state, 'open');
});

test('bad values are rejected by reason; the coin with a good quote still ticks', async (t) => {
  const future = Math.floor(Date.now() / 1000) + 3 * 86_400;
  const body = {
    bitcoin: { usd: 67187.3358936566, last_updated_at: T0 },
    ethereum: { usd: 'n/a', last_updated_at: T0 },
    solana: { usd: -1, last_updated_at: T0 },
    cardano: { usd: 0.45, last_updated_at: 'yesterday' },
    dogecoin: { usd: 0.12, last_updated_at: future },
    ripple: { usd: 0.5, last_updated_at: 1_000_000 },
  };
  const { fake, got } = await setup(t, fast, ['bitcoin', 'ethereum', 'solana', 'cardano', 'dogecoin', 'ripple'], {
    rest: { [PATH]: () => ({ body }) },
  });
  await fake.waitFor(() => got.rejects.length >= 5 && got.ticks.length >= 1, 5000, 'the first answer');
  const first = got.rejects.filter((r) => r.position === 'message 1');
  assert.deepEqual(
    first.map((r) => r.reason),
    ['NOT_NUMERIC', 'BAD_PRICE', 'BAD_TIMESTAMP', 'TIMESTAMP_IN_FUTURE', 'TIMESTAMP_TOO_OLD'],
  );
  assert.match(first[1]?.message ?? '', /coingecko:SOLANA\/USD: price -1/);
  assert.equal(first[0]?.raw, '{"ethereum":{"usd":"n/a","last_updated_at":1711356300}}');
  assert.deepEqual([...new Set(got.ticks.map((k) => k.inst))], [BTC]);
});

test("CoinGecko's error bodies are VENUE_ERROR rejects", async (t) => {
  let n = 0;
  const ok = coingeckoSimplePriceRest({ bitcoin: { usd: 67187.3358936566, last_updated_at: T0 } });
  const { fake, src, got } = await setup(t, fast, ['bitcoin'], {
    rest: {
      [PATH]: (q, req) => {
        n++;
        if (n === 1) return { status: 400, body: { error: 'invalid vs_currency' } };
        if (n === 2) return { status: 401, body: { status: { error_code: 10002, error_message: 'API Key Missing' } } };
        return ok(q, req);
      },
    },
  });
  await fake.waitFor(() => got.ticks.length >= 1, 5000, 'a tick after the errors');
  assert.deepEqual(
    got.rejects.map((r) => [r.reason, r.message]),
    [
      ['VENUE_ERROR', 'coingecko error: invalid vs_currency'],
      ['VENUE_ERROR', 'coingecko error 10002: API Key Missing'],
    ],
  );
  const s = feedStats(src);
  assert.equal(s.venueErrors, 2);
  assert.equal(s.reconnects, 2);
});

test('after an outage, a coin whose quote did not change has no gap; one that moved has', async (t) => {
  const table: Table = {
    bitcoin: { usd: 67187.3358936566, last_updated_at: T0 },
    ethereum: { usd: 3500.1, last_updated_at: T0 },
  };
  const { fake, src, got } = await setup(t, fast, ['bitcoin', 'ethereum'], { rest: { [PATH]: coingeckoSimplePriceRest(() => table) } });
  await fake.waitFor(() => got.ticks.length >= 2, 5000, 'first quotes');
  fake.failRest(1000, 503);
  await fake.waitFor(() => feedStats(src).state === 'waiting', 5000, 'the outage');
  table['ethereum'] = { usd: 3510, last_updated_at: T0 + 60 };
  fake.failRest(0);
  await fake.waitFor(() => got.of('coingecko:ETHEREUM/USD').length === 2 && got.gaps.length >= 1, 5000, 'the recovery');
  await fake.waitFor(() => src.stats().events.some((e) => e.type === 'disconnect'), 5000, 'the disconnect event');

  assert.deepEqual(
    got.gaps.map((g) => [g.instrument, g.kind, g.start / 1000 - T0, g.end / 1000 - T0, g.missing, g.source]),
    [['coingecko:ETHEREUM/USD', 'disconnect', 0, 60, -1, 'coingecko#0']],
  );
  assert.equal(got.of(BTC).length, 1);
  const s = feedStats(src);
  assert.equal(s.connects, 2);
  assert.ok(s.reconnects >= 1);
  assert.match(s.lastError ?? '', /HTTP 503/);
});

test('symbols are coin ids with an optional currency; anything else is BAD_INSTRUMENT', () => {
  assert.equal(coingecko.normalizeSymbol('Bitcoin'), 'bitcoin/usd');
  assert.equal(coingecko.normalizeSymbol(' ethereum/EUR '), 'ethereum/eur');
  assert.equal(coingecko.normalizeSymbol('avalanche-2'), 'avalanche-2/usd');
  assert.equal(coingecko.instrument('bitcoin/usd'), 'coingecko:BITCOIN/USD');
  assert.equal(coingecko.instrument(coingecko.normalizeSymbol(`${'a'.repeat(50)}/abcdefghij`)), `coingecko:${'A'.repeat(50)}/ABCDEFGHIJ`);
  for (const bad of ['', 'bit coin', '-bitcoin', 'bitcoin/', 'bitcoin/usd/eur', 'bitcoin/u', 'bit_coin', 'a'.repeat(51)]) {
    assert.throws(
      () => coingecko.normalizeSymbol(bad),
      (e: unknown) => e instanceof TickflowError && e.code === 'BAD_INSTRUMENT',
      bad,
    );
  }
  assert.equal(liveVenue('coingecko'), coingecko);
  const [sub] = parseLiveSources(['coingecko:bitcoin,ethereum/eur,bitcoin/usd']);
  assert.deepEqual(sub?.symbols, ['bitcoin/usd', 'ethereum/eur'], 'bitcoin and bitcoin/usd are one symbol');
  assert.equal(coingecko.restUrl, 'https://api.coingecko.com');
  assert.equal(COINGECKO_INTERVAL_MS, 30_000);
  assert.ok(coingecko.maxSymbolsPerFeed <= 515, 'CoinGecko allows at most 515 ids per request');
});
