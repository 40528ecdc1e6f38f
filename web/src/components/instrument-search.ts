/** Ranking for the instrument picker's search box; pure, so it is tested without a browser. */

export interface Searchable {
  readonly instrument: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly live: boolean;
}

/**
 * The instruments matching `query` (every word must appear in "exchange:symbol", case and
 * separators ignored), best first: exact symbol, symbol prefix, then anywhere; live before
 * stored-only; then by name. At most `limit`, with the number of matches.
 */
export function searchInstruments<T extends Searchable>(list: readonly T[], query: string, limit: number): { items: T[]; total: number } {
  const words = normalize(query).split(' ').filter(Boolean);
  const scored: { item: T; score: number }[] = [];
  for (const item of list) {
    const symbol = normalize(item.symbol).replace(/ /g, '');
    const hay = `${normalize(item.exchange)} ${symbol} ${normalize(item.instrument)}`;
    if (!words.every((w) => hay.includes(w))) continue;
    const q = words.join('');
    const score = q === '' ? 0 : symbol === q ? 0 : symbol.startsWith(q) ? 1 : 2;
    scored.push({ item, score: score * 2 + (item.live ? 0 : 1) });
  }
  scored.sort((a, b) => a.score - b.score || a.item.instrument.localeCompare(b.item.instrument));
  return { items: scored.slice(0, limit).map((s) => s.item), total: scored.length };
}

function normalize(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
