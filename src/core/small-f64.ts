/**
 * Small fixed-size Float64Arrays, carved out of shared 64 KB buffers.
 *
 * Every `new Float64Array(n)` has its own ArrayBuffer: a JS object, a C++ backing store and a
 * malloc block besides the numbers, ~250 bytes more than the data. The per-series state of the
 * indicators and the models is ~40 such arrays of a few dozen numbers each, so with 1,000
 * instruments (6,000 indicator series, 5,000 forecasting ones) that overhead was larger than
 * the data itself (~200,000 arrays). A view into a shared buffer costs only the view.
 *
 * For arrays kept as long as their owner and never grown: a buffer is freed only once none of
 * its views is reachable. Larger arrays get their own buffer.
 */
const SLAB_BYTES = 64 * 1024;
const MAX_SHARED_BYTES = 4 * 1024;

let slab: ArrayBuffer | undefined;
let used = SLAB_BYTES;

/** A zero-filled Float64Array of `length` numbers (a view into a shared buffer when small). */
export function smallF64(length: number): Float64Array {
  const bytes = length * 8;
  if (bytes === 0 || bytes > MAX_SHARED_BYTES) return new Float64Array(length);
  if (slab === undefined || used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const a = new Float64Array(slab, used, length);
  used += bytes;
  return a;
}

/** A shared empty Float64Array: the state of an array not made yet (one allocated on first use). */
export const EMPTY_F64: Float64Array = new Float64Array(0);
