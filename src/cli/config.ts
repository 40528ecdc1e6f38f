import { readFileSync } from 'node:fs';
import { parseBarSpec, parseBarSpecs, TickflowError, type BarSpec } from '../core/index.js';
import { parseKafkaUrl } from '../log/index.js';
import { isLiveSourceSpec, liveVenue, liveVenues, parseLiveSources } from '../sources/live/registry.js';
import { BASELINE_MODELS, DEFAULT_MODELS, MODEL_NAMES, resolveModels } from '../models/model-names.js';
import type { HoppingWindowSpec } from '../stream/index.js';
// Direct imports, not the store's index: these parse settings without loading DuckDB (fast --help).
import { parseRetention, type Retention } from '../store/postgres/retention.js';
import { parseStoreSetting, redactDbUrl, type StoreSetting } from '../store/store-url.js';
import { LAKE_COMPRESSIONS, type LakeCompression } from '../store/lake-compression.js';
// Direct imports, not api/index.js: these two load no Fastify, so `--help` stays fast.
import { parseCorsOrigins, type CorsOrigins } from '../api/cors.js';
import { checkExposure, loadApiKey, parseTrustProxy, type ApiKey } from '../api/security.js';

/**
 * One table of settings. Each can come from a flag, an environment variable or a JSON
 * config file (`--config` / TICKFLOW_CONFIG), in that order of precedence, and each is
 * validated by the same parser whichever way it came, with a message naming where the bad
 * value came from.
 */
export interface Config {
  dataDir: string;
  host: string;
  port: number;
  intervals: BarSpec[];
  lateness: number;
  idleTimeout: number;
  latePolicy: 'side-output' | 'revise';
  windows: HoppingWindowSpec[];
  alertIntervals: string[];
  forecastIntervals: string[];
  models: string[];
  championAlpha: number;
  source: SourceSetting;
  venueUrls: Record<string, string>;
  feedStale: number;
  instrumentStale: number;
  replay: string[];
  format: string;
  pace: number;
  instruments: number;
  seed: number;
  rate: number;
  storeTrades: boolean;
  store: StoreSetting;
  retention: Retention;
  checkpointInterval: number;
  lakeInterval: number;
  lakeCompression: LakeCompression;
  log: string;
  partitions: number;
  tradesCodec: 'json' | 'binary';
  outputCodec: 'json' | 'binary';
  group: string;
  logLevel: string;
  dbMemory: string;
  dbCache: string;
  apiKeyFile: string;
  corsOrigins: CorsOrigins;
  rateLimit: number;
  trustProxy: string[];
  maxRange: number;
  /** From apiKeyFile or TICKFLOW_API_KEY (run, serve); prints as [redacted]. */
  apiKey: ApiKey | undefined;
  metricsHost: string;
  /** null: no probe server (`off`). */
  metricsPort: number | null;
}

/** `sim`, `replay`, or live venues as `venue:SYMBOL,SYMBOL` specs (validated). */
export type SourceSetting = 'sim' | 'replay' | LiveSources;
export type LiveSources = readonly string[] & { readonly __live: true };

export function isLive(source: SourceSetting): source is LiveSources {
  return Array.isArray(source);
}

/**
 * `sim`, `replay`, or one or more live sources. Sources are separated by spaces
 * (`binance:BTCUSDT,ETHUSDT coinbase:BTC-USD`), or by commas, where a part with a colon starts
 * the next source (`binance:BTCUSDT,ETHUSDT,coinbase:BTC-USD`, as a config file's array is joined).
 */
function parseSource(raw: string): SourceSetting {
  const t = raw.trim();
  if (t === 'sim' || t === 'replay') return t;
  const specs: string[] = [];
  for (const part of t.split(/[\s,]+/).filter(Boolean)) {
    if (part.includes(':') || specs.length === 0) specs.push(part);
    else specs[specs.length - 1] += `,${part}`;
  }
  if (specs.length === 0 || !specs.every(isLiveSourceSpec)) {
    throw new Error(
      `must be sim, replay, or live sources <venue>:<SYMBOL>[,<SYMBOL>…] (venues: ${liveVenues()
        .map((v) => v.name)
        .join(', ')})`,
    );
  }
  // a bad venue or symbol throws; the caller reports its message with where the value came from
  parseLiveSources(specs);
  return specs as unknown as LiveSources;
}

function parseVenueUrls(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const i = part.indexOf('=');
    const key = part.slice(0, i).trim();
    const url = part.slice(i + 1).trim();
    if (i <= 0 || !/^(wss?|https?):\/\/./.test(url)) {
      throw new Error(`'${part}' must be <venue>=ws(s)://… or <venue>.rest=http(s)://…`);
    }
    const venue = key.replace(/\.rest$/, '');
    liveVenue(venue);
    out[key] = url;
  }
  return out;
}

/**
 * `--source binance --instruments BTCUSDT,ETHUSDT` is `--source binance:BTCUSDT,ETHUSDT`: a bare
 * venue name takes its symbols from `--instruments` (which otherwise counts simulated instruments).
 */
function venueWithInstruments(flags: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const src = flags['source'];
  const venue = Array.isArray(src) && src.length === 1 ? String(src[0]) : typeof src === 'string' ? src : undefined;
  if (venue === undefined || !liveVenues().some((v) => v.name === venue.trim().toLowerCase())) return flags;
  const symbols = flags['instruments'];
  if (typeof symbols !== 'string' || /^\d+$/.test(symbols.trim())) {
    throw new TickflowError(
      'CONFIG_INVALID',
      `--source ${venue} needs symbols: --source ${venue}:<SYMBOL>[,<SYMBOL>…] or --source ${venue} --instruments <SYMBOL>[,<SYMBOL>…]`,
    );
  }
  const { instruments: _symbols, ...rest } = flags;
  return { ...rest, source: [`${venue}:${symbols}`] };
}

export type CommandName = 'run' | 'replay' | 'serve' | 'bars' | 'ingest' | 'process' | 'train' | 'backtest';

interface OptionDef<K extends keyof Config = keyof Config> {
  readonly key: K;
  readonly flag: string;
  readonly env: string;
  readonly description: string;
  /** Default as the user would type it; parsed like any other input. */
  readonly default: string | Partial<Record<CommandName, string>>;
  readonly commands: readonly CommandName[];
  readonly parse: (raw: string) => Config[K];
  /** How a bad value is repeated in the error (default: as given); hides secrets such as a store password. */
  readonly show?: (raw: string) => string;
}

const ALL: CommandName[] = ['run', 'replay', 'serve', 'bars', 'ingest', 'process', 'backtest'];
const PIPELINE: CommandName[] = ['run', 'replay'];
/** Commands that shape bars (the processor's settings). */
const PROCESSING: CommandName[] = ['run', 'replay', 'process'];
/** Commands that read a source. */
const SOURCING: CommandName[] = ['run', 'ingest'];
/** Commands on a log of their own (split deployment). */
const ON_LOG: CommandName[] = ['run', 'ingest', 'process', 'serve'];

function int(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

function num(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`must be a number from ${min} to ${max}`);
    return n;
  };
}

function oneOf<T extends string>(...values: T[]): (raw: string) => T {
  return (raw) => {
    if (!(values as string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
}

function bool(raw: string): boolean {
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error('must be true or false');
}

function durationMs(raw: string): number {
  const spec = parseBarSpec(raw);
  if (spec.kind !== 'time') throw new Error('must be a duration such as 500ms, 2s, 1m');
  return spec.ms;
}

function parseWindows(raw: string): HoppingWindowSpec[] {
  if (raw.trim() === '' || raw === 'none') return [];
  return raw.split(',').map((w) => {
    const [size, slide] = w.split('/');
    if (!size || !slide) throw new Error(`window '${w}' must be SIZE/SLIDE, e.g. 5m/1m`);
    const sizeMs = durationMs(size);
    const slideMs = durationMs(slide);
    if (sizeMs % slideMs !== 0) throw new Error(`window '${w}': size must be a multiple of the slide`);
    return { sizeMs, slideMs };
  });
}

function byteSize(raw: string): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)\s*$/i.exec(raw);
  if (!m) throw new Error('must be a size such as 256MB or 1GB');
  return `${m[1]}${m[2]}`;
}

function byteSizeOrZero(raw: string): string {
  return raw.trim() === '0' ? '0' : byteSize(raw);
}

function logUrl(raw: string): string {
  const u = raw.trim();
  if (u === 'memory') return u;
  if (!u.startsWith('kafka://')) throw new Error('must be memory or kafka://host:port[,host:port…]');
  parseKafkaUrl(u);
  return u;
}

function nonEmpty(raw: string): string {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
}

export const OPTIONS: readonly OptionDef[] = [
  {
    key: 'dataDir',
    flag: '--data-dir <dir>',
    env: 'TICKFLOW_DATA_DIR',
    description: 'where the DuckDB file, the Parquet lake, checkpoints and trained models live',
    default: './data',
    commands: ['run', 'replay', 'serve', 'bars', 'train'],
    parse: nonEmpty,
  },
  {
    key: 'host',
    flag: '--host <host>',
    env: 'TICKFLOW_HOST',
    description: 'API listen address',
    default: '127.0.0.1',
    commands: ['run', 'serve'],
    parse: nonEmpty,
  },
  {
    key: 'port',
    flag: '--port <port>',
    env: 'TICKFLOW_PORT',
    description: 'API port (0 = any free port)',
    default: '8080',
    commands: ['run', 'serve'],
    parse: int(0, 65535),
  },
  // API protection (docs/SECURITY.md). The key itself has no flag: argv is visible to every user.
  {
    key: 'apiKeyFile',
    flag: '--api-key-file <file>',
    env: 'TICKFLOW_API_KEY_FILE',
    description:
      'file holding the API key that POST /model/reload and /api/models/{id}/promote then require (or the key in env TICKFLOW_API_KEY); needed when --host is not loopback',
    default: '',
    commands: ['run', 'serve'],
    parse: (raw) => raw.trim(),
  },
  {
    key: 'corsOrigins',
    flag: '--cors-origins <list>',
    env: 'TICKFLOW_CORS_ORIGINS',
    description: 'web pages allowed to call the API from another origin: * (any may read), none, or origins like https://dash.example.com',
    default: '*',
    commands: ['run', 'serve'],
    parse: parseCorsOrigins,
  },
  {
    key: 'rateLimit',
    flag: '--rate-limit <n>',
    env: 'TICKFLOW_RATE_LIMIT',
    description: 'API requests per minute per client address (loopback clients, /health, /ready, /metrics exempt; 0 = off)',
    default: '600',
    commands: ['run', 'serve'],
    parse: int(0, 10_000_000),
  },
  {
    key: 'trustProxy',
    flag: '--trust-proxy <list>',
    env: 'TICKFLOW_TRUST_PROXY',
    description: 'reverse proxies whose X-Forwarded-For names the client: addresses, CIDRs or loopback',
    default: '',
    commands: ['run', 'serve'],
    parse: parseTrustProxy,
  },
  {
    key: 'maxRange',
    flag: '--max-range <duration>',
    env: 'TICKFLOW_MAX_RANGE',
    description: 'longest from..to one API request may ask for (0 = no limit)',
    default: '366d',
    commands: ['run', 'serve'],
    parse: (raw) => (raw.trim() === '0' ? 0 : durationMs(raw)),
  },
  {
    key: 'intervals',
    flag: '--intervals <list>',
    env: 'TICKFLOW_INTERVALS',
    description: 'bar intervals: time (250ms, 1s, 1m, 5m, 15m, 1h, 1d) and tick:N, vol:X, dollar:X',
    default: '1s,1m,5m,15m,1h,1d',
    commands: [...PROCESSING, 'serve'],
    parse: (raw) => {
      const specs = parseBarSpecs(raw);
      if (specs.length === 0) throw new Error('needs at least one interval');
      return specs;
    },
  },
  {
    key: 'lateness',
    flag: '--lateness <duration>',
    env: 'TICKFLOW_LATENESS',
    description: 'allowed lateness: watermark = max event time - this',
    default: '2s',
    commands: PROCESSING,
    parse: (r) => (r === '0' ? 0 : durationMs(r)),
  },
  {
    key: 'idleTimeout',
    flag: '--idle-timeout <duration>',
    env: 'TICKFLOW_IDLE_TIMEOUT',
    description: "live mode: a quiet instrument's bar closes at end + lateness + this (wall clock)",
    default: '2s',
    commands: ['run', 'process'],
    parse: durationMs,
  },
  {
    key: 'latePolicy',
    flag: '--late-policy <policy>',
    env: 'TICKFLOW_LATE_POLICY',
    description: 'side-output: late trades only go to the late table; revise: also re-emit the bar with revision+1',
    default: 'side-output',
    commands: PROCESSING,
    parse: oneOf('side-output', 'revise'),
  },
  {
    key: 'windows',
    flag: '--windows <list>',
    env: 'TICKFLOW_WINDOWS',
    description: 'hopping windows SIZE/SLIDE (comma-separated, or none)',
    default: '5m/1m',
    commands: PROCESSING,
    parse: parseWindows,
  },
  {
    key: 'alertIntervals',
    flag: '--alert-intervals <list>',
    env: 'TICKFLOW_ALERT_INTERVALS',
    description: 'intervals whose bars are checked for anomalies',
    default: '1m,5m,15m,1h,1d',
    commands: PROCESSING,
    parse: (raw) => parseBarSpecs(raw).map((s) => s.name),
  },
  {
    key: 'forecastIntervals',
    flag: '--forecast-intervals <list>',
    env: 'TICKFLOW_FORECAST_INTERVALS',
    description: 'intervals whose next bar the models forecast at each bar close (or none)',
    default: '1m,5m,15m,1h,1d',
    commands: PROCESSING,
    parse: (raw) => (raw.trim() === 'none' ? [] : parseBarSpecs(raw).map((s) => s.name)),
  },
  {
    key: 'models',
    flag: '--models <list>',
    env: 'TICKFLOW_MODELS',
    description: `forecasting models besides the baselines (${BASELINE_MODELS.join(', ')}, always on): ${MODEL_NAMES.filter(
      (m) => !(BASELINE_MODELS as readonly string[]).includes(m),
    ).join(', ')}, or none`,
    default: DEFAULT_MODELS.filter((m) => !(BASELINE_MODELS as readonly string[]).includes(m)).join(','),
    commands: [...PROCESSING, 'backtest'],
    parse: (raw) => {
      const names =
        raw.trim() === 'none'
          ? []
          : raw
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean);
      return resolveModels(names);
    },
  },
  {
    key: 'championAlpha',
    flag: '--champion-alpha <p>',
    env: 'TICKFLOW_CHAMPION_ALPHA',
    description: 'level of the Diebold-Mariano test a challenger model must pass to replace the champion',
    default: '0.05',
    commands: [...PROCESSING, 'backtest'],
    parse: (raw) => {
      const v = Number(raw);
      if (!(v > 0 && v < 1)) throw new Error('must be a number in (0, 1)');
      return v;
    },
  },
  {
    key: 'source',
    flag: '--source <kind...>',
    env: 'TICKFLOW_SOURCE',
    description:
      'sim (simulated live market), replay (paced replay of --replay files), or live venues: <venue>:<SYMBOL>[,<SYMBOL>…] … (e.g. binance:BTCUSDT,ETHUSDT coinbase:BTC-USD; `tickflow venues` lists them)',
    default: 'sim',
    commands: SOURCING,
    parse: parseSource,
  },
  {
    key: 'feedStale',
    flag: '--feed-stale <duration>',
    env: 'TICKFLOW_FEED_STALE',
    description: 'live feeds: a connection that receives nothing (not even a pong) for this long is replaced',
    default: '30s',
    commands: SOURCING,
    parse: durationMs,
  },
  {
    key: 'instrumentStale',
    flag: '--instrument-stale <duration>',
    env: 'TICKFLOW_INSTRUMENT_STALE',
    description: 'live feeds: an instrument with no trade for this long makes its connection reconnect (0 = off: quiet markets are quiet)',
    default: '0',
    commands: SOURCING,
    parse: (raw) => (raw.trim() === '0' ? 0 : durationMs(raw)),
  },
  {
    key: 'venueUrls',
    flag: '--venue-url <list>',
    env: 'TICKFLOW_VENUE_URLS',
    description: 'endpoint overrides for live venues: <venue>=ws://…,<venue>.rest=http://… (comma-separated)',
    default: '',
    commands: SOURCING,
    parse: parseVenueUrls,
  },
  {
    key: 'replay',
    flag: '--replay <files>',
    env: 'TICKFLOW_REPLAY',
    description: 'run: comma-separated files to replay (implies --source replay)',
    default: '',
    commands: SOURCING,
    parse: (raw) =>
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
  },
  {
    key: 'format',
    flag: '--format <format>',
    env: 'TICKFLOW_FORMAT',
    description: 'input format (default: detected per file; see `tickflow formats`)',
    default: 'auto',
    commands: [...PIPELINE, 'ingest', 'backtest'],
    parse: nonEmpty,
  },
  {
    key: 'pace',
    flag: '--pace <factor>',
    env: 'TICKFLOW_PACE',
    description: 'replay speed: 0 = as fast as possible, N = real time x N',
    default: { run: '60', replay: '0' },
    commands: [...PIPELINE, 'ingest'],
    parse: num(0, 1e9),
  },
  {
    key: 'instruments',
    flag: '--instruments <n>',
    env: 'TICKFLOW_INSTRUMENTS',
    description: 'simulator: number of instruments',
    default: '20',
    commands: SOURCING,
    parse: int(1, 1000),
  },
  {
    key: 'seed',
    flag: '--seed <n>',
    env: 'TICKFLOW_SEED',
    description: 'simulator: random seed (same seed, same market)',
    default: '42',
    commands: SOURCING,
    parse: int(0, 2 ** 31 - 1),
  },
  {
    key: 'rate',
    flag: '--rate <trades/s>',
    env: 'TICKFLOW_RATE',
    description: 'simulator: average trades per second, all instruments together',
    default: '2000',
    commands: SOURCING,
    parse: num(1, 1e7),
  },
  {
    key: 'storeTrades',
    flag: '--store-trades <bool>',
    env: 'TICKFLOW_STORE_TRADES',
    description: 'also store every raw trade (trades table and lake)',
    default: { run: 'true', replay: 'false' },
    commands: PIPELINE,
    parse: bool,
  },
  {
    key: 'store',
    flag: '--store <url>',
    env: 'TICKFLOW_STORE',
    description:
      'where outputs are stored: duckdb (embedded, <data-dir>/tickflow.duckdb) or postgres://user:password@host:5432/db[?schema=name] ' +
      '(pass the password through TICKFLOW_STORE or PGPASSWORD, not the command line)',
    default: 'duckdb',
    commands: ['run', 'replay', 'serve', 'bars'],
    parse: parseStoreSetting,
    show: redactDbUrl,
  },
  {
    key: 'retention',
    flag: '--retention <list>',
    env: 'TICKFLOW_RETENTION',
    description: 'PostgreSQL store: delete rows older than an age per table, e.g. trades=7d,late_trades=30d (or none)',
    default: 'none',
    commands: ['run', 'replay', 'serve'],
    parse: parseRetention,
  },
  {
    key: 'checkpointInterval',
    flag: '--checkpoint-interval <duration>',
    env: 'TICKFLOW_CHECKPOINT_INTERVAL',
    description: 'how often outputs + state are committed together',
    default: '1s',
    commands: [...PROCESSING, 'serve'],
    parse: durationMs,
  },
  {
    key: 'lakeInterval',
    flag: '--lake-interval <duration>',
    env: 'TICKFLOW_LAKE_INTERVAL',
    description:
      'run, serve: how often the Parquet lake is exported (new files for what was committed since; replay exports every 10 s and at the end)',
    default: '1m',
    commands: ['run', 'serve'],
    parse: durationMs,
  },
  {
    key: 'lakeCompression',
    flag: '--lake-compression <codec>',
    env: 'TICKFLOW_LAKE_COMPRESSION',
    description: `the Parquet lake's codec: ${LAKE_COMPRESSIONS.join(', ')} (zstd: ~25 % smaller files for ~25 % more CPU in a replay)`,
    default: 'snappy',
    commands: ['run', 'replay', 'serve'],
    parse: oneOf(...LAKE_COMPRESSIONS),
  },
  {
    key: 'log',
    flag: '--log <url>',
    env: 'TICKFLOW_LOG',
    description:
      'the log: memory (embedded, one process) or kafka://host:port[,host:port][?prefix=&partitions=&replication=] (ingest, process and serve need kafka)',
    default: 'memory',
    commands: [...PIPELINE, ...ON_LOG],
    parse: logUrl,
  },
  {
    key: 'partitions',
    flag: '--partitions <n>',
    env: 'TICKFLOW_PARTITIONS',
    description: 'kafka: partitions of the topics tickflow creates (existing topics are checked, not changed)',
    default: '12',
    commands: ON_LOG,
    parse: int(1, 10_000),
  },
  {
    key: 'tradesCodec',
    flag: '--trades-codec <codec>',
    env: 'TICKFLOW_TRADES_CODEC',
    description: 'kafka: how trades are encoded on the trades topic: json (readable by any Kafka tool) or binary (compact, faster)',
    default: 'json',
    commands: ['run', 'ingest', 'process'],
    parse: oneOf('json', 'binary'),
  },
  {
    key: 'outputCodec',
    flag: '--output-codec <codec>',
    env: 'TICKFLOW_OUTPUT_CODEC',
    description:
      'kafka: how bars, indicators, alerts and the other output topics are encoded: json (readable by any Kafka tool) or binary (columns, several times faster); process and serve must agree',
    default: 'json',
    commands: ON_LOG,
    parse: oneOf('json', 'binary'),
  },
  {
    key: 'group',
    flag: '--group <name>',
    env: 'TICKFLOW_GROUP',
    description: 'kafka: consumer group of the process instances that share the trades partitions',
    default: 'process',
    commands: ['run', 'process'],
    parse: nonEmpty,
  },
  {
    key: 'dbMemory',
    flag: '--db-memory <size>',
    env: 'TICKFLOW_DB_MEMORY',
    description: "DuckDB's memory limit, e.g. 256MB or 1GB; it spills to disk beyond it",
    default: { run: '256MB', replay: '512MB', serve: '256MB', bars: '256MB' },
    commands: ['run', 'replay', 'serve', 'bars'],
    parse: byteSize,
  },
  {
    key: 'dbCache',
    flag: '--db-cache <size>',
    env: 'TICKFLOW_DB_CACHE',
    description:
      'run, serve: table data DuckDB keeps cached, trimmed after each lake export and every 15 s, e.g. 16MB; it evicts the rest (0: keeps it all, up to --db-memory)',
    default: { run: '16MB', serve: '16MB', replay: '0', bars: '0' },
    commands: ['run', 'serve'],
    parse: byteSizeOrZero,
  },
  {
    key: 'metricsHost',
    flag: '--metrics-host <host>',
    env: 'TICKFLOW_METRICS_HOST',
    description: 'ingest, process: listen address of the /metrics, /health and /ready port',
    default: '127.0.0.1',
    commands: ['ingest', 'process'],
    parse: nonEmpty,
  },
  {
    key: 'metricsPort',
    flag: '--metrics-port <port>',
    env: 'TICKFLOW_METRICS_PORT',
    description:
      'ingest, process: port of /metrics, /health and /ready (0 = any free port, printed at start, so several on one host do not collide; off = none)',
    default: '0',
    commands: ['ingest', 'process'],
    parse: (raw) => {
      if (raw.trim() === 'off') return null;
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new Error('must be off or a port from 0 to 65535');
      return n;
    },
  },
  {
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'TICKFLOW_LOG_LEVEL',
    description: 'trace, debug, info, warn, error, silent',
    default: 'info',
    commands: ALL,
    parse: oneOf('trace', 'debug', 'info', 'warn', 'error', 'silent'),
  },
];

function defaultFor(def: OptionDef, command: CommandName): string {
  // A setting that does not apply to this command still needs a valid value in Config.
  return typeof def.default === 'string' ? def.default : (def.default[command] ?? Object.values(def.default)[0] ?? '');
}

function optionName(flag: string): string {
  return flag.split(' ')[0] ?? flag;
}

/** Commander attribute name of a flag (`--data-dir` → `dataDir`). */
export function attributeName(flag: string): string {
  return optionName(flag)
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function optionsFor(command: CommandName): readonly OptionDef[] {
  return OPTIONS.filter((o) => o.commands.includes(command));
}

export function describeDefault(def: OptionDef, command: CommandName): string {
  return defaultFor(def, command);
}

/**
 * Resolves the configuration of a command: flags > environment > config file > defaults.
 * `flags` holds only the flags the user actually gave (raw strings).
 */
export function resolveConfig(
  command: CommandName,
  givenFlags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
  configPath: string | undefined = (givenFlags['config'] as string | undefined) ?? env['TICKFLOW_CONFIG'],
): Config {
  const flags = venueWithInstruments(givenFlags);
  let file: Record<string, unknown> = {};
  if (configPath) {
    let text: string;
    try {
      text = readFileSync(configPath, 'utf8');
    } catch (e) {
      throw new TickflowError('CONFIG_INVALID', `config file ${configPath}: cannot be read (${(e as Error).message})`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('must be a JSON object');
      file = parsed as Record<string, unknown>;
    } catch (e) {
      throw new TickflowError('CONFIG_INVALID', `config file ${configPath}: ${(e as Error).message}`);
    }
    const known = new Set(OPTIONS.map((o) => o.key as string));
    const unknown = Object.keys(file).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new TickflowError(
        'CONFIG_INVALID',
        `config file ${configPath}: unknown setting(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`,
      );
    }
  }
  const out: Partial<Record<keyof Config, unknown>> = {};
  /** Where each setting came from, for the checks across settings below. */
  const sources = new Map<keyof Config, string>();
  for (const def of OPTIONS) {
    const attr = attributeName(def.flag);
    let raw: string;
    let from: string;
    const flagValue = def.commands.includes(command) ? flags[attr] : undefined;
    if (flagValue !== undefined) {
      raw = Array.isArray(flagValue) ? flagValue.join(' ') : String(flagValue);
      from = optionName(def.flag);
    } else if (env[def.env] !== undefined && def.commands.includes(command)) {
      raw = env[def.env] ?? '';
      from = `environment variable ${def.env}`;
    } else if (file[def.key] !== undefined) {
      const v = file[def.key];
      raw = Array.isArray(v) ? v.join(',') : String(v);
      from = `config file ${configPath ?? ''} setting "${def.key}"`;
    } else {
      raw = defaultFor(def, command);
      from = `default of ${optionName(def.flag)}`;
    }
    sources.set(def.key, from);
    try {
      out[def.key] = def.parse(raw);
    } catch (e) {
      throw new TickflowError('CONFIG_INVALID', `${from}: '${def.show ? def.show(raw) : raw}' ${(e as Error).message}`);
    }
  }
  const cfg = out as Config;
  // The log URL may say `?partitions=N` (docs/KAFKA.md); without --partitions it is the count, not the default.
  const urlPartitions = cfg.log.startsWith('kafka://') ? parseKafkaUrl(cfg.log).query.partitions : undefined;
  if (urlPartitions !== undefined && urlPartitions !== cfg.partitions) {
    const from = sources.get('partitions') ?? '';
    if (from.startsWith('default of')) cfg.partitions = urlPartitions;
    else {
      throw new TickflowError(
        'CONFIG_INVALID',
        `${from} says ${cfg.partitions} partitions and the log URL says partitions=${urlPartitions}; give the count once`,
      );
    }
  }
  if (cfg.replay.length > 0) {
    if (isLive(cfg.source)) throw new TickflowError('CONFIG_INVALID', '--replay and live --source sources cannot be combined; pick one');
    cfg.source = 'replay';
  }
  if (command === 'run' || command === 'serve') {
    // Refused here, before a store or a log is opened: a server others can reach needs a key.
    cfg.apiKey = loadApiKey(cfg.apiKeyFile, env['TICKFLOW_API_KEY']);
    checkExposure(cfg.host, cfg.apiKey);
  }
  return cfg;
}
