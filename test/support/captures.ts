/**
 * Reads the raw WebSocket captures of `../shared/data/ws-captures` (see its SOURCES.md §4):
 *
 * - cryptofeed `*.v3.jsonl.gz`: one JSON object per line, `{"t":"header"|"http"|"connect"|"send"|"recv","conn","ts","data"|"addr"}`;
 * - cryptofeed legacy Coinbase `*.ws.*.txt.gz`: `<url> <-> <ts>` (connect), `<url> <- <ts>: <frame>` (send),
 *   `<ts>: <frame>` (receive);
 * - hftbacktest Binance `*.gz`: `<local receive epoch ns> <frame>`.
 *
 * Every capture becomes the same list of events, in file order, with local times in epoch ms.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join } from 'node:path';
import { SHARED_DATA } from '../helpers.js';

export interface CaptureEvent {
  readonly kind: 'connect' | 'send' | 'recv';
  /** connection name (`BYBIT.ws.2`; the URL for legacy Coinbase; `ws` for hftbacktest) */
  readonly conn: string;
  /** local time, epoch ms (fractional) */
  readonly ts: number;
  /** the frame text (send, recv) or the URL (connect) */
  readonly data: string;
}

export const CAPTURES_DIR = (): string => join(SHARED_DATA, 'ws-captures');

export function cryptofeedCapture(name: string): string {
  return join(CAPTURES_DIR(), 'cryptofeed', name);
}

export function hftbacktestCapture(name: string): string {
  return join(CAPTURES_DIR(), 'hftbacktest-binance', name);
}

export function readCapture(path: string): CaptureEvent[] {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const name = basename(path);
  if (name.endsWith('.jsonl.gz')) return lines.flatMap(cryptofeedLine);
  if (/\.ws\.[\d.]+\.txt\.gz$/.test(name)) return legacyLines(lines);
  return lines.map(hftbacktestLine);
}

/** Received frames only, optionally of one connection. */
export function receivedFrames(events: readonly CaptureEvent[], conn?: string): CaptureEvent[] {
  return events.filter((e) => e.kind === 'recv' && (conn === undefined || e.conn === conn));
}

function cryptofeedLine(line: string): CaptureEvent[] {
  const o = JSON.parse(line) as { t: string; conn?: string; ts?: number; data?: string; addr?: string };
  if (o.t !== 'connect' && o.t !== 'send' && o.t !== 'recv') return [];
  return [{ kind: o.t, conn: o.conn ?? '', ts: (o.ts ?? 0) * 1000, data: o.t === 'connect' ? (o.addr ?? '') : (o.data ?? '') }];
}

function legacyLines(lines: readonly string[]): CaptureEvent[] {
  let url = '';
  const out: CaptureEvent[] = [];
  for (const l of lines) {
    const c = /^(\S+) <-> ([\d.]+)$/.exec(l);
    if (c) {
      url = c[1] ?? '';
      out.push({ kind: 'connect', conn: url, ts: Number(c[2]) * 1000, data: url });
      continue;
    }
    const s = /^(\S+) <- ([\d.]+): (.*)$/.exec(l);
    if (s) {
      out.push({ kind: 'send', conn: s[1] ?? url, ts: Number(s[2]) * 1000, data: s[3] ?? '' });
      continue;
    }
    const r = /^([\d.]+): (.*)$/.exec(l);
    if (r) out.push({ kind: 'recv', conn: url, ts: Number(r[1]) * 1000, data: r[2] ?? '' });
  }
  return out;
}

function hftbacktestLine(line: string): CaptureEvent {
  const sp = line.indexOf(' ');
  return { kind: 'recv', conn: 'ws', ts: Number(line.slice(0, sp)) / 1e6, data: line.slice(sp + 1) };
}
