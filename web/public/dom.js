/* global document -- browser globals (the lint config targets Node) */
/** A few DOM helpers, so the panels build their markup without a framework. */

/**
 * Creates an element: `h('div', {class: 'tile', title: 'x'}, 'text', child)`.
 * Props starting with `on` become listeners; `dataset`/`style` objects are merged.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any> | null} [props]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'dataset' || k === 'style') Object.assign(el[k], v);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
  return el;
}

/**
 * The element matching `selector`; throws when the page lacks it (a broken index.html).
 * @template {Element} [T=HTMLElement]
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {T}
 */
export function $(selector, root = document) {
  const el = root.querySelector(selector);
  if (!el) throw new Error(`dashboard markup has no ${selector}`);
  return /** @type {T} */ (/** @type {unknown} */ (el));
}

/**
 * Sets text only when it changed (cheap to call on every update).
 * @param {Element} el
 * @param {string} text
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Briefly highlights an element whose value went up or down.
 * @param {Element} el
 * @param {'up' | 'down'} dir
 */
export function flash(el, dir) {
  el.classList.remove('flash-up', 'flash-down');
  // Restart the animation.
  void (/** @type {HTMLElement} */ (el).offsetWidth);
  el.classList.add(dir === 'up' ? 'flash-up' : 'flash-down');
}
