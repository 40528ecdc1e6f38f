/**
 * The alert feed: newest first, at most 50, coloured by severity. Clicking an alert shows its
 * instrument and interval; a toggle narrows the feed to the selected instrument. Live alerts
 * are drawn in batches, one per animation frame.
 */
import { h, setText } from '../dom.js';
import { fmtTime, symbolOf } from '../format.js';
import type { Alert } from '../types.js';

const MAX = 50;
const FRESH_MS = 4000;

const KIND_LABEL: Record<Alert['kind'], string> = { return_zscore: 'return', volume_spike: 'volume', price_gap: 'gap' };

/** The message without what the row already shows: "<instrument> <interval> " and "(<severity>)". */
function shortMessage(a: Alert): string {
  let m = a.message;
  const prefix = `${a.instrument} ${a.interval} `;
  if (m.startsWith(prefix)) m = m.slice(prefix.length);
  m = m.replace(new RegExp(`\\s*\\(${a.severity}\\)$`), '');
  return m.charAt(0).toUpperCase() + m.slice(1);
}

export const alertKey = (a: Alert): string => `${a.instrument}|${a.interval}|${a.kind}|${a.start}`;

export interface AlertFeed {
  /** What the REST API has, any order. */
  load(initial: readonly Alert[]): void;
  /** Live alerts (one frame's worth). */
  add(list: readonly Alert[]): void;
  setCurrent(instrument: string | null): void;
  /** e.g. an API error, shown while the list is empty. */
  message(text: string): void;
}

export function createAlertFeed(
  root: HTMLElement,
  {
    onSelect,
    onlyToggle,
    count,
  }: { onSelect: (instrument: string, interval: string) => void; onlyToggle: HTMLInputElement; count: HTMLElement },
): AlertFeed {
  const list = h('ol', { class: 'alert-list' });
  const empty = h('div', { class: 'empty-note' }, 'No alerts yet.');
  root.replaceChildren(list, empty);

  let alerts: Alert[] = [];
  let current: string | null = null;
  let custom = '';
  /** Keys that arrived live, for a brief highlight, with when they arrived. */
  const fresh = new Map<string, number>();

  onlyToggle.addEventListener('change', render);

  function render(): void {
    const now = Date.now();
    for (const [k, t] of fresh) if (now - t > FRESH_MS) fresh.delete(k);
    const only = onlyToggle.checked && current !== null;
    const shown = only ? alerts.filter((a) => a.instrument === current) : alerts;
    setText(count, alerts.length === 0 ? '' : String(shown.length));
    empty.hidden = shown.length > 0;
    if (shown.length === 0) setText(empty, custom || (only ? `No alerts for ${current} yet.` : 'No alerts yet.'));
    list.replaceChildren(
      ...shown.map((a) =>
        h(
          'li',
          {
            class: `alert sev-${a.severity}${fresh.has(alertKey(a)) ? ' fresh' : ''}`,
            title: `${a.kind}: value ${a.value.toPrecision(4)}, threshold ${a.threshold.toPrecision(4)} — click to show ${a.instrument} ${a.interval}`,
            tabindex: '0',
            onclick: () => onSelect(a.instrument, a.interval),
            onkeydown: (e: KeyboardEvent) => {
              if (e.key === 'Enter') onSelect(a.instrument, a.interval);
            },
          },
          h(
            'div',
            { class: 'alert-top' },
            h('span', { class: 'sev-badge' }, a.severity),
            h('span', { class: 'alert-inst' }, symbolOf(a.instrument)),
            h('span', { class: 'alert-kind' }, `${a.interval} · ${KIND_LABEL[a.kind] ?? a.kind}`),
            h('time', { class: 'alert-time', datetime: new Date(a.time).toISOString() }, fmtTime(a.time)),
          ),
          h('div', { class: 'alert-msg' }, shortMessage(a)),
        ),
      ),
    );
  }

  function merge(more: readonly Alert[]): void {
    const byKey = new Map(alerts.map((a) => [alertKey(a), a]));
    for (const a of more) byKey.set(alertKey(a), a);
    alerts = [...byKey.values()].sort((x, y) => y.time - x.time || y.start - x.start).slice(0, MAX);
  }

  let unfresh: ReturnType<typeof setTimeout> | undefined;

  return {
    load(initial) {
      custom = '';
      merge(initial);
      render();
    },
    add(more) {
      const now = Date.now();
      for (const a of more) fresh.set(alertKey(a), now);
      merge(more);
      render();
      clearTimeout(unfresh);
      unfresh = setTimeout(render, FRESH_MS + 50);
    },
    setCurrent(instrument) {
      current = instrument;
      render();
    },
    message(text) {
      custom = text;
      render();
    },
  };
}
