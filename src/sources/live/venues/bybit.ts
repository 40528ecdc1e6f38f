// Bybit v5 public WebSocket, `publicTrade.<symbol>` topic: https://bybit-exchange.github.io/docs/v5/websocket/public/trade
// (connect, subscribe limits and ping: https://bybit-exchange.github.io/docs/v5/ws/connect)
//
// A frame: {"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310822606,"data":[{"i":"2290000001189048101",
//   "T":1786310822605,"p":"65140.5","v":"0.002705","S":"Buy","seq":112488547164,"s":"BTCUSDT","BT":false,"RPI":false}]}
// Linear adds `L` (tick direction) and its `i` is a UUID. Responses: `{"success":false,"ret_msg":…}` is a venue
// error; subscribe acks and pongs (`"success":true` or `"op":"pong"`) and other topics are ignored.
//
// One mapper, two specs: `bybit` (spot) and `bybit-linear` (USDT/USDC perpetuals and futures), each with its
// own endpoint and instrument prefix, since the same symbol (`BTCUSDT`) names a different market on each.
// Side: `S` is the taker's side → Buy 1, Sell -1. Ids: UUIDs on linear; on spot 19-digit strings
// ("2290000001189048101") beyond what a double holds exactly, whose order is not documented → -1 and 'none'
// on both. Time: `T`, epoch ms.
import { instrumentId } from '../../../core/index.js';
import { IGNORED, type FrameResult, type TradeOut, type VenueMapper } from '../mapper.js';
import type { VenueSpec } from '../venue.js';
import {
  FrameTally,
  InstrumentCache,
  NOT_JSON,
  badInstrument,
  chunks,
  decimalOf,
  describe,
  isObject,
  malformed,
  parseJson,
  tradeProblem,
  venueError,
  venueSymbol,
} from './mapping.js';

/** The spot endpoint takes at most 10 args per subscribe request; linear is held to the same. */
const ARGS_PER_FRAME = 10;
/** `BTCUSDT`, `1000PEPEUSDT`, and dated linear futures like `BTC-26DEC25`. */
const SYMBOL_RE = /^[A-Z0-9]+(?:-[A-Z0-9]+)*$/;
const TOPIC = 'publicTrade.';

class BybitMapper implements VenueMapper {
  private readonly tally = new FrameTally();
  private readonly instruments: InstrumentCache;

  constructor(prefix: string) {
    this.instruments = new InstrumentCache((s) => instrumentId(prefix, s));
  }

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON');
    if (!isObject(v)) return malformed(`not a JSON object but ${describe(v)}`);
    if (v['success'] === false) {
      const msg = v['ret_msg'];
      return venueError(typeof msg === 'string' && msg.length > 0 ? msg : JSON.stringify(v));
    }
    const topic = v['topic'];
    if (typeof topic !== 'string' || !topic.startsWith(TOPIC)) return IGNORED;
    const data = v['data'];
    if (!Array.isArray(data)) return malformed(`${topic} frame whose data is ${describe(data)}, not an array`);
    const tally = this.tally;
    tally.reset();
    for (let i = 0; i < data.length; i++) this.trade(data[i], i, localTs, out);
    return tally.result();
  }

  private trade(t: unknown, i: number, localTs: number, out: TradeOut): void {
    const tally = this.tally;
    if (!isObject(t)) return tally.rejectAs('MALFORMED', `data[${i}]`, `is ${describe(t)}, not a trade object`);
    const symbol = t['s'];
    if (typeof symbol !== 'string') return tally.rejectAs('MALFORMED', `data[${i}]`, `symbol (s) is ${describe(symbol)}, not a string`);
    const priceRaw = t['p'];
    const sizeRaw = t['v'];
    const timeRaw = t['T'];
    const price = decimalOf(priceRaw);
    const size = decimalOf(sizeRaw);
    const ts = decimalOf(timeRaw);
    const bad = tradeProblem(price, priceRaw, 'price (p)', size, sizeRaw, 'size (v)', ts, timeRaw, 'time (T)', 'epoch ms', localTs);
    if (bad) return tally.reject(bad, `data[${i}]`);
    const inst = this.instruments.get(symbol);
    if (inst === undefined) return tally.reject(badInstrument('symbol (s)', symbol), `data[${i}]`);
    const side = t['S'];
    out.trade(inst, ts, price, size, -1, side === 'Buy' ? 1 : side === 'Sell' ? -1 : 0);
    tally.traded();
  }
}

interface BybitVariant {
  readonly name: string;
  readonly title: string;
  readonly wsUrl: string;
}

function bybitSpec(variant: BybitVariant): VenueSpec {
  const { name } = variant;
  return {
    ...variant,
    docs: 'https://bybit-exchange.github.io/docs/v5/websocket/public/trade',
    ids: 'none',
    maxSymbolsPerConnection: 100,
    normalizeSymbol: (symbol) => venueSymbol(name, symbol, true, SYMBOL_RE, 'BTCUSDT'),
    instrument: (symbol) => instrumentId(name, symbol),
    connectUrl: (base) => base,
    subscribe: (symbols) =>
      chunks(
        symbols.map((s) => TOPIC + s),
        ARGS_PER_FRAME,
      ).map((args) => JSON.stringify({ op: 'subscribe', args })),
    // Bybit drops a connection that sends no ping for a while and recommends one every 20 s
    ping: { frame: JSON.stringify({ op: 'ping' }), intervalMs: 20_000 },
    createMapper: () => new BybitMapper(name),
  };
}

export const bybit: VenueSpec = bybitSpec({
  name: 'bybit',
  title: 'Bybit spot, v5 public WebSocket (publicTrade topic)',
  wsUrl: 'wss://stream.bybit.com/v5/public/spot',
});

export const bybitLinear: VenueSpec = bybitSpec({
  name: 'bybit-linear',
  title: 'Bybit linear perpetuals and futures, v5 public WebSocket (publicTrade topic)',
  wsUrl: 'wss://stream.bybit.com/v5/public/linear',
});
