// Anomaly alerts: pure detectors (return z-score, volume spike, price gap) evaluated at each
// final bar of an (instrument, interval), with per-kind cooldowns and JSON-checkpointable state.
// `AlertEngine` runs them all for one stream and emits core `Alert` records. Defaults: README.md.
export { AlertEngine, type AlertBar, type AlertEngineOptions, type AlertEngineState } from './alert-engine.js';
export { AlertConfigSchema, DEFAULT_ALERT_CONFIG, resolveAlertConfig, type AlertConfig, type AlertConfigInput } from './alert-config.js';
export { ReturnZScore, type ReturnZScoreState } from './return-zscore.js';
export { VolumeSpike, type VolumeBaseline, type VolumeSpikeState } from './volume-spike.js';
export { PriceGap, type PriceGapState } from './price-gap.js';
export { Cooldown, type CooldownState } from './cooldown.js';
export { classify, type Thresholds, type Classified } from './severity.js';
