import Type, { type Static } from 'typebox';
import { TickflowError } from '../core/index.js';
import { dieboldMariano } from './diebold-mariano.js';
import { checkModelState } from './online-model.js';
import type { LossKind, Prequential } from './prequential.js';

export interface ChampionOptions {
  /** Loss the models are compared on. Default 'squared' (the return forecast). */
  readonly loss?: LossKind;
  /** Significance level of the one-sided DM test a challenger must pass. Default 0.05. */
  readonly alpha?: number;
  /**
   * Bonferroni: with k challengers tested at once, each must pass at alpha / k, so that "some
   * challenger beats the champion" is a level-alpha claim at each check. Default true.
   */
  readonly bonferroni?: boolean;
  /** Paired steps (both models forecast) a test needs. Default 500. */
  readonly minObs?: number;
  /** Steps compared, the most recent; default all the prequential keeps (its `history`). */
  readonly lookback?: number;
  /** DM horizon; the forecasts here are one step ahead. Default 1. */
  readonly h?: number;
  /** Run the tests every this many scored steps. Default 50. */
  readonly checkEvery?: number;
  /** The champion at the start and the fallback when one is quarantined. Default 'zero' (the random walk). */
  readonly initial?: string;
  /**
   * A challenger must also have the lower mean loss since the start (default true). The test runs
   * every `checkEvery` steps on overlapping windows; over a long run some window passes on noise
   * alone (on a month of 1m bars the drift baseline "beat" the random walk that way while its
   * cumulative RMSE was higher). Requiring the whole record to agree removes those flips.
   */
  readonly requireCumulative?: boolean;
  /** The model serving at the start (a warm start from the registry); default `initial`. */
  readonly start?: string;
}

export interface ChampionChange {
  /** Scored steps when it happened. */
  readonly step: number;
  readonly from: string;
  readonly to: string;
  /** dm-test: a challenger won the test; quarantine: the champion's state went non-finite; manual: `promote`. */
  readonly reason: 'dm-test' | 'quarantine' | 'manual';
  /** DM statistic and p-value of the test that decided it; null for a quarantine fallback (or an infinite statistic). */
  readonly statistic: number | null;
  readonly pValue: number | null;
  /** Paired steps the test used (0 for a quarantine fallback). */
  readonly n: number;
}

const NumOrNull = Type.Union([Type.Number(), Type.Null()]);
const ChampionStateSchema = Type.Object(
  {
    kind: Type.Literal('champion'),
    version: Type.Literal(1),
    loss: Type.Union([Type.Literal('squared'), Type.Literal('absolute'), Type.Literal('logLoss'), Type.Literal('brier')]),
    alpha: Type.Number(),
    bonferroni: Type.Boolean(),
    minObs: Type.Integer(),
    lookback: Type.Integer(),
    h: Type.Integer(),
    checkEvery: Type.Integer(),
    initial: Type.String(),
    requireCumulative: Type.Optional(Type.Boolean()),
    current: Type.String(),
    lastCheck: Type.Integer({ minimum: 0 }),
    changes: Type.Array(
      Type.Object(
        {
          step: Type.Integer({ minimum: 0 }),
          from: Type.String(),
          to: Type.String(),
          reason: Type.Union([Type.Literal('dm-test'), Type.Literal('quarantine'), Type.Literal('manual')]),
          statistic: NumOrNull,
          pValue: NumOrNull,
          n: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ChampionState = Static<typeof ChampionStateSchema>;

const MAX_CHANGES_KEPT = 100;

/**
 * Picks the model a series serves. It starts with `initial` (the random walk), and a challenger
 * replaces the champion only when a one-sided Diebold-Mariano test on their recent paired losses
 * says the challenger's expected loss is lower at level alpha (Bonferroni-split over the challengers
 * by default), over at least `minObs` steps; among several that pass, the one with the smallest
 * p-value wins. The checks repeat every `checkEvery` steps on overlapping windows, and nothing
 * corrects for those repeated looks: over a long run a champion can change on noise, and each change
 * is logged with its statistic so that it can be seen. A quarantined champion is replaced at once by
 * `initial` (or the first model not quarantined).
 */
export class Champion {
  readonly loss: LossKind;
  readonly alpha: number;
  readonly bonferroni: boolean;
  readonly minObs: number;
  readonly lookback: number;
  readonly h: number;
  readonly checkEvery: number;
  readonly initial: string;
  readonly requireCumulative: boolean;
  private readonly pq: Prequential;
  private current: number;
  private lastCheck = 0;
  private readonly log: ChampionChange[] = [];

  constructor(prequential: Prequential, options: ChampionOptions = {}) {
    this.pq = prequential;
    this.loss = options.loss ?? 'squared';
    this.alpha = options.alpha ?? 0.05;
    this.bonferroni = options.bonferroni ?? true;
    this.minObs = options.minObs ?? 500;
    this.lookback = options.lookback ?? prequential.history;
    this.h = options.h ?? 1;
    this.checkEvery = options.checkEvery ?? 50;
    this.initial = options.initial ?? 'zero';
    this.requireCumulative = options.requireCumulative ?? true;
    if (!(this.alpha > 0 && this.alpha < 1))
      throw new TickflowError('CONFIG_INVALID', `champion alpha must be in (0, 1), got ${this.alpha}`);
    for (const [k, v] of [
      ['minObs', this.minObs],
      ['lookback', this.lookback],
      ['checkEvery', this.checkEvery],
    ] as const) {
      if (!Number.isInteger(v) || v < 2) throw new TickflowError('CONFIG_INVALID', `champion ${k} must be an integer >= 2, got ${v}`);
    }
    this.current = prequential.indexOf(options.start ?? this.initial);
  }

  /** Name of the model served now. */
  get name(): string {
    return (this.pq.models[this.current] ?? { name: this.initial }).name;
  }

  /** Changes so far, oldest first (the last 100). */
  get changes(): readonly ChampionChange[] {
    return this.log;
  }

  /** Call after each label (`Prequential.observe`); tests when due. Returns the change made, if any. */
  onStep(): ChampionChange | null {
    const fallback = this.checkQuarantine();
    if (fallback !== null) return fallback;
    if (this.pq.steps - this.lastCheck < this.checkEvery) return null;
    return this.evaluate();
  }

  /** Tests every challenger against the champion now. */
  evaluate(): ChampionChange | null {
    this.lastCheck = this.pq.steps;
    const fallback = this.checkQuarantine();
    if (fallback !== null) return fallback;
    const champLoss = this.pq.losses(this.current, this.loss, this.lookback);
    const champCumulative = this.pq.cumulativeLoss(this.current, this.loss);
    const eligible = this.pq.models.map((_, i) => i).filter((i) => i !== this.current && !(this.pq.models[i]?.quarantined ?? true));
    // Bonferroni over every eligible challenger, also those the cumulative rule leaves untested.
    const level = this.bonferroni ? this.alpha / Math.max(1, eligible.length) : this.alpha;
    const challengers = eligible.filter((i) => !this.requireCumulative || !(this.pq.cumulativeLoss(i, this.loss) >= champCumulative));
    let best = -1;
    let bestP = Infinity;
    let bestStat = 0;
    let bestN = 0;
    for (const i of challengers) {
      const r = dieboldMariano(champLoss, this.pq.losses(i, this.loss, this.lookback), { h: this.h, alternative: 'greater' });
      if (r.n >= this.minObs && r.pValue < level && (r.pValue < bestP || (r.pValue === bestP && r.statistic > bestStat))) {
        best = i;
        bestP = r.pValue;
        bestStat = r.statistic;
        bestN = r.n;
      }
    }
    if (best < 0) return null;
    return this.switchTo(best, 'dm-test', bestStat, bestP, bestN);
  }

  /**
   * Makes `model` the champion by hand (an operator's call). The tests go on afterwards: a
   * challenger that beats it still replaces it. NOT_FOUND for an unknown model, CONFLICT for a
   * quarantined one; null when it already is the champion.
   */
  promote(model: string): ChampionChange | null {
    const i = this.pq.indexOf(model);
    if (this.pq.models[i]?.quarantined ?? true)
      throw new TickflowError(
        'CONFLICT',
        `model '${model}' is quarantined (${this.pq.models[i]?.quarantineReason ?? 'unknown'}); it cannot serve`,
      );
    if (i === this.current) return null;
    this.lastCheck = this.pq.steps;
    return this.switchTo(i, 'manual', null, null, 0);
  }

  toJSON(): ChampionState {
    return {
      kind: 'champion',
      version: 1,
      loss: this.loss,
      alpha: this.alpha,
      bonferroni: this.bonferroni,
      minObs: this.minObs,
      lookback: this.lookback,
      h: this.h,
      checkEvery: this.checkEvery,
      initial: this.initial,
      requireCumulative: this.requireCumulative,
      current: this.name,
      lastCheck: this.lastCheck,
      changes: this.log.map((c) => ({ ...c })),
    };
  }

  /** Restores the selection over `prequential` (restored first); MALFORMED when it names a model it does not have. */
  static fromJSON(state: unknown, prequential: Prequential): Champion {
    const s = checkModelState(ChampionStateSchema, state, 'champion');
    const c = new Champion(prequential, {
      loss: s.loss,
      alpha: s.alpha,
      bonferroni: s.bonferroni,
      minObs: s.minObs,
      lookback: s.lookback,
      h: s.h,
      checkEvery: s.checkEvery,
      initial: s.initial,
      requireCumulative: s.requireCumulative ?? true,
    });
    const current = prequential.models.findIndex((m) => m.name === s.current);
    if (current < 0) throw new TickflowError('MALFORMED', `champion state: no model named '${s.current}'`);
    c.current = current;
    c.lastCheck = s.lastCheck;
    c.log.push(...s.changes);
    return c;
  }

  private checkQuarantine(): ChampionChange | null {
    const models = this.pq.models;
    if (!(models[this.current]?.quarantined ?? false)) return null;
    let to = this.pq.indexOf(this.initial);
    if (models[to]?.quarantined ?? true) to = models.findIndex((m) => !m.quarantined);
    if (to < 0 || to === this.current) return null;
    return this.switchTo(to, 'quarantine', null, null, 0);
  }

  private switchTo(
    to: number,
    reason: ChampionChange['reason'],
    statistic: number | null,
    pValue: number | null,
    n: number,
  ): ChampionChange {
    const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
    const change: ChampionChange = {
      step: this.pq.steps,
      from: this.name,
      to: this.pq.models[to]?.name ?? '',
      reason,
      statistic: finite(statistic),
      pValue: finite(pValue),
      n,
    };
    this.current = to;
    this.log.push(change);
    if (this.log.length > MAX_CHANGES_KEPT) this.log.shift();
    return change;
  }
}
