/**
 * Reads the comma-separated fields of one line straight from its bytes: the fast path of
 * the trade formats, which spares a string per line, an array per split and a string per
 * field. It only accepts the plain common case (unsigned decimals of at most 15 significant
 * digits, `true`/`false`); anything else returns NaN and the parser falls back to the
 * string path, which also produces the precise reject reason.
 */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SAFE = 2 ** 53;

export class ByteFields {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private end = 0;

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** True when every field was consumed: the line had exactly the fields read (a failed read never leaves it true). */
  done(): boolean {
    return this.pos === this.end + 1;
  }

  /**
   * Next field as a number. An integer mantissa below 2^53 divided by an exact power of ten
   * is correctly rounded, so the result equals `Number(field)`.
   */
  num(): number {
    const b = this.buf;
    const end = this.end;
    let i = this.pos;
    let m = 0;
    let digits = 0;
    let frac = -1;
    for (; i < end; i++) {
      const c = b[i] ?? 0;
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (frac >= 0) frac++;
      } else if (c === 46 && frac < 0) frac = 0;
      else if (c === 44) break;
      else {
        this.pos = end + 2;
        return NaN;
      }
    }
    this.pos = i + 1;
    if (digits === 0 || m >= SAFE || frac > 22) return NaN;
    return frac > 0 ? m / (POW10[frac] ?? 1) : m;
  }

  /** Nanoseconds since the epoch (19 digits, beyond 2^53) as milliseconds with µs precision kept. */
  nanosAsMs(): number {
    const b = this.buf;
    const start = this.pos;
    let i = start;
    let hi = 0;
    let lo = 0;
    const end = this.end;
    while (i < end && b[i] !== 44) i++;
    const len = i - start;
    if (len < 7 || len > 21) {
      this.pos = end + 2;
      return NaN;
    }
    for (let k = start; k < i; k++) {
      const c = (b[k] ?? 0) - 48;
      if (c < 0 || c > 9) {
        this.pos = end + 2;
        return NaN;
      }
      if (k < i - 6) hi = hi * 10 + c;
      else lo = lo * 10 + c;
    }
    this.pos = i + 1;
    return hi + lo / 1e6;
  }

  /** 1 for `true`, 0 for `false`, -1 for anything else. */
  bool(): number {
    const b = this.buf;
    const i = this.pos;
    const c = b[i];
    let r = -1;
    let len = 0;
    if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
      r = 1;
      len = 4;
    } else if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
      r = 0;
      len = 5;
    }
    const after = i + len;
    if (r < 0 || after > this.end || (after !== this.end && b[after] !== 44)) {
      this.pos = this.end + 2;
      return -1;
    }
    this.pos = after + 1;
    return r;
  }

  /** Skips a field whatever it holds. */
  skip(): void {
    if (this.pos > this.end) {
      this.pos = this.end + 2;
      return;
    }
    const i = this.buf.indexOf(44, this.pos);
    this.pos = i < 0 || i >= this.end ? this.end + 1 : i + 1;
  }
}
