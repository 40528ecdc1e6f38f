// Imports nothing: the retrain worker checks its result with this, and a worker under tsx pays for
// every module it loads (src/core alone takes seconds to transform at start-up).

/**
 * One fitted version of a forest as flat node arrays: what the worker sends back, what a checkpoint
 * holds and what `predict` walks. Trees are laid out in preorder, so every child index is greater
 * than its parent's and a walk always ends at a leaf.
 */
export interface ForestArrays {
  readonly dim: number;
  /** Node index of each tree's root. */
  readonly roots: number[];
  /** Feature tested at a split; -1 at a leaf. */
  readonly feature: number[];
  /** x[feature] < threshold goes left (ml-cart's rule). */
  readonly threshold: number[];
  readonly left: number[];
  readonly right: number[];
  /** Leaf forecast log return; 0 at a split. */
  readonly value: number[];
  /** Leaf P(y > 0); 0 at a split. */
  readonly pUp: number[];
}

/** What is wrong with the arrays (lengths, index ranges, finiteness), or null when nothing is. */
export function forestArraysProblem(s: ForestArrays): string | null {
  const n = s.feature.length;
  if (!Number.isInteger(s.dim) || s.dim < 1) return `dim ${s.dim}`;
  if (s.roots.length === 0) return 'no trees';
  for (const [k, a] of [
    ['threshold', s.threshold],
    ['left', s.left],
    ['right', s.right],
    ['value', s.value],
    ['pUp', s.pUp],
  ] as const) {
    if (a.length !== n) return `${k} has ${a.length} entries, feature has ${n}`;
  }
  for (const r of s.roots) if (!Number.isInteger(r) || r < 0 || r >= n) return `root ${r} out of ${n} nodes`;
  for (let i = 0; i < n; i++) {
    const f = s.feature[i] ?? NaN;
    if (!Number.isInteger(f) || f < -1 || f >= s.dim) return `node ${i} splits on feature ${f} of ${s.dim}`;
    if (f >= 0) {
      const l = s.left[i] ?? NaN;
      const r = s.right[i] ?? NaN;
      if (!(Number.isInteger(l) && Number.isInteger(r) && l > i && l < n && r > i && r < n))
        return `node ${i} has children ${l}, ${r}: not after it in ${n} nodes`;
      if (!Number.isFinite(s.threshold[i])) return `node ${i} has a non-finite threshold`;
    } else {
      if (!Number.isFinite(s.value[i])) return `leaf ${i} has a non-finite value`;
      const p = s.pUp[i] ?? NaN;
      if (!(p >= 0 && p <= 1)) return `leaf ${i} has P(up) ${p}`;
    }
  }
  return null;
}
