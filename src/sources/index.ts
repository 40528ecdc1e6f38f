// sources: where trades come from. Replays of recorded files (real trades, or trades
// synthesized exactly from bars) and a market simulator, each an AsyncIterable of chunks
// of columnar trades with a resume position, so every source looks the same downstream.
export type { SourceChunk, TradeSource } from './source.js';
export { REPLAY_FORMATS, isReplayFormat, type ReplayFormat } from './replay-formats.js';
export { detectFormat, detectFormatFromHead } from './detect-format.js';
export { openReplay, DEFAULT_BATCH_SIZE, type ReplayOptions, type ReplaySource } from './open-replay.js';
export { createSimulator, type SimulatorOptions, type SimulatorSource, type SimulatorStats } from './simulator.js';
export { BinanceTradeMapper, type BinanceTradeMapperOptions, type MapResult, type TradePusher } from './messages/binance-trade.js';
