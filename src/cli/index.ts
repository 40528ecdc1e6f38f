// cli: the `tickflow` command and the wiring of stages into pipelines (run, replay, serve,
// bars). Flags, env vars and the config file share one validated config (config.ts).
export { main, buildProgram } from './main.js';
export { resolveConfig, OPTIONS, type Config } from './config.js';
export { replay, formatSummary, type ReplaySummary } from './commands/replay.js';
export { run, type RunningPipeline } from './commands/run.js';
