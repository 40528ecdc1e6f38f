import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { constants as zc, gunzipSync } from 'node:zlib';
import { TickflowError } from '../core/index.js';

export interface FileHead {
  readonly size: number;
  readonly gzip: boolean;
  /** First line of the (decompressed) content, without BOM and line ending. */
  readonly firstLine: string;
}

const HEAD_BYTES = 64 * 1024;

/** Reads just enough of a file to tell its format, synchronously so `openReplay` can fail fast. */
export function readFileHead(path: string): FileHead {
  let size: number;
  let raw: Buffer;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new TickflowError('IO', `replay input '${path}' is a directory, not a file`);
    size = st.size;
    const fd = openSync(path, 'r');
    try {
      raw = Buffer.alloc(Math.min(HEAD_BYTES, size));
      const n = readSync(fd, raw, 0, raw.length, 0);
      raw = raw.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw ioError(e, path);
  }
  const gzip = isGzip(raw);
  let text = raw;
  if (gzip) {
    try {
      // a sync flush tolerates the cut-off end of our 64 KiB sample
      text = gunzipSync(raw, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw new TickflowError('IO', `'${path}' starts like gzip but does not decompress: ${(e as Error).message}`, { cause: e });
    }
  }
  const nl = text.indexOf(10);
  let firstLine = text.toString('utf8', 0, nl < 0 ? Math.min(text.length, 4096) : nl);
  if (firstLine.charCodeAt(0) === 0xfeff) firstLine = firstLine.slice(1);
  if (firstLine.endsWith('\r')) firstLine = firstLine.slice(0, -1);
  return { size, gzip, firstLine };
}

export function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Node fs errors → TickflowError('IO') with a message a user can act on. */
export function ioError(e: unknown, path: string): TickflowError {
  if (e instanceof TickflowError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new TickflowError('IO', `replay file not found: ${path}`, { cause: e });
  if (code === 'EACCES' || code === 'EPERM') return new TickflowError('IO', `no permission to read ${path}`, { cause: e });
  return new TickflowError('IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
}
