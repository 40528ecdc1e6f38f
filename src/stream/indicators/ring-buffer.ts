import Type, { type Static } from 'typebox';
import { TickflowError, smallF64 } from '../../core/index.js';
import { checkState } from './state-check.js';

export const RingBufferStateSchema = Type.Object(
  {
    capacity: Type.Integer({ minimum: 1 }),
    values: Type.Array(Type.Number(), { description: 'oldest first' }),
  },
  { additionalProperties: false },
);
export type RingBufferState = Static<typeof RingBufferStateSchema>;

/**
 * Fixed-capacity FIFO of doubles in one Float64Array: pushing into a full buffer overwrites the
 * oldest value, so a rolling window costs no allocation per bar.
 */
export class RingBuffer {
  readonly capacity: number;
  private readonly buf: Float64Array;
  /** Slot the next push writes to; when full it also holds the oldest value. */
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new TickflowError('INTERNAL', `ring buffer capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.buf = smallF64(capacity);
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  push(x: number): void {
    this.buf[this.next] = x;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** Oldest value held (the one the next push evicts when full); NaN when empty. */
  oldest(): number {
    if (this.count === 0) return NaN;
    const i = this.count === this.capacity ? this.next : 0;
    return this.buf[i] ?? NaN;
  }

  /** i-th value, oldest first (0 <= i < size); NaN outside. */
  at(i: number): number {
    if (i < 0 || i >= this.count) return NaN;
    const start = this.count === this.capacity ? this.next : 0;
    const j = start + i;
    return this.buf[j >= this.capacity ? j - this.capacity : j] ?? NaN;
  }

  /** Sum oldest to newest, left to right starting from 0.0, the order TA-Lib's seeding loops add in. */
  sumInOrder(): number {
    const buf = this.buf;
    const start = this.count === this.capacity ? this.next : 0;
    const end = start + this.count;
    // Two straight segments instead of a wrap test per element: this runs every bar in RealizedVol.
    const firstEnd = end > this.capacity ? this.capacity : end;
    let s = 0.0;
    for (let i = start; i < firstEnd; i++) s += buf[i] ?? NaN;
    for (let i = 0; i < end - firstEnd; i++) s += buf[i] ?? NaN;
    return s;
  }

  /** Sum of (x - center)^2 over the held values, oldest first (a fixed order keeps restores bit-exact). */
  sumSquaredDeviations(center: number): number {
    const buf = this.buf;
    const start = this.count === this.capacity ? this.next : 0;
    const end = start + this.count;
    const firstEnd = end > this.capacity ? this.capacity : end;
    let s = 0.0;
    for (let i = start; i < firstEnd; i++) {
      const d = (buf[i] ?? NaN) - center;
      s += d * d;
    }
    for (let i = 0; i < end - firstEnd; i++) {
      const d = (buf[i] ?? NaN) - center;
      s += d * d;
    }
    return s;
  }

  /** Copies the held values, oldest first, into `out` (which must be at least `size` long). */
  copyTo(out: Float64Array): void {
    for (let i = 0; i < this.count; i++) out[i] = this.at(i);
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
  }

  toJSON(): RingBufferState {
    const values: number[] = [];
    for (let i = 0; i < this.count; i++) values.push(this.at(i));
    return { capacity: this.capacity, values };
  }

  static fromJSON(state: unknown): RingBuffer {
    const s = checkState(RingBufferStateSchema, state, 'ring buffer');
    if (s.values.length > s.capacity)
      throw new TickflowError('MALFORMED', `ring buffer state holds ${s.values.length} values, more than its capacity ${s.capacity}`);
    const r = new RingBuffer(s.capacity);
    for (const v of s.values) r.push(v);
    return r;
  }
}
