import { createReadStream, type ReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import {
  TickflowError,
  assert,
  createTradeBatch,
  excerpt,
  instrumentIndex,
  type InstrumentId,
  type Reject,
  type RejectReason,
  type SourcePosition,
} from '../core/index.js';
import { detectFormatFromHead, unknownFormat } from './detect-format.js';
import { ioError, readFileHead } from './file-head.js';
import { createRecordParser } from './formats/registry.js';
import { JsonArraySplitter } from './json-array-splitter.js';
import { Pacer } from './pacer.js';
import { LineSplitter, type RecordSplitter } from './record-splitter.js';
import { REPLAY_FORMATS, isReplayFormat, type ReplayFormat } from './replay-formats.js';
import type { SourceChunk, TradeSource } from './source.js';

export interface ReplayOptions {
  /** Overrides auto-detection. */
  readonly format?: ReplayFormat;
  /** Overrides the instrument id the file name or rows give. */
  readonly instrument?: string;
  /** A `position` from an earlier chunk of the same file: continue with the trade after it. */
  readonly resumeFrom?: SourcePosition;
  /** Trades per chunk (default 8192). */
  readonly batchSize?: number;
  /** 0 or undefined: as fast as possible. N: event time advances N× wall time. */
  readonly pace?: number;
  /** When paced, a chunk spans at most this much event time so a live view updates smoothly (default 100 ms). */
  readonly pacedChunkMs?: number;
  /** Local clock for localTimestamp and the future-timestamp check (default Date.now). */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

export interface ReplaySource extends TradeSource {
  readonly path: string;
  readonly format: ReplayFormat;
  /** Bars whose trade count was too small to show all of open, close, high and low. */
  synthesisWarnings(): number;
}

export const DEFAULT_BATCH_SIZE = 8192;
const READ_CHUNK_BYTES = 256 * 1024;

/** Where a replay stands: lines 1..line done, `sub` trades of line+1 done, byte offset of line+1. */
interface Standing {
  line: number;
  sub: number;
  byte: number;
}

/**
 * Replays a recorded file as trades. Opens lazily on iteration but checks the file, its
 * format and instrument right away so a CLI fails before it starts anything.
 */
export function openReplay(path: string, opts: ReplayOptions = {}): ReplaySource {
  const head = readFileHead(path);
  const fileName = basename(path);
  if (opts.format !== undefined && !isReplayFormat(opts.format)) {
    throw new TickflowError(
      'UNKNOWN_FORMAT',
      `unknown format '${String(opts.format)}'; known: ${REPLAY_FORMATS.map((f) => f.name).join(', ')}`,
    );
  }
  const detected = opts.format ?? detectFormatFromHead(path, head.firstLine);
  if (detected === undefined) throw unknownFormat(path, head.firstLine);
  const format: ReplayFormat = detected;
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 1 << 22) {
    throw new TickflowError('CONFIG_INVALID', `batchSize must be an integer in 1..4194304, got ${batchSize}`);
  }
  const pace = opts.pace ?? 0;
  if (!(pace >= 0 && pace < Infinity))
    throw new TickflowError('CONFIG_INVALID', `pace must be 0 (as fast as possible) or a positive speed-up, got ${pace}`);
  const pacedChunkMs = opts.pacedChunkMs ?? 100;
  const now = opts.now ?? Date.now;
  // fail now on a missing instrument rather than at the first record
  let parser = createRecordParser(format, path, opts.instrument);
  const start = startingPoint(opts.resumeFrom, fileName, format, head.gzip || parser.records !== 'lines');

  let stream: ReadStream | undefined;
  let startByte = 0;
  let warnings = 0;

  async function* iterate(): AsyncGenerator<SourceChunk> {
    const p = parser;
    // a second iteration starts over with fresh parser state
    parser = createRecordParser(format, path, opts.instrument);
    const signal = opts.signal;
    const pacer = pace > 0 ? new Pacer(pace) : undefined;
    const st: Standing = { ...start };
    const seek = start.byte > 0;
    startByte = seek ? start.byte : 0;
    const skipThrough = seek ? 0 : start.line;
    const resumeRecord = start.line + 1;
    const lines = new LineSplitter(startByte, seek ? start.line : 0);
    const splitter: RecordSplitter = p.records === 'lines' ? lines : new JsonArraySplitter();
    const fast = p.records === 'lines' && p.parseBytes ? p.parseBytes.bind(p) : undefined;
    const file = createReadStream(path, { start: startByte, highWaterMark: READ_CHUNK_BYTES });
    stream = file;
    let input: NodeJS.ReadableStream = file;
    if (head.gzip) {
      const gunzip = createGunzip();
      file.on('error', (e) => gunzip.destroy(e));
      input = file.pipe(gunzip);
    }
    const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

    let batch = createTradeBatch(batchSize);
    let rejects: Reject[] = [];
    let lastInst: InstrumentId | undefined;
    let instIdx = 0;
    let chunkFirstTs = NaN;
    let maxTs = Infinity;

    const chunk = (): SourceChunk => {
      const position: SourcePosition = positionOf(fileName, format, st, !head.gzip && p.records === 'lines');
      batch.position = position;
      const c: SourceChunk = { trades: batch, rejects, position };
      batch = createTradeBatch(batchSize);
      rejects = [];
      lastInst = undefined;
      chunkFirstTs = NaN;
      return c;
    };
    const due = async (): Promise<boolean> => {
      if (signal?.aborted) return false;
      if (pacer && !Number.isNaN(chunkFirstTs)) return pacer.wait(chunkFirstTs, signal);
      return true;
    };
    const reject = (reason: RejectReason, message: string, raw: string, recordNo: number, nowMs: number): void => {
      rejects.push({ type: 'reject', source: fileName, position: String(recordNo), reason, message, raw: excerpt(raw), time: nowMs });
    };

    let ended = false;
    let truncated: Error | undefined;
    try {
      for (;;) {
        if (!splitter.next()) {
          if (ended) break;
          let r: IteratorResult<Buffer>;
          try {
            r = await it.next();
          } catch (e) {
            if (!isZlibError(e)) throw ioError(e, path);
            truncated = e as Error;
            break;
          }
          if (!r.done) {
            splitter.feed(r.value);
            continue;
          }
          ended = true;
          if (!splitter.finish()) break;
        }

        const recNo = splitter.recordNo;
        if (recNo <= skipThrough) {
          st.line = recNo;
          st.byte = splitter.endOffset;
          continue;
        }
        let count = -1;
        const nowMs = now();
        if (fast && recNo > 1 && !lines.oversized) count = fast(lines.bytes, lines.start, lines.end, nowMs);
        if (count >= 0) {
          // the byte fast path took it
        } else if (splitter.oversized) {
          count = 0;
          reject('OVERSIZED', `record of ${splitter.recordBytes} bytes exceeds the 1 MiB limit`, splitter.text, recNo, nowMs);
        } else if (splitter.garbage) {
          count = 0;
          reject('MALFORMED', 'the input is not a JSON array', splitter.text, recNo, nowMs);
        } else {
          const text = splitter.text;
          count = 0;
          if (isBlank(text) || (recNo === 1 && p.isHeader(text))) {
            // blank lines and the header carry no trade
          } else {
            const r = p.parse(text, nowMs);
            if (typeof r === 'number') count = r;
            else reject(r.reason, r.message, text, recNo, nowMs);
          }
        }

        if (count > 0) {
          const inst = p.instrument();
          let s = recNo === resumeRecord ? Math.min(start.sub, count) : 0;
          while (s < count) {
            if (inst !== lastInst) {
              instIdx = instrumentIndex(batch, inst);
              lastInst = inst;
            }
            if (batch.length === 0) {
              chunkFirstTs = p.tsAt(s);
              maxTs = pacer ? chunkFirstTs + pacedChunkMs : Infinity;
            }
            const wrote = p.write(batch, instIdx, s, Math.min(count, s + batchSize - batch.length), maxTs, nowMs);
            assert(wrote > 0 || batch.length > 0, 'a chunk always takes the first trade offered to it');
            s += wrote;
            if (s < count) {
              // full or cut mid-record: resume inside this record
              st.line = recNo - 1;
              st.sub = s;
              if (!(await due())) return;
              yield chunk();
            }
          }
        }
        st.line = recNo;
        st.sub = 0;
        st.byte = splitter.endOffset;
        if (batch.length === batchSize || rejects.length >= batchSize) {
          if (!(await due())) return;
          yield chunk();
        }
      }
      const pending = splitter.pendingText();
      if (truncated) {
        reject(
          'TRUNCATED',
          `compressed input ends early (${truncated.message}); everything before it was read`,
          pending,
          splitter.recordNo + 1,
          now(),
        );
      } else if (pending.trim() !== '') {
        reject('TRUNCATED', 'input ends inside a record', pending, splitter.recordNo + 1, now());
      }
      if (batch.length > 0 || rejects.length > 0) {
        if (!(await due())) return;
        yield chunk();
      }
    } finally {
      warnings += p.synthesisWarnings();
      file.destroy();
      if (input !== file) (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
    }
  }

  return {
    name: fileName,
    path,
    format,
    [Symbol.asyncIterator]: iterate,
    progress() {
      if (stream === undefined) return { done: startByte, total: head.size };
      return { done: Math.min(head.size, startByte + stream.bytesRead), total: head.size };
    },
    synthesisWarnings() {
      return warnings;
    },
  };
}

function positionOf(file: string, format: ReplayFormat, st: Standing, seekable: boolean): SourcePosition {
  const pos: Record<string, string | number> = { file, format, line: st.line, sub: st.sub };
  if (seekable) pos['byte'] = st.byte;
  return pos;
}

function startingPoint(pos: SourcePosition | undefined, fileName: string, format: ReplayFormat, noSeek: boolean): Standing {
  if (pos === undefined) return { line: 0, sub: 0, byte: 0 };
  const bad = (why: string): TickflowError =>
    new TickflowError('USAGE', `cannot resume ${fileName} from ${JSON.stringify(pos)}: ${why}`, { details: { position: pos } });
  if (pos['file'] !== fileName) throw bad(`the position belongs to '${String(pos['file'])}'`);
  if (pos['format'] !== format) throw bad(`the position was taken reading format '${String(pos['format'])}', not '${format}'`);
  const line = pos['line'];
  const sub = pos['sub'];
  const byte = pos['byte'];
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!isCount(line) || !isCount(sub)) throw bad('line and sub must be non-negative integers');
  if (byte !== undefined && !isCount(byte)) throw bad('byte must be a non-negative integer');
  return { line, sub, byte: noSeek || byte === undefined ? 0 : byte };
}

function isBlank(text: string): boolean {
  return text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '');
}

function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
