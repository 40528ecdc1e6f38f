import { BAR_CSV_COLUMNS, parseInstrumentId, parseTime, TickflowError, toIso, type Bar } from '../../core/index.js';
import type { Store } from '../../store/index.js';

export interface BarsQuery {
  readonly instrument: string;
  readonly interval: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
  readonly format: 'csv' | 'json';
  readonly timeFormat: 'iso' | 'ms';
}

/** Streams bars from the store to `write`, page by page; returns how many were written. */
export async function exportBars(store: Store, q: BarsQuery, write: (s: string) => void): Promise<number> {
  const instrument = parseInstrumentId(q.instrument);
  const known = await store.instruments();
  const info = known.find((i) => i.instrument === instrument);
  if (!info) {
    const list = known
      .map((i) => i.instrument)
      .slice(0, 20)
      .join(', ');
    throw new TickflowError(
      'UNKNOWN_INSTRUMENT',
      `no bars for ${instrument} in this store${list ? ` (it has: ${list})` : ' (it is empty)'}`,
    );
  }
  if (!info.intervals.includes(q.interval)) {
    throw new TickflowError('UNKNOWN_INTERVAL', `no ${q.interval} bars for ${instrument}; stored intervals: ${info.intervals.join(', ')}`);
  }
  const from = q.from === undefined ? undefined : parseTime(q.from, '--from');
  const to = q.to === undefined ? undefined : parseTime(q.to, '--to');
  const time = (t: number): string | number => (q.timeFormat === 'iso' ? toIso(t) : t);
  let n = 0;
  let cursor: string | undefined;
  if (q.format === 'csv') write(`${BAR_CSV_COLUMNS.join(',')}\n`);
  else write('[');
  for (;;) {
    const want = q.limit === undefined ? 10_000 : Math.min(10_000, q.limit - n);
    if (want <= 0) break;
    const page = await store.bars({
      instrument,
      interval: q.interval,
      limit: want,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    let out = '';
    for (const b of page.items) {
      if (q.format === 'csv') out += `${csvRow(b, time)}\n`;
      else out += `${n > 0 ? ',' : ''}\n${JSON.stringify({ ...b, start: time(b.start), end: time(b.end) })}`;
      n++;
    }
    write(out);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  if (q.format === 'json') write(n > 0 ? '\n]\n' : ']\n');
  return n;
}

function csvRow(b: Bar, time: (t: number) => string | number): string {
  return [b.instrument, b.interval, time(b.start), time(b.end), b.open, b.high, b.low, b.close, b.volume, b.trades, b.vwap].join(',');
}
