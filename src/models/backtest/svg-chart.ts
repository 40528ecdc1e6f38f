import { RANDOM_WALK, squaredErrors } from './report.js';
import type { ScoredSteps } from './step-recorder.js';

export interface ChartOptions {
  /** Shown after a model's name in the legend (e.g. its RMSE against the random walk). */
  readonly notes?: Readonly<Record<string, string>>;
  /** Champion changes to mark on the time axis: the step at which `to` became champion. */
  readonly changes?: readonly { readonly step: number; readonly to: string }[];
}

const W = 960;
const H = 540;
const M = { left: 84, right: 230, top: 76, bottom: 58 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
/** Buckets per line; each gives its lowest and highest point, so spikes survive the thinning. */
const BUCKETS = 600;
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);

/**
 * The running sum of (model's squared error - the random walk's) over the scored steps: a line
 * that ends below 0 forecast better than the random walk over the run, and where it falls is where
 * it did. Steps the model did not forecast add nothing.
 */
export function cumulativeDifference(steps: ScoredSteps, model: number): Float64Array {
  const rw = steps.models.indexOf(RANDOM_WALK);
  const base = rw >= 0 ? squaredErrors(steps, rw) : new Float64Array(steps.y.length);
  const own = squaredErrors(steps, model);
  const out = new Float64Array(steps.y.length);
  let acc = 0;
  for (let i = 0; i < out.length; i++) {
    const d = (own[i] ?? NaN) - (base[i] ?? NaN);
    if (Number.isFinite(d)) acc += d;
    out[i] = acc;
  }
  return out;
}

/** Indices to draw: per bucket the lowest and the highest value, in time order. */
function thin(values: Float64Array): number[] {
  const n = values.length;
  if (n <= 2 * BUCKETS) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let b = 0; b < BUCKETS; b++) {
    const lo = Math.floor((b * n) / BUCKETS);
    const hi = Math.floor(((b + 1) * n) / BUCKETS);
    let iMin = lo;
    let iMax = lo;
    for (let i = lo; i < hi; i++) {
      if ((values[i] ?? 0) < (values[iMin] ?? 0)) iMin = i;
      if ((values[i] ?? 0) > (values[iMax] ?? 0)) iMax = i;
    }
    const a = Math.min(iMin, iMax);
    const c = Math.max(iMin, iMax);
    out.push(a);
    if (c !== a) out.push(c);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

/** About `target` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): { ticks: number[]; step: number } {
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) ticks.push(k * step);
  return { ticks, step };
}

const SUPERSCRIPT: Readonly<Record<string, string>> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Tick times for [t0, t1] (UTC) and how to label them. */
function timeTicks(t0: number, t1: number): { ticks: number[]; label: (t: number) => string } {
  const span = Math.max(1, t1 - t0);
  const iso = (t: number): string => new Date(t).toISOString();
  const fixed = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY];
  const step = fixed.find((s) => span / s <= 8);
  if (step !== undefined) {
    const ticks: number[] = [];
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
    const label = step < DAY ? (t: number) => `${iso(t).slice(5, 10)} ${iso(t).slice(11, 16)}` : (t: number) => iso(t).slice(0, 10);
    return { ticks, label };
  }
  const months = [1, 2, 3, 6, 12, 24, 60].find((m) => span / (m * 30.44 * DAY) <= 8) ?? 120;
  const d0 = new Date(t0);
  // months since year 0, from the first month start at or after t0, rounded up to a multiple of the step
  let abs = d0.getUTCFullYear() * 12 + d0.getUTCMonth() + (Date.UTC(d0.getUTCFullYear(), d0.getUTCMonth(), 1) < t0 ? 1 : 0);
  abs = Math.ceil(abs / months) * months;
  const ticks: number[] = [];
  for (let t = Date.UTC(Math.floor(abs / 12), abs % 12, 1); t <= t1; t = Date.UTC(Math.floor(abs / 12), abs % 12, 1)) {
    ticks.push(t);
    abs += months;
  }
  return { ticks, label: months >= 12 ? (t) => iso(t).slice(0, 4) : (t) => iso(t).slice(0, 7) };
}

/**
 * A hand-written SVG line chart of each model's cumulative squared-error difference against the
 * random walk over time. Deterministic: the same steps give the same bytes.
 */
export function renderChart(steps: ScoredSteps, options: ChartOptions = {}): string {
  const n = steps.y.length;
  const title = `${steps.instrument} ${steps.interval}: cumulative squared error minus the random walk's`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${esc(FONT)}" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="26" font-size="16" font-weight="600" fill="#111">${esc(title)}</text>`,
  );
  const t0 = steps.time[0] ?? 0;
  const t1 = steps.time[n - 1] ?? 0;
  const when = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const span = n > 0 ? `${n.toLocaleString('en-US')} scored steps, ${when(t0)} to ${when(t1)} UTC.` : '';
  out.push(
    `<text x="${M.left}" y="45" fill="#444">${esc(span)}</text>`,
    `<text x="${M.left}" y="61" fill="#444">${esc('Below 0: the model forecast better than the random walk (zero return) up to that time.')}</text>`,
  );
  const lines = steps.models
    .map((model, i) => ({ model, i }))
    .filter((l) => l.model !== RANDOM_WALK)
    .map((l, k) => ({ ...l, color: PALETTE[k % PALETTE.length] ?? '#000', cum: cumulativeDifference(steps, l.i) }));
  if (n < 2) {
    out.push(
      `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#444">not enough scored steps to draw (${n})</text>`,
      '</svg>',
      '',
    );
    return out.join('\n');
  }

  let lo = 0;
  let hi = 0;
  for (const l of lines) {
    for (const v of l.cum) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (hi - lo <= 0) {
    lo = -1;
    hi = 1;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const exp = Math.floor(Math.log10(Math.max(Math.abs(lo), Math.abs(hi))));
  const scaleExp = exp < -2 || exp > 3 ? exp : 0;
  const scale = 10 ** scaleExp;
  const { ticks: yTicks, step: yStep } = niceTicks(lo / scale, hi / scale);
  const decimals = Math.max(0, -Math.floor(Math.log10(yStep) + 1e-9));
  const x = (t: number): number => M.left + ((t - t0) / Math.max(1, t1 - t0)) * PW;
  const y = (v: number): number => M.top + (1 - (v - lo) / (hi - lo)) * PH;

  // grid and axes
  out.push(`<g stroke="#e5e5e5" stroke-width="1">`);
  for (const v of yTicks) out.push(`<line x1="${M.left}" x2="${M.left + PW}" y1="${f1(y(v * scale))}" y2="${f1(y(v * scale))}"/>`);
  const { ticks: xTicks, label: xLabel } = timeTicks(t0, t1);
  for (const t of xTicks) out.push(`<line x1="${f1(x(t))}" x2="${f1(x(t))}" y1="${M.top}" y2="${M.top + PH}"/>`);
  out.push('</g>');
  out.push(`<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#999"/>`);
  out.push(`<g fill="#333" text-anchor="end">`);
  for (const v of yTicks) out.push(`<text x="${M.left - 6}" y="${f1(y(v * scale) + 4)}">${v.toFixed(decimals)}</text>`);
  out.push('</g>', `<g fill="#333" text-anchor="middle">`);
  for (const t of xTicks) out.push(`<text x="${f1(x(t))}" y="${M.top + PH + 18}">${esc(xLabel(t))}</text>`);
  out.push('</g>');
  const unit =
    scaleExp === 0
      ? ''
      : ` (×10${String(scaleExp)
          .split('')
          .map((c) => SUPERSCRIPT[c] ?? c)
          .join('')})`;
  out.push(
    `<text x="${M.left + PW / 2}" y="${H - 14}" text-anchor="middle" fill="#222">time of the forecast bar (UTC)</text>`,
    `<text transform="translate(20 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" fill="#222">${esc(`cumulative Δ squared error of the log return${unit}`)}</text>`,
  );

  // the random walk is the zero line
  out.push(
    `<line x1="${M.left}" x2="${M.left + PW}" y1="${f1(y(0))}" y2="${f1(y(0))}" stroke="#000" stroke-width="1.2" stroke-dasharray="6 4"/>`,
  );
  for (const l of lines) {
    const pts = thin(l.cum)
      .map((i) => `${f1(x(steps.time[i] ?? t0))},${f1(y(l.cum[i] ?? 0))}`)
      .join(' ');
    out.push(`<polyline fill="none" stroke="${l.color}" stroke-width="1.6" stroke-linejoin="round" points="${pts}"/>`);
  }

  // champion changes as marks under the time axis
  const changes = options.changes ?? [];
  if (changes.length > 0) {
    out.push(`<g>`);
    for (const c of changes) {
      const t = steps.time[c.step - 1];
      if (t === undefined) continue;
      const color = lines.find((l) => l.model === c.to)?.color ?? '#000';
      const cx = f1(x(t));
      out.push(
        `<path d="M ${cx} ${M.top + PH - 9} l -5 9 l 10 0 z" fill="${color}" stroke="#fff" stroke-width="0.8"><title>${esc(`${new Date(t).toISOString()}: ${c.to} becomes champion`)}</title></path>`,
      );
    }
    out.push('</g>');
  }

  // legend
  const lx = M.left + PW + 18;
  let ly = M.top + 8;
  out.push(`<g>`);
  out.push(
    `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="#000" stroke-width="1.2" stroke-dasharray="6 4"/>`,
    `<text x="${lx + 30}" y="${ly + 4}" fill="#222">random walk (zero)</text>`,
  );
  for (const l of lines) {
    ly += 22;
    const note = options.notes?.[l.model];
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="3"/>`,
      `<text x="${lx + 30}" y="${ly + 4}" fill="#222">${esc(l.model)}</text>`,
    );
    if (note !== undefined) {
      ly += 15;
      out.push(`<text x="${lx + 30}" y="${ly + 4}" fill="#555" font-size="11">${esc(note)}</text>`);
    }
  }
  if (changes.length > 0) {
    ly += 26;
    out.push(
      `<path d="M ${lx + 11} ${ly - 5} l -5 9 l 10 0 z" fill="#666"/>`,
      `<text x="${lx + 30}" y="${ly + 4}" fill="#222">champion change</text>`,
    );
  }
  out.push('</g>', '</svg>', '');
  return out.join('\n');
}
