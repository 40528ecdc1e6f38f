/**
 * JSDoc shapes of the API records, mirrored from src/core (bar.ts, indicator-set.ts, alert.ts,
 * window-stats.ts, stats.ts), src/api/schemas.ts and src/api/ws-messages.ts. Types only: this
 * module exports nothing at run time. Import them with `@typedef {import('./types.js').Bar} Bar`.
 */

/**
 * @typedef {object} Bar
 * @property {'bar'} type
 * @property {string} instrument
 * @property {string} interval
 * @property {number} start epoch ms, inclusive
 * @property {number} end epoch ms, exclusive for time bars
 * @property {number} open
 * @property {number} high
 * @property {number} low
 * @property {number} close
 * @property {number} volume
 * @property {number} quoteVolume
 * @property {number} buyVolume
 * @property {number} sellVolume
 * @property {number} trades
 * @property {number} vwap
 * @property {number} firstTradeId
 * @property {number} lastTradeId
 * @property {boolean} final false for interim updates of an open bar
 * @property {number} revision
 */

/**
 * @typedef {object} IndicatorSet
 * @property {string} instrument
 * @property {string} interval
 * @property {number} start
 * @property {number} close
 * @property {number|null} sma
 * @property {number|null} emaFast
 * @property {number|null} emaSlow
 * @property {number|null} rsi
 * @property {number|null} macd
 * @property {number|null} macdSignal
 * @property {number|null} macdHist
 * @property {number|null} bbUpper
 * @property {number|null} bbMiddle
 * @property {number|null} bbLower
 * @property {number|null} atr
 * @property {number|null} logReturn
 * @property {number|null} realizedVol annualized
 */

/**
 * @typedef {object} VolatilityPoint
 * @property {number} start
 * @property {number|null} realizedVol
 * @property {number|null} logReturn
 */

/**
 * @typedef {object} Alert
 * @property {'alert'} type
 * @property {string} instrument
 * @property {string} interval
 * @property {number} start
 * @property {number} time event time the alert refers to (bar end)
 * @property {'return_zscore'|'volume_spike'|'price_gap'} kind
 * @property {'info'|'warning'|'critical'} severity
 * @property {number} value
 * @property {number} threshold
 * @property {string} message
 */

/**
 * @typedef {object} WindowStats
 * @property {'window'} type
 * @property {string} instrument
 * @property {number} size window length, ms
 * @property {number} slide hop, ms
 * @property {number} start
 * @property {number} end
 * @property {number} trades
 * @property {number} volume
 * @property {number} avgPrice
 * @property {number} vwap
 * @property {number} minPrice
 * @property {number} maxPrice
 * @property {number} spread (max - min) / min
 */

/**
 * @typedef {object} PipelineStats
 * @property {'stats'} type
 * @property {number} time
 * @property {number} startedAt
 * @property {string} mode
 * @property {string} log
 * @property {{name: string, records: number, perSecond: number}[]} stages
 * @property {{received: number, accepted: number, rejected: number, late: number, duplicates: number}} trades
 * @property {Record<string, number>} rejectsByReason
 * @property {{instruments: number, minEventTime: number|null, maxEventTime: number|null, maxLagMs: number|null}} watermark
 * @property {{name: string, depth: number, capacity: number}[]} queues
 * @property {{group: string, topic: string, partition: number, endOffset: number, committed: number | null, lag: number}[]} [consumerLag] Kafka only
 * @property {Record<string, number>} barsFinal
 * @property {number} alerts
 * @property {{commits: number, lastCommitAt: number|null, rowsWritten: number}} store
 */

/**
 * What /api/stats serves without a live pipeline (`tickflow serve`).
 * @typedef {object} StoreStats
 * @property {'store-stats'} type
 * @property {number} time
 * @property {number} startedAt
 * @property {'serve'} mode
 * @property {{bars: number, indicators: number, alerts: number, windows: number, late: number, rejects: number, trades: number}} counts
 */

/**
 * @typedef {object} InstrumentInfo
 * @property {string} instrument
 * @property {string} exchange
 * @property {string} symbol
 * @property {string[]} intervals
 * @property {number|null} firstTime
 * @property {number|null} lastTime
 * @property {number} bars
 * @property {number|null} lastClose
 * @property {boolean} live
 */

/**
 * A subscription as the WebSocket client message carries it.
 * @typedef {object} Subscription
 * @property {string[]|'*'} instruments
 * @property {string[]|'*'} [intervals]
 * @property {('bars'|'alerts'|'stats'|'windows')[]} channels
 */

/**
 * Server → client messages at /ws.
 * @typedef {{type: 'hello', version: string, channels: string[], intervals: string[], live: boolean, maxBufferedBytes: number}
 *   | {type: 'subscribed', instruments: string[]|'*', intervals: string[]|'*', channels: string[]}
 *   | {type: 'bar', data: Bar}
 *   | {type: 'alert', data: Alert}
 *   | {type: 'window', data: WindowStats}
 *   | {type: 'stats', data: PipelineStats}
 *   | {type: 'dropped', data: {bars: number}}
 *   | {type: 'pong', time: number}
 *   | {type: 'error', error: {code: string, message: string}}} ServerMessage
 */

export {};
