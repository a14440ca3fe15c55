/**
 * Structured JSON logging (pino), with optional daily-rotated files and secret redaction.
 *
 * @module
 */

import { createRequire } from 'node:module';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { ensureDirectory } from './directory.js';
import { BaseError } from './errors.js';

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
  /**
   * Called once when the file writer fails after start (the directory removed or made a file,
   * the disk full): lines are dropped from then on and the process goes on. Defaults to one line
   * on stderr.
   */
  readonly onError?: (error: Error) => void;
}

/**
 * The log directory cannot be used: it cannot be created, a component of its path is a file, or
 * it is not writable. Thrown by {@link createLogger} at start, never later.
 *
 * @example
 * ```ts
 * createLogger({ dir: '/proc/nolog' }); // throws LogDirectoryError: "cannot write logs to '/proc/nolog': ..."
 * ```
 */
export class LogDirectoryError extends BaseError {
  override name = 'LogDirectoryError' as const;
  /** The directory that was configured. */
  readonly dir: string;
  constructor(dir: string, cause: unknown) {
    super(
      `cannot write logs to '${dir}': ${cause instanceof BaseError ? cause.shortMessage : String(cause)}; set logging.dir (TICKERML__LOGGING__DIR) to a writable directory`,
      { cause },
    );
    this.dir = dir;
  }
}

/** Options of {@link closeLogger}. */
export interface CloseLoggerOptions {
  /**
   * Longest wait for the file writer to drain, in milliseconds; past it the writer is stopped and
   * lines not yet written are lost. Defaults to 5,000.
   */
  readonly timeoutMs?: number;
}

/** The file writer of a file logger (a pino transport, thread-stream). */
interface FileTransport {
  end(): void;
  once(event: string, listener: () => void): unknown;
  on(event: string, listener: (error: Error) => void): unknown;
  readonly closed?: boolean;
  readonly worker?: { terminate(): Promise<number> };
}

/** Transports of file loggers, ended by {@link closeLogger}. */
const fileTransports = new WeakMap<Logger, FileTransport>();

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
 * The directory is created (with its parents) and checked writable before anything else, so a bad
 * `dir` fails here and never later; a writer that fails after start (the directory removed, the
 * disk full) reports once through `onError` and drops lines, and never blocks or fails shutdown.
 *
 * @throws {LogDirectoryError} when `dir` cannot be created or written.
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
    try {
      ensureDirectory(options.dir);
    } catch (error) {
      throw new LogDirectoryError(options.dir, error);
    }
    const transport: FileTransport & DestinationStream = pino.transport({
      target: createRequire(import.meta.url).resolve('pino-roll'),
      options: {
        file: join(options.dir, options.fileName ?? 'tickerml'),
        frequency: 'daily',
        dateFormat: 'yyyy-MM-dd',
        extension: '.log',
        // Created above; the writer must not create it (Node's recursive mkdir loops forever under /proc).
        mkdir: false,
        limit: { count: options.keepFiles ?? 14 },
      },
    });
    const dir = options.dir;
    const onError =
      options.onError ??
      ((error: Error) =>
        process.stderr.write(`tickerml: logging to '${dir}' failed, lines are dropped: ${error.message}\n`));
    let reported = false;
    // Without a listener a writer error would be an uncaught exception; logging never stops the process.
    transport.on('error', (error) => {
      if (reported) return;
      reported = true;
      onError(error);
    });
    const logger = pino(pinoOptions, transport);
    fileTransports.set(logger, transport);
    return logger;
  }
  return options.destination === undefined ? pino(pinoOptions) : pino(pinoOptions, options.destination);
}

/**
 * Flushes a logger and, for file loggers, ends the rotation worker once everything is written.
 * Never throws and never waits longer than `timeoutMs`: a writer that failed (reported through
 * `onError`) or does not drain in time is stopped, so logging cannot block shutdown.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => { await closeLogger(log); process.exit(0); });
 * ```
 */
export async function closeLogger(logger: Logger, options: CloseLoggerOptions = {}): Promise<void> {
  const transport = fileTransports.get(logger);
  fileTransports.delete(logger);
  const drained = (async () => {
    // A failed flush was reported by the writer's error listener; what is left is to close it.
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
    if (transport === undefined || transport.closed === true) return;
    // Lines pino handed over in this turn are copied to the worker on the next one (thread-stream's
    // setImmediate); ending before that copy makes it write past the end marker and throw.
    await new Promise<void>((resolve) => setImmediate(resolve));
    // It may have closed during that turn (TypeScript cannot see the await change it).
    if ((transport.closed as boolean | undefined) === true) return;
    await new Promise<void>((resolve) => {
      transport.once('close', resolve);
      transport.end();
    });
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), options.timeoutMs ?? 5_000);
  });
  try {
    const late = await Promise.race([drained.then(() => false), timedOut]);
    if (late && transport?.worker !== undefined) await transport.worker.terminate().catch(() => undefined);
  } finally {
    clearTimeout(timer);
  }
}
