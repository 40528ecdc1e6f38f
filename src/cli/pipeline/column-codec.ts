import type { TSchema } from 'typebox';
import { TickflowError } from '../../core/index.js';
import type { Codec } from '../../log/index.js';

/**
 * A compact binary codec for output records whose values are flat objects (bars, indicator
 * sets, windows, alerts, forecasts): the record's values are stored column by column, numbers
 * as little-endian float64, booleans as bytes, strings as indexes into a table of the record's
 * distinct strings (an instrument and a few interval names). Encoding and decoding cost a
 * tenth of JSON's (bench/output-codecs.bench.ts), which bounds how many bars a second
 * the split deployment moves.
 *
 * The layout is derived from the record type's schema, so it changes when the schema does:
 * readers and writers must run the same tickflow version (the schema version travels in the
 * record's header; a mismatch is dead-lettered). Decoded values are checked against the schema
 * like JSON ones.
 *
 * Layout (version 2, one record = the values of one key):
 *   u32 count n · u16 strings k · k × (u16 byte length, UTF-8 bytes) · zero padding to a
 *   multiple of 8 · float64 columns (n each, in schema order) · u16 string columns (n each,
 *   0 = null, i = the i-th string) · u8 boolean columns (n each).
 */
type Field =
  | { readonly kind: 'const'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'num'; readonly key: string; readonly nullable: boolean }
  | { readonly kind: 'str'; readonly key: string; readonly nullable: boolean }
  | { readonly kind: 'bool'; readonly key: string };

interface JsonSchemaLike {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchemaLike[];
  readonly properties?: Readonly<Record<string, JsonSchemaLike>>;
  readonly required?: readonly string[];
}

function fieldOf(key: string, s: JsonSchemaLike): Field | null {
  if (s.const !== undefined) return { kind: 'const', key, value: s.const };
  if (s.type === 'number' || s.type === 'integer') return { kind: 'num', key, nullable: false };
  if (s.type === 'string') return { kind: 'str', key, nullable: false };
  if (s.type === 'boolean') return { kind: 'bool', key };
  if (s.anyOf && s.anyOf.length > 0) {
    const nullable = s.anyOf.some((x) => x.type === 'null');
    const rest = s.anyOf.filter((x) => x.type !== 'null');
    if (rest.length > 0 && rest.every((x) => x.type === 'number' || x.type === 'integer')) return { kind: 'num', key, nullable };
    if (rest.length > 0 && rest.every((x) => x.type === 'string' || typeof x.const === 'string')) return { kind: 'str', key, nullable };
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

/**
 * The column codec of a flat object schema; `check` validates decoded values (the record
 * type's compiled schema check, throwing LOG_CODEC). Null when the schema is not flat.
 */
export function columnCodec(
  topic: string,
  schema: TSchema,
  version: number,
  check: (values: unknown[]) => unknown[],
): Codec<unknown> | null {
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
  const build = new Function(
    'f',
    'u',
    'b',
    'n',
    'str',
    `const rows = new Array(n);
    for (let i = 0; i < n; i++) {
      let x;
      rows[i] = {
        ${fields
          .map((f) => {
            const c = col(f);
            const name = JSON.stringify(f.key);
            if (f.kind === 'num') return `${name}: ${f.nullable ? `(x = f[${c} * n + i], x !== x ? null : x)` : `f[${c} * n + i]`},`;
            if (f.kind === 'str') return `${name}: str(u[${c} * n + i], ${f.nullable}, ${name}, i),`;
            if (f.kind === 'bool') return `${name}: b[${c} * n + i] === 1,`;
            return `${name}: ${JSON.stringify(f.value)},`;
          })
          .join('\n        ')}
      };
    }
    return rows;`,
  ) as (
    f: Float64Array,
    u: Uint16Array,
    b: Uint8Array,
    n: number,
    str: (ix: number, nullable: boolean, key: string, i: number) => unknown,
  ) => unknown[];

  function encode(value: unknown): Buffer {
    if (!Array.isArray(value)) throw bad(`${topic}: the column codec encodes an array of values`);
    const rows = value as unknown[];
    const n = rows.length;
    const table = new Map<string, number>();
    const f64 = new Float64Array(nums.length * n);
    const u16 = new Uint16Array(strs.length * n);
    const u8 = new Uint8Array(bools.length * n);
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
    const out = Buffer.alloc(boolStart + u8.byteLength);
    out.writeUInt32LE(n, 0);
    out.writeUInt16LE(strings.length, 4);
    let at = 6;
    for (const s of strings) {
      if (s.length > 0xffff) throw bad(`${topic}: a string of ${s.length} bytes is longer than the column codec holds`);
      out.writeUInt16LE(s.length, at);
      s.copy(out, at + 2);
      at += 2 + s.length;
    }
    out.set(new Uint8Array(f64.buffer), numStart);
    out.set(new Uint8Array(u16.buffer), strStart);
    out.set(u8, boolStart);
    return out;
  }

  function decode(bytes: Buffer): unknown[] {
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
    // Views need aligned offsets; a record inside a fetched batch rarely is, so copy then.
    const f64 = aligned(bytes, numStart, nums.length * n * 8, 8, (b, o, len) => new Float64Array(b, o, len));
    const u16 = aligned(bytes, strStart, strs.length * n * 2, 2, (b, o, len) => new Uint16Array(b, o, len));
    const u8 = bytes.subarray(boolStart, size);
    const str = (ix: number, nullable: boolean, key: string, i: number): unknown => {
      const v = table[ix];
      if (v === undefined || (v === null && !nullable)) throw bad(`${topic} record: ${key} of value ${i} names no string`);
      return v;
    };
    return check(build(f64, u16, u8, n, str));
  }

  return {
    name: 'tickflow-columns',
    version,
    encode,
    decode: (bytes) => decode(bytes),
  };
}

function aligned<T>(
  bytes: Buffer,
  start: number,
  byteLength: number,
  align: number,
  view: (b: ArrayBufferLike, o: number, len: number) => T,
): T {
  const o = bytes.byteOffset + start;
  if (o % align === 0) return view(bytes.buffer, o, byteLength / align);
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(start, start + byteLength));
  return view(copy.buffer, 0, byteLength / align);
}
