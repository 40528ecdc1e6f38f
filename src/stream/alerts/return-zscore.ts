import Type, { type Static } from 'typebox';
import { TickflowError } from '../../core/index.js';
import { RingBuffer, RingBufferStateSchema, checkState } from '../indicators/index.js';

export const ReturnZScoreStateSchema = Type.Object(
  {
    kind: Type.Literal('returnZScore'),
    minHistory: Type.Integer({ minimum: 1 }),
    prevClose: Type.Union([Type.Number(), Type.Null()]),
    returns: RingBufferStateSchema,
  },
  { additionalProperties: false },
);
export type ReturnZScoreState = Static<typeof ReturnZScoreStateSchema>;

/**
 * How unusual a bar's log return is against the previous `window` returns: |r - mean| / sigma,
 * sigma the population std. The current return joins the window only after it was scored, so
 * a bar never dilutes its own outlier (and no later bar can change an earlier score).
 */
export class ReturnZScore {
  readonly minHistory: number;
  private prevClose: number | null = null;
  private returns: RingBuffer;
  private last = NaN;
  private history = 0;

  constructor(window = 50, minHistory = 20) {
    if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window)
      throw new TickflowError('CONFIG_INVALID', `minHistory must be an integer in [1, window], got ${minHistory}`);
    this.minHistory = minHistory;
    this.returns = new RingBuffer(window);
  }

  /** Log return of the last close given to update (NaN for the first). */
  get lastReturn(): number {
    return this.last;
  }

  /** How many past returns the last score was measured against. */
  get lastHistory(): number {
    return this.history;
  }

  /**
   * Scores this close; null while fewer than minHistory past returns are known, or when they are
   * all equal (sigma 0: no scale to measure against).
   */
  update(close: number): number | null {
    const prev = this.prevClose;
    this.prevClose = close;
    if (prev === null) {
      this.last = NaN;
      this.history = 0;
      return null;
    }
    const r = Math.log(close / prev);
    this.last = r;
    const past = this.returns;
    this.history = past.size;
    let z: number | null = null;
    if (past.size >= this.minHistory) {
      const mean = past.sumInOrder() / past.size;
      const sigma = Math.sqrt(past.sumSquaredDeviations(mean) / past.size);
      if (sigma > 0) z = Math.abs(r - mean) / sigma;
    }
    past.push(r);
    return z;
  }

  toJSON(): ReturnZScoreState {
    return { kind: 'returnZScore', minHistory: this.minHistory, prevClose: this.prevClose, returns: this.returns.toJSON() };
  }

  static fromJSON(state: unknown): ReturnZScore {
    const s = checkState(ReturnZScoreStateSchema, state, 'return z-score');
    const d = new ReturnZScore(s.returns.capacity, s.minHistory);
    d.prevClose = s.prevClose;
    d.returns = RingBuffer.fromJSON(s.returns);
    return d;
  }
}
