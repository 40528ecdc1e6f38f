/**
 * Predictions vs outcomes. No model runs in the pipeline yet (models come with their own
 * issue), so the panel says so, and shows what a model will be measured against: the naive
 * baselines' errors on the bars of the chart, computed here from those bars.
 */
import { h, setText } from '../dom.js';
import { baselineScores } from '../baselines.js';
import { fmtInt, fmtPct } from '../format.js';
import type { Bar } from '../types.js';

export interface PredictionsPanel {
  /** The bars on the chart, oldest first, and their interval. */
  setBars(bars: readonly Bar[], interval: string): void;
}

export function createPredictionsPanel(root: HTMLElement): PredictionsPanel {
  const rows = h('tbody');
  const caption = h('div', { class: 'panel-sub' });
  root.replaceChildren(
    h(
      'div',
      { class: 'pred-empty' },
      h('div', { class: 'pred-title' }, 'No model is running yet'),
      h(
        'p',
        null,
        'When one is, each closed bar gets its forecast of the next bar’s return, drawn here against what happened, with each model’s rolling error and hit rate next to the baselines below. A model that does not beat them is shown as such.',
      ),
    ),
    h(
      'table',
      { class: 'pred-table' },
      h('thead', null, h('tr', null, h('th', null, 'baseline'), h('th', null, 'MAE'), h('th', null, 'hit rate'))),
      rows,
    ),
    caption,
  );

  return {
    setBars(bars, interval) {
      const s = baselineScores(bars);
      const row = (name: string, title: string, mae: number | null, hit: string) =>
        h('tr', { title }, h('td', null, name), h('td', null, fmtPct(mae, { decimals: 3 })), h('td', null, hit));
      rows.replaceChildren(
        row('zero return', 'predicts no change: the next close equals this one', s?.zeroMae ?? null, '—'),
        row(
          'drift',
          'predicts the mean of the returns so far',
          s?.driftMae ?? null,
          s === null || s.driftHitRate === null ? '—' : fmtPct(s.driftHitRate, { decimals: 0 }),
        ),
      );
      setText(
        caption,
        s
          ? `next-bar log return, scored on ${fmtInt(s.n)} closed ${interval} bars of the chart`
          : `waiting for closed ${interval} bars to score the baselines`,
      );
    },
  };
}
