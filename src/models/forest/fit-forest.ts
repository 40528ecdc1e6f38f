import { RandomForestRegression } from 'ml-random-forest';
import { forestArraysProblem, type ForestArrays } from './forest-arrays.js';

/** The forest's settings; see ForestOptions for what each means and its default. */
export interface ForestParams {
  readonly trees: number;
  readonly maxDepth: number;
  readonly minSplit: number;
  readonly features: number;
}

/** One fit: a snapshot of a model's window, rows oldest first, x row-major (rows x dim). */
export interface FitJob {
  readonly dim: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly params: ForestParams;
  /** 32-bit seed of the bootstrap and feature draws: the same job fits the same forest. */
  readonly seed: number;
}

/**
 * Weight, in rows, of the window's up-rate in a leaf's P(y > 0): (ups + PRIOR * base) / (n + PRIOR).
 * A leaf holds tens of rows, so its raw frequency would reach 0 or 1 and cost an unbounded log loss.
 */
const PUP_PRIOR = 20;

/**
 * Fits a random forest regression of y on x with ml-random-forest (bagged ml-cart trees, each on a
 * random subset of `features` features) and flattens it into node arrays (see ForestArrays). Each leaf also gets
 * P(y > 0) from the window rows that fall into it (the forest's partition used as a conditional
 * distribution, as quantile regression forests do: Meinshausen 2006), shrunk toward the window's
 * up-rate. Pure and synchronous: runs in the retrain worker, or inline in sync mode. Throws when the
 * result is not a valid, finite forest.
 */
export function fitForest(job: FitJob): ForestArrays {
  const { dim, params } = job;
  const rows = job.y.length;
  if (rows < 2 || job.x.length !== rows * dim)
    throw new Error(`fit needs rows x ${dim} features, got ${job.x.length} values for ${rows} labels`);
  const X: number[][] = [];
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    X.push(Array.from(job.x.subarray(r * dim, (r + 1) * dim)));
    y.push(job.y[r] ?? NaN);
  }
  const rf = new RandomForestRegression({
    nEstimators: params.trees,
    maxFeatures: maxFeaturesOption(params.features, dim),
    replacement: false,
    useSampleBagging: true,
    noOOB: true,
    seed: job.seed | 0,
    treeOptions: { maxDepth: params.maxDepth, minNumSamples: params.minSplit },
  });
  rf.train(X, y);
  const model: unknown = rf.toJSON();
  const base = field(model, 'baseModel');
  const indexes = field(base, 'indexes');
  const estimators = field(base, 'estimators');
  if (!Array.isArray(indexes) || !Array.isArray(estimators) || estimators.length !== params.trees)
    throw new Error('ml-random-forest returned an unexpected model shape');

  const out: Nodes = { roots: [], feature: [], threshold: [], left: [], right: [], value: [], pUp: [] };
  estimators.forEach((est, t) => {
    const used: unknown = indexes[t];
    if (!Array.isArray(used)) throw new Error(`tree ${t} has no feature index`);
    out.roots.push(out.feature.length);
    flatten(field(est, 'root'), used, out);
  });

  // Leaf P(y > 0) from every window row routed through every tree.
  let ups = 0;
  for (let r = 0; r < rows; r++) if ((job.y[r] ?? 0) > 0) ups++;
  const baseRate = ups / rows;
  const n = new Float64Array(out.feature.length);
  const u = new Float64Array(out.feature.length);
  for (let r = 0; r < rows; r++) {
    const up = (job.y[r] ?? 0) > 0 ? 1 : 0;
    for (const root of out.roots) {
      let i = root;
      let f = out.feature[i] ?? -1;
      while (f >= 0) {
        i = (job.x[r * dim + f] ?? NaN) < (out.threshold[i] ?? NaN) ? (out.left[i] ?? 0) : (out.right[i] ?? 0);
        f = out.feature[i] ?? -1;
      }
      n[i] = (n[i] ?? 0) + 1;
      u[i] = (u[i] ?? 0) + up;
    }
  }
  for (let i = 0; i < out.feature.length; i++) {
    if ((out.feature[i] ?? -1) < 0) out.pUp[i] = ((u[i] ?? 0) + PUP_PRIOR * baseRate) / ((n[i] ?? 0) + PUP_PRIOR);
  }
  // What the library made is checked (finite leaves, sane indices) before it leaves the worker.
  const forest: ForestArrays = { dim, ...out };
  const problem = forestArraysProblem(forest);
  if (problem !== null) throw new Error(`the fitted forest is not valid: ${problem}`);
  return forest;
}

/** ml-random-forest reads maxFeatures in (0, 1] as a fraction and larger integers as a count. */
function maxFeaturesOption(features: number, dim: number): number {
  if (features >= dim) return 1;
  if (features >= 2) return features;
  return 1.5 / dim; // floor(dim * 1.5 / dim) = 1 feature
}

type Nodes = { -readonly [K in Exclude<keyof ForestArrays, 'dim'>]: number[] };

function field(o: unknown, k: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined;
}

/** Appends the ml-cart subtree at `node` in preorder; `used` maps its columns to feature indices. */
function flatten(node: unknown, used: readonly unknown[], out: Nodes): void {
  const i = out.feature.length;
  const l = field(node, 'left');
  const r = field(node, 'right');
  const col = field(node, 'splitColumn');
  // ml-cart's classify: a node with both children splits, any other is a leaf holding `distribution`.
  if (typeof l === 'object' && l !== null && typeof r === 'object' && r !== null) {
    const f = typeof col === 'number' ? used[col] : undefined;
    const thr = field(node, 'splitValue');
    if (typeof f !== 'number' || typeof thr !== 'number') throw new Error(`split node without a feature or threshold`);
    out.feature.push(f);
    out.threshold.push(thr);
    out.left.push(0);
    out.right.push(0);
    out.value.push(0);
    out.pUp.push(0);
    out.left[i] = out.feature.length;
    flatten(l, used, out);
    out.right[i] = out.feature.length;
    flatten(r, used, out);
    return;
  }
  const v = field(node, 'distribution');
  if (typeof v !== 'number') throw new Error('leaf without a value');
  out.feature.push(-1);
  out.threshold.push(0);
  out.left.push(0);
  out.right.push(0);
  out.value.push(v);
  out.pUp.push(0);
}
