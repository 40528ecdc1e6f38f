import { MAX_RECORD_BYTES, type RecordSplitter } from './record-splitter.js';

const EXCERPT_BYTES = 600;
const enum Mode {
  BeforeArray,
  InArray,
  AfterArray,
  /** The input is not a JSON array: it all becomes one record that will fail to parse. */
  NotArray,
}

/**
 * Cuts a top-level JSON array into its elements as they stream by, so a large or truncated
 * file yields every complete element without parsing the whole document at once.
 */
export class JsonArraySplitter implements RecordSplitter {
  recordNo = 0;
  text = '';
  oversized = false;
  garbage = false;
  recordBytes = 0;
  endOffset = 0;

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private bufStart = 0;
  private mode = Mode.BeforeArray;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parts: Buffer[] = [];
  private bytes = 0;
  private dropping = false;
  private partStart = -1;

  constructor(private readonly maxBytes = MAX_RECORD_BYTES) {}

  feed(chunk: Buffer): void {
    this.flushPart(this.buf.length);
    this.bufStart += this.buf.length;
    this.buf = chunk;
    this.pos = 0;
    this.partStart = this.bytes > 0 || this.mode === Mode.NotArray ? 0 : -1;
  }

  next(): boolean {
    const buf = this.buf;
    const n = buf.length;
    let i = this.pos;
    while (i < n) {
      const c = buf[i] ?? 0;
      if (this.mode === Mode.BeforeArray) {
        if (c === 0x5b) this.mode = Mode.InArray;
        else if (!isSpace(c) && !(c === 0xef || c === 0xbb || c === 0xbf)) {
          this.mode = Mode.NotArray;
          this.partStart = i;
        }
        i++;
        continue;
      }
      if (this.mode !== Mode.InArray) {
        i++;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        i++;
        continue;
      }
      if (this.depth === 0 && (c === 0x2c || c === 0x5d)) {
        const hadElement = this.partStart >= 0 || this.bytes > 0;
        if (c === 0x5d) this.mode = Mode.AfterArray;
        if (hadElement) {
          this.flushPart(i);
          this.pos = i + 1;
          this.endOffset = this.bufStart + i + 1;
          this.emit();
          return true;
        }
        i++;
        continue;
      }
      if (this.partStart < 0 && this.bytes === 0) {
        if (isSpace(c)) {
          i++;
          continue;
        }
        this.partStart = i;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) this.depth--;
      i++;
    }
    this.pos = n;
    return false;
  }

  finish(): boolean {
    if (this.mode !== Mode.NotArray) return false;
    this.flushPart(this.buf.length);
    this.endOffset = this.bufStart + this.buf.length;
    this.mode = Mode.AfterArray;
    this.emit();
    this.garbage = true;
    return true;
  }

  pendingText(): string {
    this.flushPart(this.buf.length);
    return Buffer.concat(this.parts).toString('utf8');
  }

  /** Moves the current element's bytes up to `end` of this buffer into the held parts. */
  private flushPart(end: number): void {
    if (this.partStart < 0) return;
    const len = end - this.partStart;
    this.bytes += len;
    if (!this.dropping && len > 0) {
      this.parts.push(Buffer.from(this.buf.subarray(this.partStart, end)));
      if (this.bytes > this.maxBytes) {
        this.parts = [Buffer.concat(this.parts).subarray(0, EXCERPT_BYTES)];
        this.dropping = true;
      }
    }
    this.partStart = -1;
  }

  private emit(): void {
    this.recordNo++;
    const joined = Buffer.concat(this.parts);
    this.oversized = this.bytes > this.maxBytes;
    this.recordBytes = this.bytes;
    this.text = (this.oversized ? joined.subarray(0, EXCERPT_BYTES) : joined).toString('utf8').trim();
    this.parts = [];
    this.bytes = 0;
    this.dropping = false;
    this.partStart = -1;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
