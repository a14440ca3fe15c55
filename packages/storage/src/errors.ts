/**
 * Errors thrown by `@tickerml/storage`, one class per condition, each with a literal `name`.
 *
 * @module
 */

/** What a caller can do about an error. */
export type ErrorKind = 'retryable' | 'non_retryable' | 'fatal';

/**
 * The root of every storage error.
 *
 * TODO(core): replace with core's `BaseError` once `@tickerml/core` exports it; the shape
 * (`shortMessage`, `details`, `cause`, `walk`, `kind`) is the same so callers do not change.
 */
export class StorageError extends Error {
  override name = 'StorageError';
  /** One line saying what failed, without the details. */
  readonly shortMessage: string;
  /** Extra detail (the underlying driver message), if any. */
  readonly details: string | undefined;
  /** Whether retrying can help. */
  readonly kind: ErrorKind;

  constructor(shortMessage: string, options: { cause?: unknown; details?: string; kind?: ErrorKind } = {}) {
    const details = options.details ?? (options.cause instanceof Error ? options.cause.message : undefined);
    super(details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${details}`, { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.kind = options.kind ?? 'non_retryable';
  }

  /** Walks the `cause` chain; returns the first error for which `predicate` holds, else the deepest one. */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    for (;;) {
      if (predicate?.(current)) return current;
      const next = current instanceof Error ? current.cause : undefined;
      if (next === undefined) return predicate === undefined ? current : undefined;
      current = next;
    }
  }
}

/** A SQLite file exists but is not a usable database (corrupt, truncated, not SQLite at all). */
export class CorruptDatabaseError extends StorageError {
  override name = 'CorruptDatabaseError' as const;
  constructor(readonly path: string, cause: unknown) {
    super(`SQLite database '${path}' is corrupt or not a SQLite database`, { cause, kind: 'fatal' });
  }
}

/** A SQLite file could not be opened (missing directory, no permission). */
export class DatabaseOpenError extends StorageError {
  override name = 'DatabaseOpenError' as const;
  constructor(readonly path: string, cause: unknown) {
    super(`cannot open SQLite database '${path}'`, { cause });
  }
}

/** A connection string or storage URL is malformed or of an unsupported scheme. */
export class InvalidConnectionStringError extends StorageError {
  override name = 'InvalidConnectionStringError' as const;
  constructor(readonly connectionString: string, reason: string) {
    super(`invalid connection string '${redactUrl(connectionString)}': ${reason}`);
  }
}

/** PostgreSQL could not be reached or refused the connection (wrong host/port, server down, unknown database). */
export class DatabaseUnreachableError extends StorageError {
  override name = 'DatabaseUnreachableError' as const;
  constructor(readonly connectionString: string, cause: unknown) {
    super(`cannot connect to PostgreSQL at '${redactUrl(connectionString)}'`, { cause, kind: 'retryable' });
  }
}

/** A table name that the schema does not know. */
export class UnknownTableError extends StorageError {
  override name = 'UnknownTableError' as const;
  constructor(readonly table: string) {
    super(`unknown table '${table}'`);
  }
}

/** No tick/lot size is known for an instrument, so its prices cannot be written as exact decimals. */
export class UnknownInstrumentError extends StorageError {
  override name = 'UnknownInstrumentError' as const;
  constructor(readonly venue: string, readonly symbol: string) {
    super(`no instrument (tick size, lot size) known for ${venue} ${symbol}`);
  }
}

/** A value does not fit its column (not a safe integer, not a decimal string, wrong type). */
export class InvalidRowError extends StorageError {
  override name = 'InvalidRowError' as const;
  constructor(readonly table: string, readonly column: string, value: unknown, expected: string) {
    super(`${table}.${column}: expected ${expected}, was ${describe(value)}`);
  }
}

/** The database holds a schema version newer than this code knows. */
export class SchemaVersionError extends StorageError {
  override name = 'SchemaVersionError' as const;
  constructor(readonly found: number, readonly known: number) {
    super(`database schema version ${found} is newer than the ${known} this version of @tickerml/storage knows`, { kind: 'fatal' });
  }
}

/** The writer was closed (or is closing) and accepts nothing more. */
export class WriterClosedError extends StorageError {
  override name = 'WriterClosedError' as const;
  constructor() {
    super('the event writer is closed');
  }
}

/** A batch could not be committed; the writer stops and rejects everything not yet acknowledged. */
export class WriterFailedError extends StorageError {
  override name = 'WriterFailedError' as const;
  constructor(cause: unknown) {
    super('the event writer failed to commit a batch; unacknowledged events were not stored', { cause, kind: 'fatal' });
  }
}

/** Migration finished but a table's row count or content checksum differs between source and target. */
export class MigrationVerificationError extends StorageError {
  override name = 'MigrationVerificationError' as const;
  constructor(readonly tables: readonly string[]) {
    super(`migration verification failed for table(s): ${tables.join(', ')}`);
  }
}

/** Hides the password in a connection URL before it reaches a message or a log. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
