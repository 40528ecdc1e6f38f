/* global document -- browser globals (the lint config targets Node) */
/**
 * Realized volatility of the selected instrument and interval: the newest value (annualized)
 * and a sparkline of the recent ones, with the last log return.
 */

import { fmtPct } from '../format.js';
import { h, setText } from '../dom.js';

/** @typedef {import('../types.js').VolatilityPoint} VolatilityPoint */

const SVG = 'http://www.w3.org/2000/svg';
const W = 300;
const H = 56;

/** @param {HTMLElement} root */
export function createVolatilityPanel(root) {
  const value = h('div', { class: 'vol-value' }, '—');
  const ret = h('div', { class: 'vol-return' });
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.classList.add('sparkline');
  const area = document.createElementNS(SVG, 'path');
  area.classList.add('spark-area');
  const line = document.createElementNS(SVG, 'path');
  line.classList.add('spark-line');
  svg.append(area, line);
  const note = h('div', { class: 'panel-note' });
  root.replaceChildren(h('div', { class: 'vol-head' }, value, ret), svg, note);

  /** @type {VolatilityPoint[]} */
  let points = [];

  function render() {
    const vals = points.map((p) => p.realizedVol).filter(/** @returns {v is number} */ (v) => v !== null && Number.isFinite(v));
    const last = [...points].reverse().find((p) => p.realizedVol !== null);
    setText(value, last ? fmtPct(last.realizedVol, { decimals: 1 }) : '—');
    const lr = points.at(-1)?.logReturn;
    setText(ret, lr === null || lr === undefined ? '' : `last return ${fmtPct(Math.expm1(lr), { decimals: 3, signed: true })}`);
    ret.className = `vol-return ${lr && lr > 0 ? 'up' : lr && lr < 0 ? 'down' : ''}`;
    if (vals.length < 2) {
      line.setAttribute('d', '');
      area.setAttribute('d', '');
      setText(note, points.length === 0 ? note.textContent || '' : 'warming up: needs more bars');
      return;
    }
    setText(note, '');
    const min = Math.min(...vals);
    const max = Math.max(...vals);
    const span = max - min || Math.abs(max) || 1;
    const n = vals.length;
    const xy = vals.map((v, i) => [(i / (n - 1)) * W, H - 4 - ((v - min) / span) * (H - 8)]);
    const d = xy.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
    line.setAttribute('d', d);
    area.setAttribute('d', `${d}L${W},${H}L0,${H}Z`);
  }

  return {
    /** @param {VolatilityPoint[]} pts oldest first */
    set(pts) {
      points = pts.slice(-120);
      setText(note, '');
      render();
    },
    /** @param {string} message */
    clear(message) {
      points = [];
      render();
      setText(note, message);
    },
  };
}
