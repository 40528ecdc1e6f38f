import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { TickflowError } from '../../core/index.js';
import type { Codec } from '../../log/index.js';
import type { ColumnSource } from '../../store/index.js';

/**
 * A compact binary codec for output records whose values are flat objects (bars, indicator
 * sets, windows, alerts, forecasts): the record's values are stored column by column, numbers
 * as little-endian float64, booleans as bytes, strings as indexes into a table of the record's
 * distinct strings (an instrument and a few interval names). Encoding and decoding cost a
 * tenth of JSON's (bench/output-codecs.bench.ts), which bounds how many bars a second
 * the split deployment moves.
 *
 * A record decodes to a `ColumnBatch`: the columns, checked against the record type's schema
 * field by field (what a JSON record's values must pass, so a wrong value is dead-lettered
 * the same way), with objects built only when asked for. `serve` copies bars and indicator
 * sets from the columns into the store's write buffer without an object per row.
 *
 * The layout is derived from the record type's schema, so it changes when the schema does:
 * readers and writers must run the same tickflow version (the schema version travels in the
 * record's header; a mismatch is dead-lettered).
 *
 * Layout (version 2, one record = the values of one key):
 *   u32 count n · u16 strings k · k × (u16 byte length, UTF-8 bytes) · zero padding to a
 *   multiple of 8 · float64 columns (n each, in schema order; NaN = null) · u16 string columns
 *   (n each, 0 = null, i = the i-th string) · u8 boolean columns (n each, 0 or 1).
 */
type Field =
  | { readonly kind: 'const'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'num'; readonly key: string; readonly nullable: boolean; readonly check: Checker | null }
  | { readonly kind: 'str'; readonly key: string; readonly nullable: boolean; readonly check: Checker | null }
  | { readonly kind: 'bool'; readonly key: string };

/** A compiled check of one field's schema; null when the type alone says it (any finite number, any string). */
interface Checker {
  Check(v: unknown): boolean;
  Errors(v: unknown): { message: string }[];
}

interface JsonSchemaLike {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchemaLike[];
  readonly properties?: Readonly<Record<string, JsonSchemaLike>>;
  readonly required?: readonly string[];
}

/** Keywords that do not constrain a value. */
const ANNOTATIONS = new Set(['type', 'description', 'title', 'default', 'examples', '$id', '$comment', '~kind']);

/** True when a number (string) schema is just "a number" ("a string"), optionally or null: not an integer, no bounds, no literals. */
function plain(s: JsonSchemaLike): boolean {
  const parts = s.anyOf ?? [s];
  return parts.every((p) => p.type !== 'integer' && Object.keys(p).every((k) => ANNOTATIONS.has(k)));
}

function fieldOf(key: string, s: JsonSchemaLike): Field | null {
  if (s.const !== undefined) return { kind: 'const', key, value: s.const };
  const check = (): Checker | null => (plain(s) ? null : (Compile(s as TSchema) as unknown as Checker));
  if (s.type === 'number' || s.type === 'integer') return { kind: 'num', key, nullable: false, check: check() };
  if (s.type === 'string') return { kind: 'str', key, nullable: false, check: check() };
  if (s.type === 'boolean') return { kind: 'bool', key };
  if (s.anyOf && s.anyOf.length > 0) {
    const nullable = s.anyOf.some((x) => x.type === 'null');
    const rest = s.anyOf.filter((x) => x.type !== 'null');
    if (rest.length > 0 && rest.every((x) => x.type === 'number' || x.type === 'integer'))
      return { kind: 'num', key, nullable, check: check() };
    if (rest.length > 0 && rest.every((x) => x.type === 'string' || typeof x.const === 'string'))
      return { kind: 'str', key, nullable, check: check() };
  }
  return null;
}

/** The columns of a flat object schema, or null when a property is not a number, string, boolean or constant. */
export function columnFields(schema: TSchema): Field[] | null {
  const s = schema as JsonSchemaLike;
  if (s.type !== 'object' || !s.properties) return null;
  const required = new Set(s.required ?? []);
  const fields: Field[] = [];
  for (const [key, p] of Object.entries(s.properties)) {
    if (!required.has(key)) return null;
    const f = fieldOf(key, p);
    if (!f) return null;
    fields.push(f);
  }
  return fields;
}

function bad(msg: string): TickflowError {
  return new TickflowError('LOG_CODEC', msg);
}

const MAX_VALUES = 1 << 20;

type RowBuilder = (f: Float64Array, u: Uint16Array, b: Uint8Array, n: number, table: readonly (string | null)[], i: number) => unknown;

interface Layout {
  readonly num: ReadonlyMap<string, number>;
  readonly str: ReadonlyMap<string, number>;
  readonly bool: ReadonlyMap<string, number>;
  readonly row: RowBuilder;
}

/** One decoded column record: the values of one key, as columns; `toArray()` builds the objects. */
export class ColumnBatch implements ColumnSource {
  private rows: unknown[] | undefined;

  constructor(
    private readonly layout: Layout,
    readonly length: number,
    private readonly f64: Float64Array,
    private readonly u16: Uint16Array,
    private readonly u8: Uint8Array,
    private readonly table: readonly (string | null)[],
  ) {}

  /** A number column (NaN for null). */
  num(field: string): Float64Array {
    const n = this.length;
    const c = this.index(this.layout.num, field);
    return this.f64.subarray(c * n, (c + 1) * n);
  }

  /** A string column, by row. */
  strings(field: string): (row: number) => string {
    const ids = this.strIds(field);
    const table = this.table;
    return (row) => table[ids[row] ?? 0] as string;
  }

  /** A string column as indexes into the record's string table (equal strings, equal indexes). */
  strIds(field: string): Uint16Array {
    const n = this.length;
    const c = this.index(this.layout.str, field);
    return this.u16.subarray(c * n, (c + 1) * n);
  }

  /** A boolean column (1 = true). */
  bool(field: string): Uint8Array {
    const n = this.length;
    const c = this.index(this.layout.bool, field);
    return this.u8.subarray(c * n, (c + 1) * n);
  }

  /** The value of one row, as an object. */
  at(i: number): unknown {
    return this.layout.row(this.f64, this.u16, this.u8, this.length, this.table, i);
  }

  /** Every value, as objects (built once). */
  toArray(): unknown[] {
    if (this.rows === undefined) {
      const rows = new Array<unknown>(this.length);
      for (let i = 0; i < this.length; i++) rows[i] = this.at(i);
      this.rows = rows;
    }
    return this.rows;
  }

  private index(m: ReadonlyMap<string, number>, field: string): number {
    const c = m.get(field);
    if (c === undefined) throw new TickflowError('INTERNAL', `column record has no column ${field}`);
    return c;
  }
}

/** The values an output record holds, whichever codec decoded it (a JSON array or a `ColumnBatch`). */
export function outputValues<T>(value: readonly T[] | ColumnBatch): readonly T[] {
  return value instanceof ColumnBatch ? (value.toArray() as T[]) : value;
}

/** The column codec of a flat object schema; null when the schema is not flat. */
export function columnCodec(topic: string, schema: TSchema, version: number): Codec<unknown> | null {
  const found = columnFields(schema);
  if (!found) return null;
  const fields: readonly Field[] = found;
  const nums = fields.filter((f) => f.kind === 'num');
  const strs = fields.filter((f) => f.kind === 'str');
  const bools = fields.filter((f) => f.kind === 'bool');

  // The per-value loops are generated from the schema (as TypeBox compiles its checks): a
  // generic loop over the fields costs several times more per value (megamorphic property
  // access, objects built one key at a time). Keys and constants come from our own schemas and
  // are embedded as JSON string literals.
  const col = (f: Field): number =>
    f.kind === 'num' ? nums.indexOf(f) : f.kind === 'str' ? strs.indexOf(f) : f.kind === 'bool' ? bools.indexOf(f) : -1;
  const prop = (f: Field): string => `r[${JSON.stringify(f.key)}]`;
  const fill = new Function(
    'rows',
    'n',
    'f',
    'u',
    'b',
    'num',
    'str',
    `for (let i = 0; i < n; i++) {
      const r = rows[i];
      ${fields
        .map((f) => {
          const c = col(f);
          const name = JSON.stringify(f.key);
          if (f.kind === 'num') return `f[${c} * n + i] = num(${prop(f)}, ${f.nullable}, ${name}, i);`;
          if (f.kind === 'str') return `u[${c} * n + i] = str(${prop(f)}, ${f.nullable}, ${name}, i);`;
          if (f.kind === 'bool') return `b[${c} * n + i] = ${prop(f)} === true ? 1 : 0;`;
          return '';
        })
        .join('\n      ')}
    }`,
  ) as (
    rows: readonly unknown[],
    n: number,
    f: Float64Array,
    u: Uint16Array,
    b: Uint8Array,
    num: (v: unknown, nullable: boolean, key: string, i: number) => number,
    str: (v: unknown, nullable: boolean, key: string, i: number) => number,
  ) => void;
  const row = new Function(
    'f',
    'u',
    'b',
    'n',
    'T',
    'i',
    `let x;
    return {
      ${fields
        .map((f) => {
          const c = col(f);
          const name = JSON.stringify(f.key);
          if (f.kind === 'num') return `${name}: ${f.nullable ? `(x = f[${c} * n + i], x !== x ? null : x)` : `f[${c} * n + i]`},`;
          if (f.kind === 'str') return `${name}: T[u[${c} * n + i]],`;
          if (f.kind === 'bool') return `${name}: b[${c} * n + i] === 1,`;
          return `${name}: ${JSON.stringify(f.value)},`;
        })
        .join('\n      ')}
    };`,
  ) as RowBuilder;
  const layout: Layout = {
    num: new Map(nums.map((f, c) => [f.key, c])),
    str: new Map(strs.map((f, c) => [f.key, c])),
    bool: new Map(bools.map((f, c) => [f.key, c])),
    row,
  };

  // Columns are filled in scratch arrays reused from record to record, then copied into the
  // record's one buffer: a new array per record made the split pipeline's young generation
  // collect early (V8 forces a scavenge per 32 MB of new array buffers).
  let scratchF64 = new Float64Array(0);
  let scratchU16 = new Uint16Array(0);
  let scratchU8 = new Uint8Array(0);

  function encode(value: unknown): Buffer {
    if (!Array.isArray(value)) throw bad(`${topic}: the column codec encodes an array of values`);
    const rows = value as unknown[];
    const n = rows.length;
    const table = new Map<string, number>();
    if (scratchF64.length < nums.length * n) scratchF64 = new Float64Array(nums.length * n * 2);
    if (scratchU16.length < strs.length * n) scratchU16 = new Uint16Array(strs.length * n * 2);
    if (scratchU8.length < bools.length * n) scratchU8 = new Uint8Array(bools.length * n * 2);
    const f64 = scratchF64.subarray(0, nums.length * n);
    const u16 = scratchU16.subarray(0, strs.length * n);
    const u8 = scratchU8.subarray(0, bools.length * n);
    const num = (v: unknown, nullable: boolean, key: string, i: number): number => {
      if (typeof v === 'number') return v;
      if (v === null && nullable) return NaN;
      throw bad(`${topic}: ${key} of value ${i} is not a number`);
    };
    const str = (v: unknown, nullable: boolean, key: string, i: number): number => {
      if (typeof v !== 'string') {
        if (v === null && nullable) return 0;
        throw bad(`${topic}: ${key} of value ${i} is not a string`);
      }
      let k = table.get(v);
      if (k === undefined) {
        k = table.size + 1;
        if (k > 0xffff) throw bad(`${topic}: more than 65535 distinct strings in one record`);
        table.set(v, k);
      }
      return k;
    };
    fill(rows, n, f64, u16, u8, num, str);
    const strings = [...table.keys()].map((s) => Buffer.from(s, 'utf8'));
    let head = 6;
    for (const s of strings) head += 2 + s.length;
    const numStart = Math.ceil(head / 8) * 8;
    const strStart = numStart + f64.byteLength;
    const boolStart = strStart + u16.byteLength;
    // Not zero-filled: every byte is written below (the padding before the numbers explicitly).
    const out = Buffer.allocUnsafe(boolStart + u8.byteLength);
    out.writeUInt32LE(n, 0);
    out.writeUInt16LE(strings.length, 4);
    let at = 6;
    for (const s of strings) {
      if (s.length > 0xffff) throw bad(`${topic}: a string of ${s.length} bytes is longer than the column codec holds`);
      out.writeUInt16LE(s.length, at);
      s.copy(out, at + 2);
      at += 2 + s.length;
    }
    out.fill(0, at, numStart);
    out.set(new Uint8Array(f64.buffer, 0, f64.byteLength), numStart);
    out.set(new Uint8Array(u16.buffer, 0, u16.byteLength), strStart);
    out.set(u8, boolStart);
    return out;
  }

  const refuse = (i: number, key: string, message: string): never => {
    throw bad(`${topic} record does not match its schema: /${i}/${key} ${message}`);
  };

  /** What a JSON record's values must pass, column by column. */
  function validate(n: number, f64: Float64Array, u16: Uint16Array, u8: Uint8Array, table: readonly (string | null)[]): void {
    nums.forEach((f, c) => {
      if (f.kind !== 'num') return;
      const base = c * n;
      for (let i = 0; i < n; i++) {
        const v = f64[base + i] as number;
        if (f.check === null) {
          // A number must be finite (TypeBox refuses NaN and ±Infinity); NaN stands for null.
          if (!Number.isFinite(v) && !(f.nullable && v !== v)) refuse(i, f.key, 'must be a finite number');
        } else {
          const value = f.nullable && v !== v ? null : v;
          if (!f.check.Check(value)) refuse(i, f.key, f.check.Errors(value)[0]?.message ?? 'invalid');
        }
      }
    });
    strs.forEach((f, c) => {
      if (f.kind !== 'str') return;
      const base = c * n;
      const checked = new Set<number>();
      for (let i = 0; i < n; i++) {
        const ix = u16[base + i] as number;
        if (checked.has(ix)) continue;
        const s = table[ix];
        if (s === undefined || (s === null && !f.nullable)) throw bad(`${topic} record: ${f.key} of value ${i} names no string`);
        if (f.check !== null && !f.check.Check(s)) refuse(i, f.key, f.check.Errors(s)[0]?.message ?? 'invalid');
        checked.add(ix);
      }
    });
    for (let j = 0; j < u8.length; j++) {
      if ((u8[j] as number) > 1) refuse(j % n, (bools[Math.floor(j / n)] as Field).key, 'must be a boolean');
    }
  }

  function decode(bytes: Buffer): ColumnBatch {
    if (bytes.length < 6) throw bad(`${topic} record: ${bytes.length} bytes is too short for the column codec`);
    const n = bytes.readUInt32LE(0);
    if (n > MAX_VALUES) throw bad(`${topic} record: ${n} values is more than a record holds`);
    const k = bytes.readUInt16LE(4);
    const table: (string | null)[] = [null];
    let at = 6;
    for (let j = 0; j < k; j++) {
      if (at + 2 > bytes.length) throw bad(`${topic} record: string table cut short`);
      const len = bytes.readUInt16LE(at);
      if (at + 2 + len > bytes.length) throw bad(`${topic} record: string table cut short`);
      table.push(bytes.toString('utf8', at + 2, at + 2 + len));
      at += 2 + len;
    }
    const numStart = Math.ceil(at / 8) * 8;
    const strStart = numStart + nums.length * n * 8;
    const boolStart = strStart + strs.length * n * 2;
    const size = boolStart + bools.length * n;
    if (bytes.length !== size) throw bad(`${topic} record: ${bytes.length} bytes, the column codec's layout of ${n} values needs ${size}`);
    // Copied (one memcpy a column block): typed views need aligned offsets, which a record
    // inside a fetched batch rarely has, and the batch must not depend on the client's buffers.
    const f64 = new Float64Array(copyOf(bytes, numStart, strStart));
    const u16 = new Uint16Array(copyOf(bytes, strStart, boolStart));
    const u8 = new Uint8Array(copyOf(bytes, boolStart, size));
    validate(n, f64, u16, u8, table);
    return new ColumnBatch(layout, n, f64, u16, u8, table);
  }

  return {
    name: 'tickflow-columns',
    version,
    encode,
    decode: (bytes) => decode(bytes),
  };
}

/** The bytes [from, to) of `bytes` in an ArrayBuffer of their own. */
function copyOf(bytes: Buffer, from: number, to: number): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset + from, bytes.byteOffset + to) as ArrayBuffer;
}
