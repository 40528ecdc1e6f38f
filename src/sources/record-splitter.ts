/**
 * Cuts a byte stream into records (lines, or JSON array elements) without ever holding
 * more than `maxRecordBytes` of one record: an oversized record is reported with its first
 * bytes and skipped up to its end. Pull-based (`feed`, then `next()` until false) so the
 * reader loop stays synchronous between chunks of input.
 */
export interface RecordSplitter {
  /** 1-based number of the record `next()` last produced. */
  readonly recordNo: number;
  /** Text of that record (only its first bytes when `oversized`). */
  readonly text: string;
  readonly oversized: boolean;
  /** The input is not made of records of this kind at all (e.g. JSON that is not an array). */
  readonly garbage: boolean;
  /** Bytes the record had (counted even when oversized). */
  readonly recordBytes: number;
  /** Absolute byte offset just after the record: where the next one starts. */
  readonly endOffset: number;
  feed(chunk: Buffer): void;
  next(): boolean;
  /** At end of input: produces a last record that had no terminator, if any. */
  finish(): boolean;
  /** The unterminated bytes held when input ended early (for a TRUNCATED reject). */
  pendingText(): string;
}

export const MAX_RECORD_BYTES = 1024 * 1024;
/** What an oversized record keeps of itself for the reject excerpt. */
const EXCERPT_BYTES = 600;

/** Splits on `\n`, dropping a trailing `\r` and a UTF-8 byte-order mark on the first line. */
export class LineSplitter implements RecordSplitter {
  recordNo: number;
  oversized = false;
  /** The current line as bytes[start, end) (without line ending), for parsers that read bytes directly. */
  bytes: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;
  private cached: string | undefined = '';
  readonly garbage = false;
  recordBytes = 0;
  endOffset: number;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private bufStart: number;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private dropping = false;

  constructor(
    startOffset = 0,
    startRecordNo = 0,
    private readonly maxBytes = MAX_RECORD_BYTES,
  ) {
    this.endOffset = startOffset;
    this.bufStart = startOffset;
    this.recordNo = startRecordNo;
  }

  /** Decoded only when asked: the byte fast paths of the parsers never need it. */
  get text(): string {
    if (this.cached === undefined) this.cached = this.bytes.toString('utf8', this.start, this.end);
    return this.cached;
  }

  feed(chunk: Buffer): void {
    this.bufStart += this.buf.length;
    this.buf = chunk;
    this.pos = 0;
  }

  next(): boolean {
    const buf = this.buf;
    const nl = buf.indexOf(10, this.pos);
    if (nl < 0) {
      if (this.pos < buf.length) this.hold(buf.subarray(this.pos));
      this.pos = buf.length;
      return false;
    }
    const start = this.pos;
    this.pos = nl + 1;
    this.endOffset = this.bufStart + nl + 1;
    if (this.carryBytes === 0) {
      this.emit(buf, start, nl);
    } else {
      this.hold(buf.subarray(start, nl));
      this.emitCarry();
    }
    return true;
  }

  finish(): boolean {
    if (this.carryBytes === 0) return false;
    this.endOffset = this.bufStart + this.buf.length;
    this.emitCarry();
    return true;
  }

  pendingText(): string {
    return Buffer.concat(this.carry).toString('utf8');
  }

  private hold(part: Buffer): void {
    this.carryBytes += part.length;
    if (this.dropping) return;
    // copy: the stream may reuse its buffers
    this.carry.push(Buffer.from(part));
    if (this.carryBytes > this.maxBytes) {
      // oversized: keep only the excerpt and let the rest stream by
      this.carry = [Buffer.concat(this.carry).subarray(0, EXCERPT_BYTES)];
      this.dropping = true;
    }
  }

  private emitCarry(): void {
    const whole = this.carryBytes;
    const joined = Buffer.concat(this.carry);
    this.carry = [];
    this.carryBytes = 0;
    this.dropping = false;
    if (whole > this.maxBytes) {
      this.recordNo++;
      this.setOversized(joined, whole);
    } else this.emit(joined, 0, joined.length);
  }

  private emit(buf: Buffer, start: number, end: number): void {
    this.recordNo++;
    const bytes = end - start;
    if (bytes > this.maxBytes) {
      this.setOversized(buf.subarray(start, start + EXCERPT_BYTES), bytes);
      return;
    }
    if (end > start && buf[end - 1] === 13) end--;
    if (this.recordNo === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    this.bytes = buf;
    this.start = start;
    this.end = end;
    this.cached = undefined;
    this.oversized = false;
    this.recordBytes = bytes;
  }

  private setOversized(head: Buffer, bytes: number): void {
    this.cached = head.subarray(0, EXCERPT_BYTES).toString('utf8');
    this.start = this.end = 0;
    this.oversized = true;
    this.recordBytes = bytes;
  }
}
