/**
 * What the address bar carries, so a view can be shared: the instrument, the interval, the
 * chart overlays and the instruments compared. Kept in the hash (`#instrument=…&interval=1m`):
 * the server serves the same page whatever follows it.
 */

export const OVERLAYS = ['sma', 'ema', 'bb', 'vwap', 'alerts'] as const;
export type Overlay = (typeof OVERLAYS)[number];
export const DEFAULT_OVERLAYS: readonly Overlay[] = ['sma', 'bb', 'alerts'];

export interface ViewState {
  readonly instrument?: string;
  readonly interval?: string;
  readonly overlays?: readonly Overlay[];
  readonly compare?: readonly string[];
}

const isOverlay = (s: string): s is Overlay => (OVERLAYS as readonly string[]).includes(s);

/** Reads a hash (or query string); unknown keys and values are ignored. */
export function parseView(hash: string): ViewState {
  const q = new URLSearchParams(hash.replace(/^[#?]/, ''));
  const instrument = q.get('instrument')?.trim();
  const interval = q.get('interval')?.trim();
  const overlays = q.get('overlays');
  const compare = q.get('compare');
  return {
    ...(instrument ? { instrument } : {}),
    ...(interval && /^[\w:.]+$/.test(interval) ? { interval } : {}),
    ...(overlays !== null ? { overlays: overlays.split(',').filter(isOverlay) } : {}),
    ...(compare !== null ? { compare: [...new Set(compare.split(',').filter((s) => s.includes(':')))].slice(0, 8) } : {}),
  };
}

/** The hash for a view, without the '#'; default overlays and an empty compare list are left out. */
export function formatView(v: ViewState): string {
  const q = new URLSearchParams();
  if (v.instrument) q.set('instrument', v.instrument);
  if (v.interval) q.set('interval', v.interval);
  if (v.overlays && v.overlays.join(',') !== DEFAULT_OVERLAYS.join(',')) q.set('overlays', v.overlays.join(','));
  if (v.compare && v.compare.length > 0) q.set('compare', v.compare.join(','));
  // Instrument ids keep their ':' and '/' readable in the address bar.
  return q.toString().replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%2F/gi, '/');
}
