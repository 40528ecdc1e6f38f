// OKX v5 public WebSocket, `trades` channel: https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel
// (connect, ping and limits: https://www.okx.com/docs-v5/en/#overview-websocket)
//
// A frame: {"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"130639474",
//   "px":"42219.9","sz":"0.12060306","side":"buy","ts":"1630048897897"}]} (newer frames add `count`, `source`, `seqId`).
// `{"event":"error","code":…,"msg":…}` is a venue error; `subscribe` acks and other events and channels are ignored,
// and so is the bare text `pong` that answers our `ping`.
//
// Side: `side` is the taker's side → buy 1, sell -1. Ids: `tradeId` is a digit string increasing per instrument.
// The docs do not promise consecutive ids, and later versions of the channel may aggregate the fills of one taker
// order into one message (the `count` field; `trades-all` on the business endpoint has every fill), so → 'increasing'.
// (In the 2022 capture the ids of each instrument happen to be consecutive.) Time: `ts`, epoch ms as a string.
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
  tradeIdOf,
  tradeProblem,
  venueError,
  venueSymbol,
  type Json,
} from './mapping.js';

const NAME = 'okx';
/** Channels per subscribe frame: OKX caps a request at 64 KB, which 50 short args stay far below. */
const ARGS_PER_FRAME = 50;
/** `BTC-USDT`, `BTC-USD-220527`, `UNI-USD-SWAP`, `BTC-USD-240628-60000-C`. */
const INST_RE = /^[A-Z0-9]+(?:-[A-Z0-9.]+)+$/;

class OkxMapper implements VenueMapper {
  private readonly tally = new FrameTally();
  private readonly instruments = new InstrumentCache((s) => instrumentId(NAME, s));

  map(text: string, localTs: number, out: TradeOut): FrameResult {
    // the answer to our text ping is text too
    if (text === 'pong') return IGNORED;
    const v = parseJson(text);
    if (v === NOT_JSON) return malformed('not valid JSON (nor the text pong)');
    if (!isObject(v)) return malformed(`not a JSON object but ${describe(v)}`);
    const ev = v['event'];
    if (ev !== undefined) return ev === 'error' ? venueError(errorText(v)) : IGNORED;
    const arg = v['arg'];
    if (!isObject(arg) || arg['channel'] !== 'trades') return IGNORED;
    const data = v['data'];
    if (!Array.isArray(data)) return malformed(`trades frame whose data is ${describe(data)}, not an array`);
    const tally = this.tally;
    tally.reset();
    const argInst = arg['instId'];
    for (let i = 0; i < data.length; i++) this.trade(data[i], argInst, i, localTs, out);
    return tally.result();
  }

  private trade(t: unknown, argInst: unknown, i: number, localTs: number, out: TradeOut): void {
    const tally = this.tally;
    if (!isObject(t)) return tally.rejectAs('MALFORMED', `data[${i}]`, `is ${describe(t)}, not a trade object`);
    const instId = t['instId'] ?? argInst;
    if (typeof instId !== 'string') return tally.rejectAs('MALFORMED', `data[${i}]`, `instId is ${describe(instId)}, not a string`);
    const idRaw = t['tradeId'];
    if (idRaw === undefined) return tally.rejectAs('MALFORMED', `data[${i}]`, 'tradeId is missing');
    const priceRaw = t['px'];
    const sizeRaw = t['sz'];
    const timeRaw = t['ts'];
    const price = decimalOf(priceRaw);
    const size = decimalOf(sizeRaw);
    const ts = decimalOf(timeRaw);
    const bad = tradeProblem(price, priceRaw, 'price (px)', size, sizeRaw, 'size (sz)', ts, timeRaw, 'time (ts)', 'epoch ms', localTs);
    if (bad) return tally.reject(bad, `data[${i}]`);
    const inst = this.instruments.get(instId);
    if (inst === undefined) return tally.reject(badInstrument('instId', instId), `data[${i}]`);
    const side = t['side'];
    out.trade(inst, ts, price, size, tradeIdOf(idRaw), side === 'buy' ? 1 : side === 'sell' ? -1 : 0);
    tally.traded();
  }
}

function errorText(v: Json): string {
  const msg = v['msg'];
  const code = v['code'];
  if (typeof msg !== 'string' || msg.length === 0) return JSON.stringify(v);
  return typeof code === 'string' && code.length > 0 ? `${msg} (code ${code})` : msg;
}

export const okx: VenueSpec = {
  name: NAME,
  title: 'OKX v5 public WebSocket (trades channel)',
  docs: 'https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel',
  wsUrl: 'wss://ws.okx.com:8443/ws/v5/public',
  ids: 'increasing',
  maxSymbolsPerConnection: 100,
  normalizeSymbol: (symbol) => venueSymbol(NAME, symbol, true, INST_RE, 'BTC-USDT'),
  instrument: (symbol) => instrumentId(NAME, symbol),
  connectUrl: (base) => base,
  subscribe: (symbols) =>
    chunks(
      symbols.map((instId) => ({ channel: 'trades', instId })),
      ARGS_PER_FRAME,
    ).map((args) => JSON.stringify({ op: 'subscribe', args })),
  // OKX closes a connection that has received nothing for 30 s; its keep-alive is the text frame `ping`
  ping: { frame: 'ping', intervalMs: 25_000 },
  createMapper: () => new OkxMapper(),
};
