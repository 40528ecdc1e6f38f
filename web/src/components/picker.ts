/**
 * The instrument picker: a button showing the selection, opening a search box over a list
 * that shows at most LIMIT matches (typing narrows it), so a thousand instruments cost no more
 * than fifty. Keyboard: ↑/↓ move, Enter picks, Escape closes.
 */
import { h, setText } from '../dom.js';
import { fmtPrice, symbolOf } from '../format.js';
import type { InstrumentInfo } from '../types.js';
import { searchInstruments } from './instrument-search.js';

const LIMIT = 60;

export interface Picker {
  setInstruments(list: readonly InstrumentInfo[], loaded: boolean): void;
  setSelected(instrument: string | null): void;
  /** Opens the list with the search box focused. */
  open(): void;
}

export interface PickerOptions {
  /** Shown on the button while nothing is selected. */
  readonly emptyLabel?: string;
  /** Accessible name of the button. */
  readonly name?: string;
  /** Unique per picker on the page (element ids). */
  readonly id?: string;
  /** Instruments not offered (already chosen). */
  readonly exclude?: () => ReadonlySet<string>;
}

export function createPicker(root: HTMLElement, onPick: (instrument: string) => void, opts: PickerOptions = {}): Picker {
  const id = opts.id ?? 'picker';
  const label = h('span', { class: 'picker-label' }, 'loading…');
  const exchange = h('span', { class: 'picker-exchange' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'picker-button',
      'aria-haspopup': 'listbox',
      'aria-expanded': 'false',
      'aria-label': opts.name ?? 'instrument',
      disabled: true,
    },
    label,
    exchange,
    h('span', { class: 'picker-caret', 'aria-hidden': 'true' }),
  );
  const input = h('input', {
    type: 'search',
    class: 'picker-search',
    placeholder: 'Search instruments',
    'aria-label': 'search instruments',
    role: 'combobox',
    'aria-controls': `${id}-list`,
    'aria-expanded': 'true',
    'aria-autocomplete': 'list',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const listbox = h('ul', { class: 'picker-list', id: `${id}-list`, role: 'listbox', 'aria-label': 'instruments' });
  const more = h('div', { class: 'picker-more' });
  const pop = h('div', { class: 'picker-pop', hidden: true }, input, listbox, more);
  root.replaceChildren(button, pop);

  let instruments: readonly InstrumentInfo[] = [];
  let selected: string | null = null;
  let shown: InstrumentInfo[] = [];
  let active = 0;

  function renderButton(): void {
    const info = instruments.find((i) => i.instrument === selected);
    setText(
      label,
      selected ? (info?.symbol ?? symbolOf(selected)) : instruments.length === 0 ? 'loading…' : (opts.emptyLabel ?? 'pick one'),
    );
    setText(exchange, info?.exchange ?? (selected ? selected.slice(0, selected.indexOf(':')) : ''));
    button.title = selected ?? '';
    button.disabled = instruments.length === 0 && selected === null;
  }

  function renderList(): void {
    const excluded = opts.exclude?.();
    const offered = excluded && excluded.size > 0 ? instruments.filter((i) => !excluded.has(i.instrument)) : instruments;
    const { items, total } = searchInstruments(offered, input.value, LIMIT);
    shown = items;
    active = Math.max(0, Math.min(active, items.length - 1));
    listbox.replaceChildren(
      ...items.map((i, n) =>
        h(
          'li',
          {
            id: `${id}-${n}`,
            role: 'option',
            class: `pick${n === active ? ' active' : ''}`,
            'aria-selected': i.instrument === selected ? 'true' : 'false',
            dataset: { instrument: i.instrument },
            onmousedown: (e: MouseEvent) => e.preventDefault(),
            onclick: () => choose(i.instrument),
          },
          h('span', { class: `pick-dot${i.live ? ' live' : ''}`, title: i.live ? 'live' : 'stored only' }),
          h('span', { class: 'pick-symbol' }, i.symbol),
          h('span', { class: 'pick-exchange' }, i.exchange),
          h('span', { class: 'pick-price' }, fmtPrice(i.lastClose)),
        ),
      ),
    );
    input.setAttribute('aria-activedescendant', items.length > 0 ? `${id}-${active}` : '');
    setText(
      more,
      total === 0
        ? `No instrument matches “${input.value}”.`
        : total > items.length
          ? `${items.length} of ${total.toLocaleString('en-US')}: type to narrow`
          : `${total.toLocaleString('en-US')} instrument${total === 1 ? '' : 's'}`,
    );
  }

  function moveActive(delta: number): void {
    if (shown.length === 0) return;
    active = (active + delta + shown.length) % shown.length;
    listbox.querySelectorAll('.pick.active').forEach((el) => el.classList.remove('active'));
    const el = listbox.children[active];
    el?.classList.add('active');
    el?.scrollIntoView({ block: 'nearest' });
    input.setAttribute('aria-activedescendant', `${id}-${active}`);
  }

  function openPop(): void {
    if (!pop.hidden) return;
    pop.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    input.value = '';
    active = 0;
    renderList();
    input.focus();
  }

  function close(refocus: boolean): void {
    if (pop.hidden) return;
    pop.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (refocus) button.focus();
  }

  function choose(instrument: string): void {
    close(true);
    onPick(instrument);
  }

  button.addEventListener('click', () => (pop.hidden ? openPop() : close(false)));
  input.addEventListener('input', () => {
    active = 0;
    renderList();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') moveActive(1);
    else if (e.key === 'ArrowUp') moveActive(-1);
    else if (e.key === 'Enter') {
      const pick = shown[active];
      if (pick) choose(pick.instrument);
    } else if (e.key === 'Escape') close(true);
    else return;
    e.preventDefault();
  });
  document.addEventListener('mousedown', (e) => {
    if (!root.contains(e.target as Node)) close(false);
  });

  return {
    setInstruments(list, loaded) {
      instruments = list;
      renderButton();
      if (!loaded) setText(label, 'loading…');
      if (!pop.hidden) renderList();
    },
    setSelected(instrument) {
      selected = instrument;
      renderButton();
    },
    open: openPop,
  };
}
