import Type, { type Static } from 'typebox';
import { TickflowError, smallF64 } from '../../core/index.js';
import { RingBuffer, RingBufferStateSchema, checkState } from '../indicators/index.js';

export type VolumeBaseline = 'median' | 'mean';

export const VolumeSpikeStateSchema = Type.Object(
  {
    kind: Type.Literal('volumeSpike'),
    minHistory: Type.Integer({ minimum: 1 }),
    baseline: Type.Union([Type.Literal('median'), Type.Literal('mean')]),
    volumes: RingBufferStateSchema,
  },
  { additionalProperties: false },
);
export type VolumeSpikeState = Static<typeof VolumeSpikeStateSchema>;

/**
 * A bar's volume as a multiple of the previous `window` bars' median (or mean) volume. The
 * median is the default because one earlier spike inflates a mean for a whole window and hides
 * the next one.
 */
export class VolumeSpike {
  readonly minHistory: number;
  readonly baseline: VolumeBaseline;
  private volumes: RingBuffer;
  private readonly scratch: Float64Array;
  private lastBaseline = NaN;
  private history = 0;

  constructor(window = 50, minHistory = 20, baseline: VolumeBaseline = 'median') {
    if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window)
      throw new TickflowError('CONFIG_INVALID', `minHistory must be an integer in [1, window], got ${minHistory}`);
    this.minHistory = minHistory;
    this.baseline = baseline;
    this.volumes = new RingBuffer(window);
    this.scratch = smallF64(window);
  }

  /** Baseline the last ratio was computed against (NaN when none was). */
  get lastBaselineVolume(): number {
    return this.lastBaseline;
  }

  /** How many past bars the last baseline came from. */
  get lastHistory(): number {
    return this.history;
  }

  /** Ratio to the baseline; null with too little history or a zero baseline (e.g. no trading yet). */
  update(volume: number): number | null {
    const past = this.volumes;
    let ratio: number | null = null;
    this.lastBaseline = NaN;
    this.history = past.size;
    if (past.size >= this.minHistory) {
      const base = this.baseline === 'median' ? this.median() : past.sumInOrder() / past.size;
      if (base > 0) {
        ratio = volume / base;
        this.lastBaseline = base;
      }
    }
    past.push(volume);
    return ratio;
  }

  private median(): number {
    const n = this.volumes.size;
    this.volumes.copyTo(this.scratch);
    const sorted = n === this.scratch.length ? this.scratch.sort() : this.scratch.subarray(0, n).sort();
    const hi = sorted[n >> 1] ?? NaN;
    return n % 2 === 1 ? hi : ((sorted[(n >> 1) - 1] ?? NaN) + hi) / 2;
  }

  toJSON(): VolumeSpikeState {
    return { kind: 'volumeSpike', minHistory: this.minHistory, baseline: this.baseline, volumes: this.volumes.toJSON() };
  }

  static fromJSON(state: unknown): VolumeSpike {
    const s = checkState(VolumeSpikeStateSchema, state, 'volume spike');
    const d = new VolumeSpike(s.volumes.capacity, s.minHistory, s.baseline);
    d.volumes = RingBuffer.fromJSON(s.volumes);
    return d;
  }
}
