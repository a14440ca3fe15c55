/**
 * Errors thrown by `@tickerml/storage`, one class per condition, each with a literal `name`.
 *
 * @module
 */

import { BaseError, type ErrorKind } from '@tickerml/core';

/**
 * The root of every storage error (a core `BaseError`), so a caller can catch all of them at once.
 */
export class StorageError extends BaseError {
  override name = 'StorageError';
  constructor(shortMessage: string, options: { cause?: unknown; details?: string; kind?: ErrorKind } = {}) {
    super(shortMessage, options);
  }
}

/** A SQLite file exists but is not a usable database (corrupt, truncated, not SQLite at all). */
export class CorruptDatabaseError extends StorageError {
  override name = 'CorruptDatabaseError' as const;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`SQLite database '${path}' is corrupt or not a SQLite database`, { cause, kind: 'fatal' });
  }
}

/** A SQLite file could not be opened (missing directory, no permission). */
export class DatabaseOpenError extends StorageError {
  override name = 'DatabaseOpenError' as const;
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot open SQLite database '${path}'`, { cause });
  }
}

/** A connection string or storage URL is malformed or of an unsupported scheme. */
export class InvalidConnectionStringError extends StorageError {
  override name = 'InvalidConnectionStringError' as const;
  constructor(
    readonly connectionString: string,
    reason: string,
  ) {
    super(`invalid connection string '${redactUrl(connectionString)}': ${reason}`);
  }
}

/** PostgreSQL could not be reached or refused the connection (wrong host/port, server down, unknown database). */
export class DatabaseUnreachableError extends StorageError {
  override name = 'DatabaseUnreachableError' as const;
  constructor(
    readonly connectionString: string,
    cause: unknown,
  ) {
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

/** A value does not fit its column (not a safe integer, not a decimal string, wrong type). */
export class InvalidRowError extends StorageError {
  override name = 'InvalidRowError' as const;
  constructor(
    readonly table: string,
    readonly column: string,
    value: unknown,
    expected: string,
  ) {
    super(`${table}.${column}: expected ${expected}, was ${describe(value)}`);
  }
}

/** The database holds a schema version newer than this code knows. */
export class SchemaVersionError extends StorageError {
  override name = 'SchemaVersionError' as const;
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than the ${known} this version of @tickerml/storage knows`, {
      kind: 'fatal',
    });
  }
}

/** A database opened read-only has no TickerML schema (it was never opened by a `SqliteStore`). */
export class MissingSchemaError extends StorageError {
  override name = 'MissingSchemaError' as const;
  constructor(readonly path: string) {
    super(`'${path}' is a SQLite database but not a TickerML one (no schema_migrations table)`);
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
