import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  /** Human-readable lines (default when stderr is a terminal). */
  readonly pretty?: boolean;
}

/**
 * The process logger: JSON lines on stderr (stdout is kept for command output such as
 * `tickflow bars --format csv`), pretty-printed when a person is watching.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
