// core: the record types every part shares, their runtime schemas, the error-code table,
// time and interval arithmetic and instrument ids. No I/O; depends on nothing else in src/.
export * from './errors.js';
export * from './assert.js';
export * from './time.js';
export * from './instrument.js';
export * from './interval.js';
export * from './trade.js';
export * from './trade-batch.js';
export * from './bar.js';
export * from './indicator-set.js';
export * from './alert.js';
export * from './reject.js';
export * from './late-trade.js';
export * from './feed-gap.js';
export * from './model-records.js';
export * from './window-stats.js';
export * from './stats.js';
export * from './small-f64.js';
