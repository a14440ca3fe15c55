/**
 * Structured JSON logging (pino), with optional daily-rotated files and secret redaction.
 *
 * @module
 */

import { createRequire } from 'node:module';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

/** A structured logger (pino's). */
export type Logger = PinoLogger;

/** Log levels, most verbose first. */
export const LogLevel = {
  Trace: 'trace',
  Debug: 'debug',
  Info: 'info',
  Warn: 'warn',
  Error: 'error',
  Fatal: 'fatal',
  Silent: 'silent',
} as const;
/** One of {@link LogLevel}'s values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Keys whose values never reach a log line, at any of the first three levels of nesting. */
export const REDACTED_KEYS: readonly string[] = [
  'apiKey',
  'api_key',
  'apiSecret',
  'api_secret',
  'secret',
  'token',
  'passphrase',
  'password',
  'privateKey',
  'private_key',
  'authorization',
  'Authorization',
  'cookie',
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Directory for log files, rotated daily (`<dir>/<fileName>.<yyyy-MM-dd>.<n>.log`). Without it, logs go to stdout (or `destination`). */
  readonly dir?: string;
  /** Minimum level; defaults to `info`. */
  readonly level?: LogLevel;
  /** Bound as `name` on every line, e.g. `pi-trader`. */
  readonly name?: string;
  /** File name stem inside `dir`; defaults to `tickerml`. */
  readonly fileName?: string;
  /** Rotated files to keep besides the current one; defaults to 14. */
  readonly keepFiles?: number;
  /** Extra keys to redact (plain key names, matched at the first three levels). */
  readonly redactKeys?: readonly string[];
  /** Where to write when `dir` is not set (tests, custom sinks); defaults to stdout. */
  readonly destination?: DestinationStream;
}

/** Transports of file loggers, ended by {@link closeLogger}. */
const fileTransports = new WeakMap<Logger, { end(): void; once(event: string, listener: () => void): unknown }>();

function redactPaths(keys: readonly string[]): string[] {
  const paths: string[] = [];
  for (const key of keys) {
    const safe = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `["${key}"]`;
    const join1 = safe.startsWith('[') ? safe : `.${safe}`;
    paths.push(safe, `*${join1}`, `*.*${join1}`);
  }
  return paths;
}

/**
 * Creates a JSON logger. With `dir`, lines go to daily-rotated files written by the pino-roll
 * transport in a worker thread (the process's main thread never blocks on disk); call
 * {@link closeLogger} before exit to flush. Values of secret-looking keys (`apiKey`, `secret`,
 * `token`, `passphrase`, …, see {@link REDACTED_KEYS}) are replaced by `[REDACTED]`.
 *
 * @throws Error from pino when `dir` cannot be created.
 * @example
 * ```ts
 * const log = createLogger({ dir: 'logs', level: 'info', name: 'pi-trader' });
 * log.info({ venue: 'kraken', apiKey: 'k' }, 'connected'); // apiKey is written as "[REDACTED]"
 * await closeLogger(log);
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions = {
    level: options.level ?? LogLevel.Info,
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: { paths: redactPaths([...REDACTED_KEYS, ...(options.redactKeys ?? [])]), censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.dir !== undefined) {
    const transport = pino.transport({
      target: createRequire(import.meta.url).resolve('pino-roll'),
      options: {
        file: join(options.dir, options.fileName ?? 'tickerml'),
        frequency: 'daily',
        dateFormat: 'yyyy-MM-dd',
        extension: '.log',
        mkdir: true,
        limit: { count: options.keepFiles ?? 14 },
      },
    });
    const logger = pino(pinoOptions, transport);
    fileTransports.set(logger, transport);
    return logger;
  }
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/**
 * Flushes a logger and, for file loggers, ends the rotation worker once everything is written.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => { await closeLogger(log); process.exit(0); });
 * ```
 */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
  const transport = fileTransports.get(logger);
  if (transport !== undefined) {
    fileTransports.delete(logger);
    await new Promise<void>((resolve) => {
      transport.once('close', resolve);
      transport.end();
    });
  }
}
