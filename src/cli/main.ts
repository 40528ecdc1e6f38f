import { Command, Option } from 'commander';
import { isTickflowError, TickflowError } from '../core/index.js';
import { createLogger, type Logger } from '../obs/index.js';
import { REPLAY_FORMATS } from '../sources/index.js';
import { liveVenues } from '../sources/live/registry.js';
import { describeStore, redactDbUrl } from '../store/store-url.js';
import { attributeName, describeDefault, isLive, optionsFor, resolveConfig, type CommandName } from './config.js';
import type { SplitPart } from './commands/split.js';
import { VERSION, WEB_DIR } from './version.js';
import { existsSync } from 'node:fs';

function addConfigOptions(cmd: Command, name: CommandName): Command {
  for (const def of optionsFor(name)) {
    cmd.addOption(new Option(def.flag, `${def.description} (env ${def.env}; default ${describeDefault(def, name) || 'none'})`));
  }
  cmd.addOption(new Option('--config <file>', 'JSON file of settings (keys as in the README table; env TICKFLOW_CONFIG)'));
  return cmd;
}

/** Only the flags given on the command line (commander leaves absent ones undefined). */
function givenFlags(cmd: Command, name: CommandName): Record<string, unknown> {
  const opts = cmd.opts();
  const out: Record<string, unknown> = {};
  for (const def of optionsFor(name)) {
    const a = attributeName(def.flag);
    if (opts[a] !== undefined) out[a] = opts[a];
  }
  if (opts['config'] !== undefined) out['config'] = opts['config'];
  return out;
}

function fail(e: unknown, logger?: Logger): never {
  if (isTickflowError(e)) {
    process.stderr.write(`tickflow: error ${e.code}: ${e.message}\n`);
    process.exit(e.code === 'USAGE' || e.code === 'CONFIG_INVALID' ? 2 : 1);
  }
  logger?.error({ err: e }, 'unexpected failure');
  process.stderr.write(`tickflow: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}

// Commands load their modules when they run (DuckDB, Fastify, Kafka): `--help`, `--version`,
// `formats` and `venues` start in a fraction of the time.
export function buildProgram(): Command {
  const program = new Command('tickflow')
    .description('Real-time market-data pipeline: trades → bars, indicators, alerts → DuckDB/Parquet → REST/WebSocket API')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');

  addConfigOptions(
    program
      .command('run')
      .description(
        'run the whole pipeline in one process (what `npm start` does): simulated market, paced replay or live exchange feeds → store → API + dashboard',
      ),
    'run',
  ).action(async (_o, cmd: Command) => {
    let logger: Logger | undefined;
    try {
      const cfg = resolveConfig('run', givenFlags(cmd, 'run'));
      logger = createLogger({ level: cfg.logLevel });
      const kafka = cfg.log !== 'memory';
      const p = kafka
        ? await (await import('./commands/split.js')).runSplitInOne(cfg, logger)
        : await (await import('./commands/run.js')).run(cfg, logger);
      const what = isLive(cfg.source)
        ? `live feeds ${cfg.source.join(' ')}`
        : cfg.source === 'sim'
          ? `simulated market: ${cfg.instruments} instruments, ~${cfg.rate} trades/s (seed ${cfg.seed})`
          : `replay of ${cfg.replay.length} file(s) at ${cfg.pace === 0 ? 'full speed' : `${cfg.pace}x real time`}`;
      process.stdout.write(
        [
          `tickflow ${VERSION} running`,
          `  source     ${what}`,
          `  pipeline   ${kafka ? `Kafka log ${cfg.log} (ingest → process → serve in one process)` : 'embedded log'} → bars ${cfg.intervals.map((s) => s.name).join(',')} + indicators, windows, alerts`,
          `  store      ${cfg.store === 'duckdb' ? `${cfg.dataDir}/tickflow.duckdb, Parquet lake in ${cfg.dataDir}/lake` : redactDbUrl(cfg.store)}`,
          `  dashboard  ${p.url}/`,
          `  API        ${p.url}/api  (OpenAPI: ${p.url}/docs, live: ${p.url.replace(/^http/, 'ws')}/ws, metrics: ${p.url}/metrics)`,
          '  Ctrl-C stops (state is checkpointed).',
          '',
        ].join('\n'),
      );
      let signals = 0;
      const onSignal = (): void => {
        if (++signals > 1) process.exit(130);
        process.stderr.write('stopping… (again to force)\n');
        void p.stop().then(() => process.exit(0));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      await p.done;
    } catch (e) {
      fail(e, logger);
    }
  });

  addConfigOptions(
    program
      .command('replay')
      .description('process files through the pipeline as fast as possible, print a summary, exit (resumes an interrupted run)')
      .argument('<files...>', 'input files (format detected per file; .gz accepted)')
      .option('--fresh', 'ignore a checkpoint of an interrupted run and start over')
      .option('--json', 'print the summary as JSON'),
    'replay',
  ).action(async (files: string[], _o, cmd: Command) => {
    let logger: Logger | undefined;
    try {
      const cfg = resolveConfig('replay', givenFlags(cmd, 'replay'));
      logger = createLogger({ level: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel });
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      const opts = cmd.opts<{ fresh?: boolean; json?: boolean }>();
      const { formatSummary, replay } = await import('./commands/replay.js');
      const summary = await replay(files, cfg, { fresh: Boolean(opts.fresh), logger, signal: abort.signal });
      process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
    } catch (e) {
      fail(e, logger);
    }
  });

  addConfigOptions(
    program
      .command('ingest')
      .description(
        'split deployment: read the sources (simulated market, replay files or live exchange feeds) into the Kafka trades topic',
      ),
    'ingest',
  ).action(async (_o, cmd: Command) => {
    let logger: Logger | undefined;
    try {
      const cfg = resolveConfig('ingest', givenFlags(cmd, 'ingest'));
      logger = createLogger({ level: cfg.logLevel });
      const probes = await (await import('./commands/probes.js')).startProbes(cfg, 'ingest', logger);
      process.stdout.write(probesLine('ingest', probes.url));
      const part = await (await import('./commands/split.js')).ingest(cfg, logger);
      probes.watch(part);
      const what = isLive(cfg.source)
        ? `live feeds ${cfg.source.join(' ')}`
        : cfg.source === 'sim'
          ? `simulated market: ${cfg.instruments} instruments, ~${cfg.rate} trades/s`
          : `${cfg.replay.length} replay file(s)`;
      process.stdout.write(`tickflow ${VERSION} ingest: ${what} → ${cfg.log} (trades codec ${cfg.tradesCodec})\n`);
      await untilDone(part, logger);
    } catch (e) {
      fail(e, logger);
    }
  });

  addConfigOptions(
    program
      .command('process')
      .description('split deployment: trades topic → bars, indicators, alerts, windows (run several: they share the partitions)'),
    'process',
  ).action(async (_o, cmd: Command) => {
    let logger: Logger | undefined;
    try {
      const cfg = resolveConfig('process', givenFlags(cmd, 'process'));
      logger = createLogger({ level: cfg.logLevel });
      const probes = await (await import('./commands/probes.js')).startProbes(cfg, 'process', logger);
      process.stdout.write(probesLine('process', probes.url));
      const part = await (await import('./commands/split.js')).processPart(cfg, logger);
      probes.watch(part);
      process.stdout.write(
        `tickflow ${VERSION} process: group ${cfg.group} on ${cfg.log}, bars ${cfg.intervals.map((i) => i.name).join(',')} (trades codec ${cfg.tradesCodec}, output codec ${cfg.outputCodec})\n`,
      );
      await untilDone(part, logger);
    } catch (e) {
      fail(e, logger);
    }
  });

  addConfigOptions(
    program
      .command('serve')
      .description(
        'serve the API and dashboard: over an existing data dir (no pipeline), or with --log kafka://… also store what `process` produces',
      ),
    'serve',
  ).action(async (_o, cmd: Command) => {
    let logger: Logger | undefined;
    try {
      const cfg = resolveConfig('serve', givenFlags(cmd, 'serve'));
      logger = createLogger({ level: cfg.logLevel });
      if (cfg.log !== 'memory') {
        const part = await (await import('./commands/split.js')).servePart(cfg, logger);
        process.stdout.write(
          `tickflow ${VERSION} serve: ${cfg.log} (output codec ${cfg.outputCodec}) → ${describeStore(cfg.store, cfg.dataDir)}\n  dashboard  ${part.url}/\n  API        ${part.url}/api  (OpenAPI: ${part.url}/docs)\n`,
        );
        await untilDone(part, logger);
        return;
      }
      const { openStore } = await import('../store/index.js');
      const { createApiServer } = await import('../api/index.js');
      const { seedModelPath } = await import('../models/seed/index.js');
      const store = await openStore({
        store: cfg.store,
        dataDir: cfg.dataDir,
        readOnly: true,
        logger,
        memoryLimit: cfg.dbMemory,
        retention: cfg.retention,
      });
      const app = await createApiServer({
        store,
        logger,
        ...(existsSync(WEB_DIR) ? { staticDir: WEB_DIR } : {}),
        version: VERSION,
        intervals: cfg.intervals.map((s) => s.name),
        seedModelPath: seedModelPath(cfg.dataDir),
        security: (await import('./api-security.js')).apiSecurity(cfg),
      });
      const url = await app.listen({ host: cfg.host, port: cfg.port });
      process.stdout.write(
        `tickflow ${VERSION} serving ${describeStore(cfg.store, cfg.dataDir)}\n  dashboard  ${url}/\n  API        ${url}/api  (OpenAPI: ${url}/docs)\n`,
      );
      const stop = (): void =>
        void app
          .close()
          .then(() => store.close())
          .then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (e) {
      fail(e, logger);
    }
  });

  addConfigOptions(
    program
      .command('bars')
      .description('print bars from the store as CSV or JSON')
      .requiredOption('--instrument <id>', 'instrument id, e.g. binance:LTCUSDT')
      .option('--interval <interval>', 'bar interval', '1m')
      .option('--from <time>', 'first bar start (epoch ms or ISO-8601), inclusive')
      .option('--to <time>', 'last bar start (epoch ms or ISO-8601), exclusive')
      .option('--limit <n>', 'at most this many bars')
      .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
      .addOption(new Option('--time-format <format>', 'start/end as ISO-8601 or epoch ms').choices(['iso', 'ms']).default('iso')),
    'bars',
  ).action(async (_o, cmd: Command) => {
    try {
      const o = cmd.opts<{
        instrument: string;
        interval: string;
        from?: string;
        to?: string;
        limit?: string;
        format: 'csv' | 'json';
        timeFormat: 'iso' | 'ms';
      }>();
      const cfg = resolveConfig('bars', givenFlags(cmd, 'bars'));
      let limit: number | undefined;
      if (o.limit !== undefined) {
        limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new TickflowError('USAGE', `--limit '${o.limit}' must be a positive integer`);
      }
      const { openStore } = await import('../store/index.js');
      const { exportBars } = await import('./commands/bars.js');
      const store = await openStore({ store: cfg.store, dataDir: cfg.dataDir, readOnly: true, memoryLimit: cfg.dbMemory });
      try {
        await exportBars(
          store,
          {
            instrument: o.instrument,
            interval: o.interval,
            format: o.format,
            timeFormat: o.timeFormat,
            ...(o.from ? { from: o.from } : {}),
            ...(o.to ? { to: o.to } : {}),
            ...(limit ? { limit } : {}),
          },
          (s) => process.stdout.write(s),
        );
      } finally {
        await store.close();
      }
    } catch (e) {
      fail(e);
    }
  });

  addConfigOptions(
    program
      .command('train')
      .description(
        "fit the seed API's linear regression (a day's close from the same day's open, high, low, volume: a same-bar estimator, not a forecast) and write the model /predict serves",
      )
      .requiredOption('--dataset <file>', 'daily OHLCV CSV, e.g. the Kaggle ../shared/data/kaggle-daily/coin_Bitcoin.csv')
      .option('--out <file>', 'model file (default <data-dir>/models/seed-linear.json, which run and serve load)')
      .option('--test-fraction <f>', 'share of the newest days held out for the test metrics', '0.2')
      .option('--json', 'print the model document instead of the summary'),
    'train',
  ).action(async (_o, cmd: Command) => {
    try {
      const o = cmd.opts<{ dataset: string; out?: string; testFraction: string; json?: boolean }>();
      const cfg = resolveConfig('train', givenFlags(cmd, 'train'));
      const { seedModelPath } = await import('../models/seed/index.js');
      const { formatTrainSummary, parseTestFraction, train } = await import('./commands/train.js');
      const served = seedModelPath(cfg.dataDir);
      const r = await train({ dataset: o.dataset, out: o.out ?? served, testFraction: parseTestFraction(o.testFraction) });
      process.stdout.write(o.json ? `${JSON.stringify(r.model, null, 2)}\n` : formatTrainSummary(r, served));
    } catch (e) {
      fail(e);
    }
  });

  addConfigOptions(
    program
      .command('backtest')
      .description(
        'walk-forward backtest of the forecasting models over replay files: a report (Markdown, JSON, an SVG chart per instrument) of every model against the random walk',
      )
      .argument('<files...>', 'input files (format detected per file; .gz accepted)')
      .requiredOption('--interval <interval>', 'the bar interval whose next bar the models forecast, e.g. 1m or 1d')
      .option('--out <dir>', 'directory the report is written to', 'data/backtest')
      .option('--steps', 'also write every scored step (realized return, each forecast) as <out>/<instrument>.steps.csv')
      .option('--json', 'print the report as JSON instead of the table'),
    'backtest',
  ).action(async (files: string[], _o, cmd: Command) => {
    let logger: Logger | undefined;
    const abort = new AbortController();
    try {
      const o = cmd.opts<{ interval: string; out: string; steps?: boolean; json?: boolean }>();
      const cfg = resolveConfig('backtest', givenFlags(cmd, 'backtest'));
      logger = createLogger({ level: cfg.logLevel });
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      const { backtest, writeBacktest } = await import('./commands/backtest.js');
      const { renderSummaryTable } = await import('../models/backtest/index.js');
      const run = await backtest(files, cfg, { interval: o.interval, signal: abort.signal, progress: true });
      const written = writeBacktest(run, o.out, { steps: Boolean(o.steps) });
      if (o.json) process.stdout.write(`${JSON.stringify(run.report, null, 2)}\n`);
      else {
        process.stdout.write(`${renderSummaryTable(run.report)}\n`);
        process.stdout.write(
          `${run.trades.toLocaleString('en-US')} trades in ${(run.elapsedMs / 1000).toFixed(1)} s; wrote ${written.join(', ')}\n`,
        );
      }
    } catch (e) {
      if (abort.signal.aborted) {
        process.stderr.write('tickflow: backtest interrupted; no report written\n');
        process.exit(130);
      }
      fail(e, logger);
    }
  });

  program
    .command('formats')
    .description('list the replay input formats')
    .action(() => {
      for (const f of REPLAY_FORMATS) process.stdout.write(`${f.name.padEnd(20)} ${f.description}\n`);
    });

  program
    .command('venues')
    .description('list the live exchange feeds `--source <venue>:<SYMBOL>,…` can use')
    .action(() => {
      for (const v of liveVenues()) {
        const where = 'kind' in v ? `${v.restUrl} (polled)` : `${v.wsUrl}${v.backfill ? ' (gaps backfilled over REST)' : ''}`;
        process.stdout.write(`${v.name.padEnd(26)} ${v.title}\n${''.padEnd(26)} ${where}\n${''.padEnd(26)} ${v.docs}\n`);
      }
      process.stdout.write('\nexample: tickflow run --source binance:BTCUSDT,ETHUSDT coinbase:BTC-USD\n');
    });

  return program;
}

/**
 * Where the /metrics, /health and /ready port listens (`--metrics-port`; empty when off). Printed
 * before the part starts: with port 0 this line is the only way to learn the port, and a process
 * still waiting for its brokers is already probed.
 */
function probesLine(role: string, url: string | undefined): string {
  return url === undefined ? '' : `tickflow ${VERSION} ${role}: metrics ${url}/metrics, liveness ${url}/health, readiness ${url}/ready\n`;
}

/** Waits for a split part to end by itself (a finished ingest) or on SIGINT/SIGTERM (twice forces). */
async function untilDone(part: SplitPart, logger: Logger): Promise<void> {
  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1) process.exit(130);
    process.stderr.write('stopping… (again to force)\n');
    void part.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await part.done;
  logger.info('done');
  process.exit(0);
}

export async function main(argv: readonly string[]): Promise<void> {
  // `tickflow bars … | head`: the reader has gone; that is the end, not a crash
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  await buildProgram().parseAsync([...argv]);
}
