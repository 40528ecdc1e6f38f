import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_FUTURE_SKEW_MS,
  MIN_TRADE_TIME,
  TickflowError,
  TradeBatchBuilder,
  instrumentId,
  type InstrumentId,
  type RejectReason,
} from '../../src/core/index.js';
import { BinanceTradeMapper, type MapResult } from '../../src/sources/messages/binance-trade.js';
import { NO_SHARED_DATA, sharedData } from '../helpers.js';

const REJECT_REASONS: readonly RejectReason[] = [
  'MALFORMED',
  'WRONG_COLUMN_COUNT',
  'NOT_NUMERIC',
  'BAD_PRICE',
  'BAD_SIZE',
  'BAD_TIMESTAMP',
  'TIMESTAMP_TOO_OLD',
  'TIMESTAMP_IN_FUTURE',
  'OVERSIZED',
  'TRUNCATED',
  'BAD_INSTRUMENT',
];

const NOW = Date.now();

// The payload of Binance's documentation (illustrative values), and the same trade as USD-M futures lays it out.
const DOC_TRADE = '{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}';
const USDM_TRADE = '{"e":"trade","E":1672515782136,"T":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","X":"MARKET","m":true}';
const DOC_AGG_TRADE =
  '{"e":"aggTrade","E":1672515782136,"s":"BNBBTC","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":true,"M":true}';

type Json = Record<string, unknown>;

interface MappedTrade {
  readonly kind: 'trade';
  readonly inst: InstrumentId;
  readonly ts: number;
  readonly price: number;
  readonly size: number;
  readonly id: number;
  readonly side: number;
  readonly localTs: number;
}
type Outcome =
  MappedTrade | { readonly kind: 'ignored' } | { readonly kind: 'reject'; readonly reason?: string; readonly message?: string };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The obvious way, written out independently of the mapper: JSON.parse, Number() on the
 * decimal strings (blank is not 0, as everywhere in tickflow), the checks of record-checks.ts.
 */
function reference(text: string, localTs: number): Outcome {
  const REJECT = { kind: 'reject' } as const;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return REJECT;
  }
  if (!isObject(v)) return REJECT;
  const stream = v['stream'];
  if (!('e' in v) && typeof stream === 'string' && 'data' in v) {
    const data = v['data'];
    if (!isObject(data) || (stream.endsWith('@trade') && data['e'] !== 'trade')) return REJECT;
    v = data;
  }
  const x = v as Json;
  if (x['e'] !== 'trade') return { kind: 'ignored' };
  const { s, p, q, T, t, m } = x;
  if (typeof s !== 'string' || typeof T !== 'number' || typeof t !== 'number' || typeof m !== 'boolean') return REJECT;
  const dec = (d: unknown): number => (typeof d === 'number' ? d : typeof d === 'string' && d.trim() !== '' ? Number(d) : NaN);
  const price = dec(p);
  const size = dec(q);
  const ts = T > 1e14 ? T / 1000 : T;
  if (!(price > 0 && price < Infinity && size >= 0 && size < Infinity)) return REJECT;
  if (!(ts >= MIN_TRADE_TIME && ts <= localTs + MAX_FUTURE_SKEW_MS)) return REJECT;
  let inst: InstrumentId;
  try {
    inst = instrumentId('binance', s);
  } catch {
    return REJECT;
  }
  return { kind: 'trade', inst, ts, price, size, id: Number.isSafeInteger(t) && t >= 0 ? t : -1, side: m ? -1 : 1, localTs };
}

/** Runs one message through a mapper whose builder hands back every trade at once. */
function run(mapper: BinanceTradeMapper, text: string, localTs: number): Outcome {
  const r: MapResult = mapper.map(text, new TradeBatchBuilder(1), localTs);
  if (r.kind !== 'trade') return r;
  const b = r.full;
  assert.ok(b && b.length === 1, 'a builder of capacity 1 returns the batch at once');
  return {
    kind: 'trade',
    inst: b.instruments[b.inst[0] ?? -1] as InstrumentId,
    ts: b.ts[0] ?? NaN,
    price: b.price[0] ?? NaN,
    size: b.size[0] ?? NaN,
    id: b.id[0] ?? NaN,
    side: b.side[0] ?? NaN,
    localTs: b.localTs[0] ?? NaN,
  };
}

const sameNumber = (a: number, b: number): boolean => Object.is(a, b);

/**
 * The fast mapper, the general path alone and the reference agree on the message: same kind,
 * bit-identical values, the same reject reason and message on both mapper paths, and a known
 * reject code. Returns whether the fast path took it.
 */
function check(fast: BinanceTradeMapper, general: BinanceTradeMapper, text: string, localTs = NOW): boolean {
  const before = fast.stats.fast;
  const a = run(fast, text, localTs);
  const tookFast = fast.stats.fast > before;
  const b = run(general, text, localTs);
  const ref = reference(text, localTs);
  const what = `${JSON.stringify(text).slice(0, 300)} (fast path: ${tookFast})`;
  assert.equal(a.kind, ref.kind, `kind vs reference: ${what} → ${JSON.stringify(a)}`);
  assert.deepEqual(a, b, `fast vs general path: ${what}`);
  if (a.kind === 'trade' && ref.kind === 'trade') {
    assert.equal(a.inst, ref.inst, what);
    for (const k of ['ts', 'price', 'size', 'id', 'side', 'localTs'] as const) {
      assert.ok(sameNumber(a[k], ref[k]), `${k}: ${a[k]} vs reference ${ref[k]}: ${what}`);
    }
  }
  if (a.kind === 'reject') {
    assert.ok(REJECT_REASONS.includes(a.reason as RejectReason), `reject code ${a.reason}: ${what}`);
    assert.ok((a.message ?? '').length > 0, what);
    assert.ok(!tookFast, `the fast path never rejects: ${what}`);
  }
  return tookFast;
}

function mappers(): { fast: BinanceTradeMapper; general: BinanceTradeMapper } {
  return { fast: new BinanceTradeMapper(), general: new BinanceTradeMapper({ fastPath: false }) };
}

function gunzipLines(path: string): string[] {
  return gunzipSync(readFileSync(path)).toString('utf8').split('\n');
}

/** hftbacktest line `<local receive ns> <frame>` → receive time in ms (µs kept) and the frame. */
function hftLine(line: string): { localTs: number; frame: string } {
  const sp = line.indexOf(' ');
  const ns = line.slice(0, sp);
  return { localTs: Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6, frame: line.slice(sp + 1) };
}

const HFT_FILES = [
  'ws-captures/hftbacktest-binance/binance-spot_btcusdt_20240808.gz',
  'ws-captures/hftbacktest-binance/binance-spot_btcusdt_20240809.gz',
  'ws-captures/hftbacktest-binance/binance-usdm_btcusdt_20240808.gz',
];

/** Every `@trade` frame of the hftbacktest captures (the only Binance trade messages in the shared data). */
function realTradeFrames(): { localTs: number; frame: string }[] {
  const out: { localTs: number; frame: string }[] = [];
  for (const rel of HFT_FILES) {
    const path = sharedData(rel);
    assert.ok(path, rel);
    for (const line of gunzipLines(path)) if (line.includes('"stream":"btcusdt@trade"')) out.push(hftLine(line));
  }
  return out;
}

test(
  'every frame of the hftbacktest Binance captures: trades equal JSON.parse + Number, all on the fast path',
  { skip: NO_SHARED_DATA },
  () => {
    for (const rel of HFT_FILES) {
      const path = sharedData(rel);
      assert.ok(path, rel);
      const { fast, general } = mappers();
      const counts = { trade: 0, ignored: 0, reject: 0 };
      let trades = 0;
      let fastHits = 0;
      for (const line of gunzipLines(path)) {
        if (line === '') continue;
        const { localTs, frame } = hftLine(line);
        if (frame.startsWith('{"stream":"btcusdt@trade"')) trades++;
        if (check(fast, general, frame, localTs)) fastHits++;
        counts[run(general, frame, localTs).kind]++;
        // the raw-stream form of the same message (what /ws/<symbol>@trade sends)
        if (frame.startsWith('{"stream":"btcusdt@trade","data":')) {
          const raw = frame.slice('{"stream":"btcusdt@trade","data":'.length, -1);
          assert.ok(check(fast, general, raw, localTs), raw);
        }
      }
      assert.ok(trades > 9000, `${rel}: ${trades} trade messages`);
      assert.equal(counts.trade, trades, rel);
      assert.equal(counts.reject, 0, rel);
      assert.equal(fastHits, trades, `${rel}: every trade message takes the fast path`);
    }
  },
);

test(
  'the cryptofeed Binance spot and USD-M captures (aggTrade, depth, kline, bookTicker) are all ignored',
  { skip: NO_SHARED_DATA },
  () => {
    for (const rel of ['ws-captures/cryptofeed/BINANCE.v3.jsonl.gz', 'ws-captures/cryptofeed/BINANCE_FUTURES.v3.jsonl.gz']) {
      const path = sharedData(rel);
      assert.ok(path, rel);
      const { fast, general } = mappers();
      let frames = 0;
      for (const line of gunzipLines(path)) {
        if (line === '') continue;
        const rec = JSON.parse(line) as Json;
        if (rec['t'] !== 'recv' || typeof rec['data'] !== 'string') continue;
        frames++;
        check(fast, general, rec['data'], Number(rec['ts']) * 1000);
        assert.equal(run(fast, rec['data'], NOW).kind, 'ignored', rec['data']);
      }
      assert.ok(frames > 200, `${rel}: ${frames} frames`);
    }
  },
);

// ---------------------------------------------------------------------------------------------
// generated variants of real (or documented) messages

let seed = 20240808;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Seeds: the documented layouts, plus every 400th real trade message when the shared data is there. */
function seeds(): { localTs: number; frame: string }[] {
  const out = [DOC_TRADE, USDM_TRADE].map((frame) => ({ localTs: NOW, frame }));
  if (!NO_SHARED_DATA) out.push(...realTradeFrames().filter((_, i) => i % 400 === 0));
  return out;
}

/** The trade object of a seed frame (unwrapped) and the frame's own wrapping. */
function tradeOf(frame: string): Json {
  const v = JSON.parse(frame) as Json;
  return isObject(v['data']) ? v['data'] : v;
}

function wrap(raw: string, stream = 'btcusdt@trade'): string {
  return `{"stream":"${stream}","data":${raw}}`;
}

/** JSON text of an object with its keys in the given order and values replaced by raw JSON text where given. */
function build(x: Json, keys: readonly string[], rawValues: Readonly<Record<string, string>> = {}): string {
  return `{${keys.map((k) => `${JSON.stringify(k)}:${rawValues[k] ?? JSON.stringify(x[k])}`).join(',')}}`;
}

const DECIMALS = [
  '6.18e4',
  '6.18E+4',
  '618e-2',
  '1e-7',
  '0.1e1',
  '.5',
  '5.',
  '+5',
  '-5',
  '0',
  '-0',
  '0.0',
  '00.5',
  '0x10',
  '0b1',
  ' 1',
  '1 ',
  '',
  ' ',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '1_000',
  '١',
  'abc',
  '1.2.3',
  '.',
  '1e400',
  '1e-400',
  '61837.630000000000001',
  '0.12345678901234567890',
  '12345678901234567890',
  '9007199254740993',
  '9007199254740992.5',
  '900719925474099.3',
  '900719925474099.35',
  `0.${'0'.repeat(21)}1`,
  `0.${'0'.repeat(22)}1`,
  `1.${'0'.repeat(22)}`,
  `1${'0'.repeat(30)}`,
  '0.00000001',
  '61837.63000000',
];

const INTEGERS = [
  '0',
  '-1',
  '1.5',
  '1e3',
  '012',
  '-0',
  '9007199254740991',
  '9007199254740992',
  '9007199254740993',
  '99999999999999999999',
  '1e20',
  '1723161255342.0',
  '1723161255342123',
  '1723161255342123456',
  '"1723161255342"',
  'null',
  'true',
  '[]',
  '1e400',
];

function variants(frame: string): string[] {
  const x = tradeOf(frame);
  const keys = Object.keys(x);
  const raw = build(x, keys);
  const out: string[] = [raw, wrap(raw), wrap(raw, 'btcusdt@aggTrade'), wrap(raw, 'x')];
  // key order: every rotation, reversed, shuffles
  for (let r = 1; r < keys.length; r++) out.push(build(x, [...keys.slice(r), ...keys.slice(0, r)]));
  out.push(build(x, [...keys].reverse()));
  for (let k = 0; k < 5; k++)
    out.push(
      wrap(
        build(
          x,
          [...keys].sort(() => rnd() - 0.5),
        ),
      ),
    );
  // whitespace
  out.push(
    JSON.stringify(x, null, 2),
    JSON.stringify(x, null, '\t'),
    ` ${raw}`,
    `${raw}\n`,
    raw.replace(/,/g, ', '),
    raw.replace(/:/g, ': '),
  );
  out.push(wrap(raw).replace('"data":', '"data": '), `${wrap(raw)} `, raw.replace('}', ' }'), raw.replace('{', '{ '));
  // escapes, in values and keys
  out.push(raw.replace('"s":"', '"s":"\\u0042'), raw.replace('"e":"trade"', '"e":"tr\\u0061de"'), raw.replace('"p":"', '"p":"\\u0036'));
  out.push(
    raw.replace('"p":', '"\\u0070":'),
    raw.replace('"q":"', '"q":"\\"'),
    raw.replace('"s":"', '"s":"\\n'),
    raw.replace('"e":"trade"', '"e":"trade\\u0000"'),
  );
  out.push(
    raw.replace('"s":"', '"s":"\n'),
    raw.replace('"p":"', '"p":"\t'),
    raw.replace('"q":"', '"q":"\u0001'),
    raw.replace('"s":"', '"s":"\u00e9'),
  );
  // decimals of every kind in p and q, also as JSON numbers and other types
  for (const d of DECIMALS) {
    out.push(build(x, keys, { p: JSON.stringify(d) }), build(x, keys, { q: JSON.stringify(d) }));
  }
  for (const v of ['61837.63', '1e3', '0', '-1', 'null', 'true', '{}', '["1"]'])
    out.push(build(x, keys, { p: v }), build(x, keys, { q: v }));
  // integers of every kind in t, T, E
  for (const v of INTEGERS) for (const k of ['t', 'T', 'E']) out.push(build(x, keys, { [k]: v }));
  for (const v of ['0', '1000', String(NOW + MAX_FUTURE_SKEW_MS + 10_000), String(MIN_TRADE_TIME), String(MIN_TRADE_TIME - 1)]) {
    out.push(build(x, keys, { T: v }));
  }
  // flags, event type, symbol
  for (const v of ['false', 'true', '1', '0', '"true"', 'null']) out.push(build(x, keys, { m: v }), build(x, keys, { M: v }));
  for (const v of ['"aggTrade"', '"TRADE"', '"trades"', '"trad"', 'null', '1']) out.push(build(x, keys, { e: v }));
  for (const v of ['""', '"btcusdt"', '"BTC USDT"', '"BTC/USDT"', `"${'X'.repeat(70)}"`, 'null', '1']) out.push(build(x, keys, { s: v }));
  // missing, extra, duplicate keys
  for (const k of keys)
    out.push(
      build(
        x,
        keys.filter((y) => y !== k),
      ),
    );
  out.push(
    raw.replace('{', '{"x":1,'),
    raw.replace('{', '{"ee":"trade",'),
    raw.replace('}', ',"Z":{"a":[1,2]}}'),
    raw.replace('}', ',"__proto__":1}'),
  );
  out.push(
    raw.replace('}', ',"p":"1"}'),
    raw.replace('}', ',"s":"ETHUSDT"}'),
    raw.replace('}', `,"e":"trade"}`),
    raw.replace('}', ',"M":false}'),
  );
  out.push(
    raw.replace('}', ',"X":"MARKET"}'),
    raw.replace('}', ',"X":1}'),
    raw.replace('}', ',"":0}'),
    raw.replace('{', '{"stream":"btcusdt@trade",'),
  );
  // truncations and wrappers gone wrong
  for (let n = 0; n < raw.length; n++) out.push(raw.slice(0, n));
  out.push(
    wrap(raw).slice(0, -1),
    `${wrap(raw)}}`,
    `${raw}}`,
    `[${raw}]`,
    `${raw},`,
    wrap('null'),
    wrap('[]'),
    wrap('"x"'),
    wrap(raw).replace('"data"', '"Data"'),
  );
  out.push(`{"data":${raw},"stream":"btcusdt@trade"}`, wrap(raw).replace('"stream":"btcusdt@trade"', '"stream":1'));
  return out;
}

/** Every single-character substitution, deletion and insertion of a message, with characters that matter to JSON. */
function mutations(text: string): string[] {
  const chars = ['"', '\\', ' ', '0', '1', '9', '-', '+', '.', 'e', 'E', '}', '{', ',', ':', 'x', '\u0000', '\n', 'é'];
  const out: string[] = [];
  for (let i = 0; i < text.length; i++) {
    out.push(text.slice(0, i) + text.slice(i + 1));
    out.push(text.slice(0, i) + pick(chars) + text.slice(i + 1));
    out.push(text.slice(0, i) + pick(chars) + text.slice(i));
  }
  return out;
}

test('generated variants: reordered keys, whitespace, escapes, odd numbers, missing and extra keys, garbage', () => {
  const { fast, general } = mappers();
  let total = 0;
  let fastHits = 0;
  for (const { localTs, frame } of seeds()) {
    for (const v of variants(frame)) {
      total++;
      if (check(fast, general, v, localTs)) fastHits++;
    }
  }
  assert.ok(total > 500 && fastHits > 50, `${total} variants, ${fastHits} on the fast path`);
});

test('generated variants: every one-character mutation of real messages', () => {
  const { fast, general } = mappers();
  let total = 0;
  let fastHits = 0;
  for (const { localTs, frame } of seeds()) {
    for (const m of [...mutations(frame), ...mutations(wrap(JSON.stringify(tradeOf(frame))))]) {
      total++;
      if (check(fast, general, m, localTs)) fastHits++;
    }
  }
  assert.ok(fastHits > total / 20, `${total} mutations, ${fastHits} on the fast path`);
});

test('decimal strings: the fast path equals Number() bit for bit', () => {
  const mapper = new BinanceTradeMapper();
  const builder = new TradeBatchBuilder(1);
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  for (let i = 0; i < 50_000; i++) {
    const intPart = digits(Math.floor(rnd() * (i % 2 === 0 ? 9 : 19)));
    const frac = digits(Math.floor(rnd() * (i % 3 === 0 ? 10 : 26)));
    let s = frac === '' ? intPart : `${intPart}.${frac}`;
    if (s === '' || /^[0.]*$/.test(s)) s = `1${s}`;
    const r = mapper.map(DOC_TRADE.replace('"0.001"', JSON.stringify(s)).replace('"100"', JSON.stringify(s)), builder, NOW);
    assert.equal(r.kind, 'trade', s);
    const b = r.kind === 'trade' ? r.full : undefined;
    assert.ok(b && Object.is(b.price[0], Number(s)) && Object.is(b.size[0], Number(s)), `${s}: ${b?.price[0]} vs ${Number(s)}`);
  }
  assert.equal(mapper.stats.general, 0, 'all plain decimals stay on the fast path');
});

// ---------------------------------------------------------------------------------------------
// what exactly comes out

function mapOne(text: string, localTs = NOW): MapResult {
  return new BinanceTradeMapper().map(text, new TradeBatchBuilder(1), localTs);
}

test('the documented message becomes one trade: T, p, q, t, side from m', () => {
  for (const text of [DOC_TRADE, USDM_TRADE, wrap(DOC_TRADE, 'bnbbtc@trade'), wrap(USDM_TRADE, 'bnbbtc@trade')]) {
    const mapper = new BinanceTradeMapper();
    const r = mapper.map(text, new TradeBatchBuilder(1), NOW);
    assert.equal(r.kind, 'trade');
    assert.deepEqual(mapper.stats, { fast: 1, general: 0 }, text);
    const b = r.kind === 'trade' ? r.full : undefined;
    assert.ok(b);
    assert.deepEqual(
      [b.instruments[0], b.ts[0], b.price[0], b.size[0], b.id[0], b.side[0], b.localTs[0]],
      ['binance:BNBBTC', 1672515782136, 0.001, 100, 12345, -1, NOW],
    );
  }
  const seller = mapOne(DOC_TRADE.replace('"m":true', '"m":false'));
  assert.equal(seller.kind === 'trade' ? seller.full?.side[0] : undefined, 1, 'buyer not maker: the buyer took liquidity');
});

test('timeUnit=MICROSECOND times become ms with the µs kept; ids JSON cannot hold exactly become -1', () => {
  const us = mapOne(DOC_TRADE.replace('"T":1672515782136', '"T":1672515782136123'));
  assert.equal(us.kind === 'trade' ? us.full?.ts[0] : undefined, 1672515782136.123);
  const big = mapOne(DOC_TRADE.replace('"t":12345', '"t":9007199254740993'));
  assert.equal(big.kind === 'trade' ? big.full?.id[0] : undefined, -1);
  const max = mapOne(DOC_TRADE.replace('"t":12345', '"t":9007199254740991'));
  assert.equal(max.kind === 'trade' ? max.full?.id[0] : undefined, 9007199254740991);
});

test('non-trade messages are ignored', () => {
  for (const text of [
    '{"result":null,"id":1}',
    '{"result":["btcusdt@trade"],"id":3}',
    '{"error":{"code":2,"msg":"Invalid request: unknown variable"},"id":2}',
    DOC_AGG_TRADE,
    wrap(DOC_AGG_TRADE, 'bnbbtc@aggTrade'),
    '{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}',
    '{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}',
    '{}',
  ]) {
    assert.equal(mapOne(text).kind, 'ignored', text);
  }
});

test('bad messages are rejected with the reason codes of record-checks and say what was wrong', () => {
  const cases: [string, RejectReason, RegExp][] = [
    ['', 'MALFORMED', /not valid JSON/],
    ['garbage', 'MALFORMED', /not valid JSON/],
    [DOC_TRADE.slice(0, 40), 'MALFORMED', /not valid JSON/],
    ['[1,2]', 'MALFORMED', /not a JSON object/],
    ['null', 'MALFORMED', /not a JSON object/],
    [wrap('null'), 'MALFORMED', /data is not an object/],
    [wrap(DOC_AGG_TRADE), 'MALFORMED', /stream 'btcusdt@trade' has e "aggTrade"/],
    [wrap('{"E":1}'), 'MALFORMED', /has e missing/],
    [DOC_TRADE.replace('"0.001"', '"-0.001"'), 'BAD_PRICE', /price \(p\) -0.001 is not a positive finite number/],
    [DOC_TRADE.replace('"0.001"', '"0"'), 'BAD_PRICE', /price \(p\) 0 /],
    [DOC_TRADE.replace('"0.001"', '"NaN"'), 'BAD_PRICE', /price \(p\) is NaN/],
    [DOC_TRADE.replace('"0.001"', '"Infinity"'), 'BAD_PRICE', /price \(p\) Infinity/],
    [DOC_TRADE.replace('"0.001"', '"abc"'), 'NOT_NUMERIC', /price \(p\) 'abc' is not a number/],
    [DOC_TRADE.replace('"0.001"', 'null'), 'NOT_NUMERIC', /price \(p\) 'null' is not a number/],
    [DOC_TRADE.replace('"100"', '"-1"'), 'BAD_SIZE', /quantity \(q\) -1 is not a non-negative finite number/],
    [DOC_TRADE.replace('"100"', '""'), 'NOT_NUMERIC', /quantity \(q\) '' is not a number/],
    [DOC_TRADE.replace('"T":1672515782136', '"T":1000'), 'TIMESTAMP_TOO_OLD', /trade time \(T\) 1970-01-01T00:00:01.000Z is before 2009/],
    [DOC_TRADE.replace('"T":1672515782136', '"T":4102444800000'), 'TIMESTAMP_IN_FUTURE', /trade time \(T\) 2100-01-01/],
    [DOC_TRADE.replace('"T":1672515782136', '"T":1e400'), 'BAD_TIMESTAMP', /trade time \(T\) Infinity is not a finite time/],
    // beyond the range of Date, where naming the time as an ISO date would throw
    [DOC_TRADE.replace('"T":1672515782136', '"T":1e20'), 'TIMESTAMP_IN_FUTURE', /trade time \(T\) 100000000000000000 is beyond any date/],
    [
      DOC_TRADE.replace('"T":1672515782136', '"T":-1e20'),
      'TIMESTAMP_TOO_OLD',
      /trade time \(T\) -100000000000000000000 is before any date/,
    ],
    [DOC_TRADE.replace('"T":1672515782136', '"T":"1672515782136"'), 'NOT_NUMERIC', /trade time \(T\) "1672515782136" is not a JSON number/],
    [DOC_TRADE.replace('"t":12345', '"t":"12345"'), 'NOT_NUMERIC', /trade id \(t\) "12345" is not a JSON number/],
    [DOC_TRADE.replace('"m":true', '"m":"yes"'), 'MALFORMED', /is_buyer_maker \(m\) "yes" is neither true nor false/],
    [DOC_TRADE.replace('"s":"BNBBTC",', ''), 'MALFORMED', /trade message has no 's' \(symbol\)/],
    [DOC_TRADE.replace('"p":"0.001",', ''), 'MALFORMED', /trade message has no 'p' \(price\)/],
    [DOC_TRADE.replace('"q":"100",', ''), 'MALFORMED', /trade message has no 'q' \(quantity\)/],
    [DOC_TRADE.replace('"T":1672515782136,', ''), 'MALFORMED', /trade message has no 'T' \(trade time\)/],
    [DOC_TRADE.replace('"t":12345,', ''), 'MALFORMED', /trade message has no 't' \(trade id\)/],
    [DOC_TRADE.replace(',"m":true', ''), 'MALFORMED', /trade message has no 'm' \(is_buyer_maker\)/],
    [DOC_TRADE.replace('"BNBBTC"', '1'), 'MALFORMED', /symbol \(s\) 1 is not a string/],
    [DOC_TRADE.replace('"BNBBTC"', '"BNB BTC"'), 'BAD_INSTRUMENT', /symbol \(s\) 'BNB BTC'/],
    [DOC_TRADE.replace('"BNBBTC"', '""'), 'BAD_INSTRUMENT', /symbol \(s\) ''/],
  ];
  for (const [text, reason, message] of cases) {
    const r = mapOne(text);
    assert.equal(r.kind, 'reject', text);
    if (r.kind !== 'reject') continue;
    assert.equal(r.reason, reason, `${text}: ${r.message}`);
    assert.match(r.message, message, text);
  }
  const zero = mapOne(DOC_TRADE.replace('"100"', '"0"'));
  assert.equal(zero.kind, 'trade', 'a zero quantity is allowed, as in every format');
});

test('full batches come back from map, the rest from flush', () => {
  const mapper = new BinanceTradeMapper();
  const builder = new TradeBatchBuilder(3);
  const full: number[][] = [];
  for (let i = 1; i <= 7; i++) {
    const r = mapper.map(DOC_TRADE.replace('"t":12345', `"t":${i}`), builder, NOW);
    assert.equal(r.kind, 'trade');
    if (r.kind === 'trade' && r.full) full.push([...r.full.id.subarray(0, r.full.length)]);
  }
  assert.deepEqual(full, [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const rest = builder.flush();
  assert.deepEqual(rest && [...rest.id.subarray(0, rest.length)], [7]);
});

test('instrumentOf runs once per symbol, for many symbols, and its refusal is a BAD_INSTRUMENT reject', () => {
  const calls = new Map<string, number>();
  const mapper = new BinanceTradeMapper({
    instrumentOf: (s) => {
      calls.set(s, (calls.get(s) ?? 0) + 1);
      if (s.startsWith('BAD')) throw new TickflowError('BAD_INSTRUMENT', `no market ${s}`);
      return instrumentId('binance-futures', s);
    },
  });
  const builder = new TradeBatchBuilder(1);
  const symbols = Array.from({ length: 2000 }, (_, i) => `S${i}USDT`);
  for (let round = 0; round < 3; round++) {
    for (const s of symbols) {
      const text = round === 1 ? wrap(DOC_TRADE.replace('BNBBTC', s)) : DOC_TRADE.replace('BNBBTC', s);
      const r = mapper.map(round === 2 ? text.replace('"e"', '"e" ') : text, builder, NOW);
      assert.equal(r.kind === 'trade' ? r.full?.instruments[0] : r.kind, `binance-futures:${s}`);
    }
  }
  assert.ok([...calls.values()].every((n) => n === 1));
  assert.equal(calls.size, symbols.length);
  for (let i = 0; i < 2; i++) {
    const r = mapper.map(DOC_TRADE.replace('BNBBTC', 'BADSYM'), builder, NOW);
    assert.deepEqual(r, { kind: 'reject', reason: 'BAD_INSTRUMENT', message: "symbol (s) 'BADSYM': no market BADSYM" });
  }
});
