// Which window size the KPI cards show (a module without the DOM, so node tests it).
/**
 * The window size the cards show: the one the user picked while it has data, else the smallest
 * (the liveliest). Not the first to arrive: with `--windows 10s/2s,5m/1m` a 5 m window closing on
 * the minute could come first and would have stayed on screen.
 */
export function shownWindowSize(sizes: Iterable<number>, picked: number | null): number | null {
  let smallest: number | null = null;
  for (const s of sizes) {
    if (s === picked) return s;
    if (smallest === null || s < smallest) smallest = s;
  }
  return smallest;
}
