// CoinGecko `GET /api/v3/simple/price` for pollers.
// https://docs.coingecko.com/v3.0.1/reference/simple-price
import type { RestHandler } from './rest.js';

/**
 * Per coin id, the values CoinGecko would know: `{ usd: 67187.33, usd_24h_change: 3.6,
 * usd_market_cap: ..., usd_24h_vol: ..., last_updated_at: 1711356300 }` (last_updated_at in
 * epoch seconds).
 */
export type CoingeckoPrices = Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * `?ids=bitcoin,ethereum&vs_currencies=usd[&include_market_cap=true][&include_24hr_vol=true]
 * [&include_24hr_change=true][&include_last_updated_at=true]` →
 * `{"bitcoin":{"usd":67187.33},"ethereum":{"usd":3500.1}}`, numbers not strings. Unknown ids
 * are left out (an answer may be `{}`); a flagged value the table lacks is `null`, except
 * `last_updated_at`, which defaults to now. Without `vs_currencies`, 400. `prices` is read on
 * every request (mutate it or pass a function).
 */
export function coingeckoSimplePriceRest(prices: CoingeckoPrices | (() => CoingeckoPrices)): RestHandler {
  return (query) => {
    const table = typeof prices === 'function' ? prices() : prices;
    const vs = list(query.get('vs_currencies'));
    if (vs.length === 0) return { status: 400, body: { error: 'Missing parameter vs_currencies' } };
    const flag = (name: string): boolean => query.get(name) === 'true';
    const body: Record<string, Record<string, number | null>> = {};
    for (const id of list(query.get('ids'))) {
      const coin = table[id];
      if (!coin) continue;
      const out: Record<string, number | null> = {};
      for (const c of vs) {
        const price = coin[c];
        if (price === undefined) continue;
        out[c] = price;
        if (flag('include_market_cap')) out[`${c}_market_cap`] = coin[`${c}_market_cap`] ?? null;
        if (flag('include_24hr_vol')) out[`${c}_24h_vol`] = coin[`${c}_24h_vol`] ?? null;
        if (flag('include_24hr_change')) out[`${c}_24h_change`] = coin[`${c}_24h_change`] ?? null;
      }
      if (flag('include_last_updated_at')) out['last_updated_at'] = coin['last_updated_at'] ?? Math.floor(Date.now() / 1000);
      body[id] = out;
    }
    return { status: 200, body };
  };
}

function list(v: string | null): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
}
