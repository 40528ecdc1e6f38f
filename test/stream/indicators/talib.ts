import { createRequire } from 'node:module';

/**
 * The oracle: TA-Lib's C code through the `talib` npm binding (node-talib 1.1.6, which builds
 * the TA-Lib 0.6.0-dev sources it bundles with node-gyp). Loaded lazily so the tests can say
 * why they skip when the native module could not be built.
 */
interface TalibResult {
  readonly begIndex: number;
  readonly nbElement: number;
  readonly result: Readonly<Record<string, readonly number[]>>;
}
interface TalibModule {
  readonly version: string;
  execute(params: Record<string, unknown>): TalibResult;
}

function load(): { talib: TalibModule } | { error: string } {
  try {
    const mod: unknown = createRequire(import.meta.url)('talib');
    if (typeof mod === 'object' && mod !== null && 'execute' in mod && typeof mod.execute === 'function')
      return { talib: mod as TalibModule };
    return { error: 'the talib module has no execute()' };
  } catch (e) {
    return { error: `talib (native TA-Lib binding) is not available: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
  }
}

const loaded = load();

/** Skip reason for node:test when the binding is missing. */
export const NO_TALIB: string | false = 'error' in loaded ? loaded.error : false;

export type Series = (number | null)[];

/**
 * Runs one TA-Lib function over the whole input and returns each output aligned to the input
 * indexes, null where TA-Lib has no output (its lookback).
 */
export function talib(
  name: string,
  inputs: Record<string, readonly number[]>,
  options: Record<string, number> = {},
): Record<string, Series> {
  if ('error' in loaded) throw new Error(loaded.error);
  const first = Object.values(inputs)[0];
  if (first === undefined) throw new Error('talib(): no input');
  const length = first.length;
  const r = loaded.talib.execute({ name, startIdx: 0, endIdx: length - 1, ...inputs, ...options });
  const out: Record<string, Series> = {};
  for (const [key, values] of Object.entries(r.result)) {
    const aligned: Series = new Array<number | null>(length).fill(null);
    for (let i = 0; i < r.nbElement; i++) aligned[r.begIndex + i] = values[i] ?? null;
    out[key] = aligned;
  }
  return out;
}

export function talibOut(
  name: string,
  inputs: Record<string, readonly number[]>,
  options: Record<string, number> = {},
  output = 'outReal',
): Series {
  const s = talib(name, inputs, options)[output];
  if (s === undefined) throw new Error(`talib ${name} has no output ${output}`);
  return s;
}
