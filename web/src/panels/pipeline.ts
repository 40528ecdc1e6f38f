/**
 * Pipeline health from the `stats` channel: per-stage throughput, trade counters, the
 * watermark lag, queue depths, Kafka consumer lag, and the live exchange connections
 * (`feeds`). Without a live pipeline (`tickflow serve`) it shows the store counts.
 */
import { h, setText } from '../dom.js';
import { fmtCompact, fmtDuration, fmtInt, fmtTime } from '../format.js';
import type { FeedConnectionStats, FeedStats, PipelineStats, StoreStats } from '../types.js';

type Row = readonly [label: string, value: string, cls?: string, title?: string];

function table(title: string, rows: readonly Row[]): HTMLElement[] {
  return [
    h('div', { class: 'stat-title' }, title),
    ...rows.map(([k, v, cls, t]) =>
      h(
        'div',
        { class: 'stat-row', title: t ?? null },
        h('span', { class: 'stat-k' }, k),
        h('span', { class: `stat-v ${cls ?? ''}`.trim() }, v),
      ),
    ),
  ];
}

/** Kafka consumer lag, one row per group and topic, summed over the partitions. */
function consumerLagRows(rows: PipelineStats['consumerLag']): HTMLElement[] {
  if (!rows || rows.length === 0) return [];
  const byTopic = new Map<string, { lag: number; worst: number; worstPartition: number; partitions: number }>();
  for (const r of rows) {
    const k = `${r.group} · ${r.topic}`;
    const g = byTopic.get(k) ?? { lag: 0, worst: -1, worstPartition: -1, partitions: 0 };
    g.lag += r.lag;
    g.partitions++;
    if (r.lag > g.worst) {
      g.worst = r.lag;
      g.worstPartition = r.partition;
    }
    byTopic.set(k, g);
  }
  return table(
    'Consumer lag (Kafka)',
    [...byTopic].map(([k, g]) => [
      k,
      fmtCompact(g.lag),
      g.lag > 10_000 ? 'warn' : '',
      `${g.partitions} partitions; most behind: partition ${g.worstPartition} (${fmtInt(g.worst)})`,
    ]),
  );
}

const STATE_LABEL: Record<FeedConnectionStats['state'], string> = {
  open: 'connected',
  connecting: 'connecting',
  waiting: 'reconnecting',
  closed: 'closed',
};

function feedRows(feeds: readonly FeedStats[] | undefined): HTMLElement[] {
  const conns = (feeds ?? []).flatMap((f) => f.connections.map((c) => ({ source: f.source, c })));
  if (conns.length === 0) {
    return [
      h('div', { class: 'stat-title' }, 'Sources'),
      h('div', { class: 'stat-row muted' }, 'no exchange connections (simulated or replayed input)'),
    ];
  }
  const events = (feeds ?? []).flatMap((f) => f.events).sort((a, b) => b.time - a.time);
  return [
    h('div', { class: 'stat-title' }, 'Exchange connections'),
    ...conns.map(({ c }) => {
      const title = [
        c.url,
        `${fmtInt(c.symbols)} symbols, ${fmtInt(c.messages)} messages, ${fmtInt(c.connects)} connects`,
        c.gapsDetected > 0
          ? `${fmtInt(c.gapsDetected)} id gaps: ${fmtInt(c.tradesMissed)} trades missed, ${fmtInt(c.tradesBackfilled)} backfilled`
          : '',
        c.skewMs === null ? '' : `clock skew ${fmtDuration(c.skewMs)}`,
        c.lastError ? `last error: ${c.lastError}` : '',
      ]
        .filter(Boolean)
        .join('\n');
      return h(
        'div',
        { class: `feed feed-${c.state}`, title, dataset: { state: c.state } },
        h('span', { class: 'feed-dot' }),
        h('span', { class: 'stat-k feed-name' }, `${c.venue}${c.connection > 0 ? ` #${c.connection + 1}` : ''}`),
        h('span', { class: 'feed-state' }, STATE_LABEL[c.state]),
        h('span', { class: 'stat-v', title: 'trades received' }, `${fmtCompact(c.trades)} trades`),
        h(
          'span',
          { class: `stat-v ${c.reconnects > 0 ? 'warn' : ''}`.trim(), title: 'connection losses and failed attempts' },
          `${fmtInt(c.reconnects)} reconn.`,
        ),
        h(
          'span',
          { class: 'stat-v muted', title: 'since the last message' },
          c.lastMessageAgeMs === null ? '—' : fmtDuration(c.lastMessageAgeMs),
        ),
      );
    }),
    ...events
      .slice(0, 3)
      .map((e) =>
        h(
          'div',
          { class: 'feed-event muted', title: e.reason ?? '' },
          `${fmtTime(e.time)} ${e.venue}: ${
            e.type === 'disconnect'
              ? `disconnected${e.from !== undefined && e.to !== undefined ? ` for ${fmtDuration(e.to - e.from)}` : ''}`
              : `gap in ${e.instrument ?? '?'} ids${e.backfilled ? ` (backfilled: ${e.backfilled})` : ''}`
          }`,
        ),
      ),
  ];
}

export interface PipelinePanel {
  update(s: PipelineStats): void;
  storeOnly(s: StoreStats): void;
  clear(message: string): void;
}

export function createPipelinePanel(root: HTMLElement): PipelinePanel {
  const stages = h('div', { class: 'stat-group stages' });
  const counters = h('div', { class: 'stat-group counters' });
  const lag = h('div', { class: 'stat-group lag' });
  const queues = h('div', { class: 'stat-group queues' });
  const feeds = h('div', { class: 'stat-group feeds' });
  const note = h('div', { class: 'panel-note' });
  root.replaceChildren(h('div', { class: 'pipeline-grid' }, stages, counters, lag, queues, feeds), note);

  return {
    update(s) {
      setText(note, '');
      stages.replaceChildren(
        ...table(
          'Throughput',
          s.stages.map((st) => [
            st.name,
            `${fmtCompact(st.perSecond)}/s`,
            st.perSecond > 0 ? 'live' : '',
            `${fmtInt(st.records)} records since start`,
          ]),
        ),
      );
      const t = s.trades;
      const reasons = Object.entries(s.rejectsByReason)
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${r}: ${fmtInt(n)}`)
        .join('\n');
      counters.replaceChildren(
        ...table('Trades', [
          ['received', fmtInt(t.received)],
          ['accepted', fmtInt(t.accepted)],
          ['rejected', fmtInt(t.rejected), t.rejected > 0 ? 'warn' : '', reasons || 'none rejected'],
          ['late', fmtInt(t.late), t.late > 0 ? 'warn' : '', 'trades for a bar that was already final'],
          ['duplicates', fmtInt(t.duplicates), '', 'same instrument and trade id seen again (dropped)'],
        ]),
      );
      const lagMs = s.watermark.maxLagMs;
      lag.replaceChildren(
        ...table('Watermark', [
          ['lag', fmtDuration(lagMs), lagMs !== null && lagMs > 60_000 ? 'warn' : '', 'local time minus the slowest instrument watermark'],
          ['instruments', fmtInt(s.watermark.instruments)],
          ['event time', fmtTime(s.watermark.maxEventTime)],
          ['store commits', fmtInt(s.store.commits), '', `${fmtInt(s.store.rowsWritten)} rows written`],
        ]),
      );
      queues.replaceChildren(
        h('div', { class: 'stat-title' }, 'Queues'),
        ...(s.queues.length === 0
          ? [h('div', { class: 'stat-row muted' }, 'none')]
          : s.queues.map((q) => {
              const frac = q.capacity > 0 ? Math.min(1, q.depth / q.capacity) : 0;
              return h(
                'div',
                { class: 'queue', title: `${fmtInt(q.depth)} of ${fmtInt(q.capacity)}` },
                h('span', { class: 'stat-k' }, q.name),
                h(
                  'span',
                  { class: 'queue-bar' },
                  h('span', { class: frac > 0.8 ? 'hot' : '', style: { width: `${(frac * 100).toFixed(1)}%` } }),
                ),
                h('span', { class: 'stat-v' }, fmtCompact(q.depth)),
              );
            })),
        ...consumerLagRows(s.consumerLag),
      );
      feeds.replaceChildren(...feedRows(s.feeds));
    },

    storeOnly(s) {
      const c = s.counts;
      stages.replaceChildren(
        ...table('Stored', [
          ['bars', fmtInt(c.bars)],
          ['indicators', fmtInt(c.indicators)],
          ['trades', fmtInt(c.trades)],
        ]),
      );
      counters.replaceChildren(
        ...table('Quality', [
          ['rejects', fmtInt(c.rejects)],
          ['late', fmtInt(c.late)],
        ]),
      );
      lag.replaceChildren(
        ...table('Outputs', [
          ['alerts', fmtInt(c.alerts)],
          ['windows', fmtInt(c.windows)],
        ]),
      );
      queues.replaceChildren();
      feeds.replaceChildren();
      setText(note, 'no live pipeline in this process: store counts');
    },

    clear(message) {
      for (const g of [stages, counters, lag, queues, feeds]) g.replaceChildren();
      setText(note, message);
    },
  };
}
