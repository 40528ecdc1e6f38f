/**
 * Pipeline health from the `stats` channel: per-stage rates, trade counters, the watermark
 * lag and queue depths. Without a live pipeline (`tickflow serve`) it shows the store counts.
 */

import { fmtCompact, fmtDuration, fmtInt, fmtTime } from '../format.js';
import { h, setText } from '../dom.js';

/** @typedef {import('../types.js').PipelineStats} PipelineStats */
/** @typedef {import('../types.js').StoreStats} StoreStats */

/**
 * Kafka consumer lag, one row per group and topic: records not yet committed, summed over the
 * partitions, with the worst partition in the tooltip.
 * @param {PipelineStats['consumerLag']} rows
 */
function consumerLagRows(rows) {
  if (!rows || rows.length === 0) return [];
  /** @type {Map<string, {lag: number, worst: number, worstPartition: number, partitions: number}>} */
  const byTopic = new Map();
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
  return [
    h('div', { class: 'stat-title' }, 'Consumer lag (Kafka)'),
    ...[...byTopic].map(([k, g]) =>
      h(
        'div',
        { class: 'stat-row', title: `${g.partitions} partitions; most behind: partition ${g.worstPartition} (${fmtInt(g.worst)})` },
        h('span', { class: 'stat-k' }, k),
        h('span', { class: `stat-v ${g.lag > 10_000 ? 'warn' : ''}` }, fmtCompact(g.lag)),
      ),
    ),
  ];
}

/** @param {HTMLElement} root */
export function createPipelinePanel(root) {
  const stages = h('div', { class: 'stat-group stages' });
  const counters = h('div', { class: 'stat-group counters' });
  const lag = h('div', { class: 'stat-group lag' });
  const queues = h('div', { class: 'stat-group queues' });
  const note = h('div', { class: 'panel-note' });
  root.replaceChildren(h('div', { class: 'pipeline-grid' }, stages, counters, lag, queues), note);

  /**
   * @param {string} title
   * @param {[string, string, string?][]} rows label, value, class
   */
  function table(title, rows) {
    return [
      h('div', { class: 'stat-title' }, title),
      ...rows.map(([k, v, cls]) =>
        h('div', { class: 'stat-row' }, h('span', { class: 'stat-k' }, k), h('span', { class: `stat-v ${cls ?? ''}` }, v)),
      ),
    ];
  }

  return {
    /** @param {PipelineStats} s */
    update(s) {
      setText(note, '');
      stages.replaceChildren(
        ...table(
          'Throughput',
          s.stages.map((st) => [
            st.name,
            st.name === 'store' && st.perSecond === 0 ? `${fmtCompact(st.records)} rows` : `${fmtCompact(st.perSecond)}/s`,
          ]),
        ),
      );
      const t = s.trades;
      counters.replaceChildren(
        ...table('Trades', [
          ['accepted', fmtInt(t.accepted)],
          ['rejected', fmtInt(t.rejected), t.rejected > 0 ? 'warn' : ''],
          ['late', fmtInt(t.late), t.late > 0 ? 'warn' : ''],
          ['duplicates', fmtInt(t.duplicates)],
        ]),
      );
      const lagMs = s.watermark.maxLagMs;
      lag.replaceChildren(
        ...table('Watermark', [
          ['max lag', fmtDuration(lagMs), lagMs !== null && lagMs > 60_000 ? 'warn' : ''],
          ['instruments', fmtInt(s.watermark.instruments)],
          ['event time', fmtTime(s.watermark.maxEventTime)],
          ['commits', fmtInt(s.store.commits)],
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
    },

    /** @param {StoreStats} s what /api/stats has without a live pipeline */
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
      setText(note, 'no live pipeline in this process: store counts');
    },

    /** @param {string} message */
    clear(message) {
      for (const g of [stages, counters, lag, queues]) g.replaceChildren();
      setText(note, message);
    },
  };
}
