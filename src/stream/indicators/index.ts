// Streaming technical indicators (TA-Lib-exact SMA, EMA, RSI, MACD, Bollinger, ATR) plus log
// returns and realized volatility: pure, O(1) per bar, no I/O, every state JSON-checkpointable.
// `IndicatorEngine` runs them all for one (instrument, interval) stream.
export { RingBuffer, RingBufferStateSchema, type RingBufferState } from './ring-buffer.js';
export { Sma, type SmaState } from './sma.js';
export { Ema, type EmaOptions, type EmaState } from './ema.js';
export { Rsi, type RsiState } from './rsi.js';
export { Macd, type MacdValue, type MacdState } from './macd.js';
export { Bollinger, type BollingerBands, type BollingerState } from './bollinger.js';
export { Atr, type AtrState } from './atr.js';
export { trueRange } from './true-range.js';
export { LogReturn, type LogReturnState } from './log-return.js';
export { RealizedVol, barsPerYear, type RealizedVolState } from './realized-vol.js';
export { IndicatorConfigSchema, DEFAULT_INDICATOR_CONFIG, resolveIndicatorConfig, type IndicatorConfig } from './indicator-config.js';
export { IndicatorEngine, type IndicatorBar, type IndicatorEngineOptions, type IndicatorEngineState } from './indicator-engine.js';
export { checkState, checkConfig } from './state-check.js';
export { TA_EPSILON } from './talib-epsilon.js';
