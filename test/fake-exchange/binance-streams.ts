// Binance names a connection's streams in its URL: combined `/stream?streams=a/b` (frames
// wrapped as `{"stream":..,"data":..}`) or raw `/ws/a/b` (bare events).
// https://developers.binance.com/docs/binance-spot-api-docs/web-socket-streams
import type { ConnectionInfo, ReplayFrame } from './fake-exchange.js';

const ENVELOPE = /^\{"stream":"([^"]+)","data":/;

interface Wanted {
  readonly combined: boolean;
  readonly streams: ReadonlySet<string>;
}
const wantedByConn = new WeakMap<ConnectionInfo, Wanted>();

/**
 * A `frameFor` for {@link startFakeExchange} that gives each connection only the captured
 * streams its URL asked for, unwrapped for raw `/ws/...` URLs. Frames that are not stream
 * envelopes (e.g. a REST snapshot line of an hftbacktest capture) go nowhere. Streams asked
 * for by a `SUBSCRIBE` message are not followed.
 */
export function binanceStreamRoute(frame: ReplayFrame, conn: ConnectionInfo): string | null {
  const m = ENVELOPE.exec(frame.data);
  const stream = m?.[1];
  if (stream === undefined) return null;
  const wanted = wantedByConn.get(conn) ?? parseUrl(conn);
  if (!wanted.streams.has(stream)) return null;
  if (wanted.combined) return frame.data;
  // Slice rather than re-serialize so the bare event is byte-identical to the captured one.
  const start = m?.[0].length ?? 0;
  return frame.data.slice(start, frame.data.lastIndexOf('}'));
}

function parseUrl(conn: ConnectionInfo): Wanted {
  const url = new URL(conn.url, 'http://fake');
  const combined = url.pathname.endsWith('/stream');
  const list = combined ? (url.searchParams.get('streams') ?? '') : (/\/ws\/(.+)$/.exec(url.pathname)?.[1] ?? '');
  const wanted = { combined, streams: new Set(list.split('/').filter((s) => s.length > 0)) };
  wantedByConn.set(conn, wanted);
  return wanted;
}
