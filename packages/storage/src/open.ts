/**
 * One entry point for "the store the configuration names": SQLite by default, PostgreSQL when a
 * `postgres://` URL is given. `pg` is loaded only in the second case.
 *
 * @module
 */

import { InvalidConnectionStringError } from './errors.js';
import type { PostgresStore, PostgresStoreOptions } from './postgres.js';
import { SqliteStore, type SqliteStoreOptions } from './sqlite.js';

/** The `storage` section of `config/config.yaml` (core's camelCase shape): PostgreSQL wins when its URL is set. */
export interface StorageTarget {
  readonly sqlitePath?: string;
  readonly postgresUrl?: string | undefined;
}

/**
 * Opens the store named by `target`: `sqlite:<path>` or a plain path → {@link SqliteStore};
 * `postgres://…` / `postgresql://…` → `PostgresStore` (loaded on demand).
 *
 * @throws {InvalidConnectionStringError} for any other scheme, or when `target` names nothing.
 * @throws whatever {@link SqliteStore.open} or `PostgresStore.connect` throws (corrupt file, unreachable server...).
 * @example
 * const store = await openStore(config.app.storage, { instruments });
 * const writer = new EventWriter(store);
 */
export async function openStore(
  target: string | StorageTarget,
  options: SqliteStoreOptions & PostgresStoreOptions = {},
): Promise<SqliteStore | PostgresStore> {
  const text =
    typeof target === 'string'
      ? target
      : (target.postgresUrl ?? (target.sqlitePath === undefined ? '' : `sqlite:${target.sqlitePath}`));
  if (text === '') throw new InvalidConnectionStringError(text, 'no sqlite path and no postgres URL given');
  if (/^postgres(ql)?:\/\//.test(text)) {
    const { PostgresStore } = await import('./postgres.js');
    return PostgresStore.connect(text, options);
  }
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw new InvalidConnectionStringError(text, 'no file after sqlite:');
    return SqliteStore.open(path, options);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme !== null)
    throw new InvalidConnectionStringError(text, `scheme '${scheme[1]}' is neither sqlite nor postgres`);
  return SqliteStore.open(text, options);
}
