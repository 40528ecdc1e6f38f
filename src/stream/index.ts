// stream: the pure operators of the pipeline — event-time bars at many intervals, watermarks,
// late data, dedupe, hopping windows, indicators and anomaly detectors. No I/O inside.
export * from './bar-acc.js';
export * from './dedupe.js';
export * from './time-series.js';
export * from './info-series.js';
export * from './hopping-window.js';
export * from './outputs.js';
export * from './processor.js';
export * from './indicators/index.js';
export * from './alerts/index.js';
