/**
 * Creating the directories a process writes to (logs, databases, caches), with errors that name
 * the path component at fault.
 *
 * @module
 */

import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BaseError } from './errors.js';

/**
 * A directory that cannot be created or written: a path component is a file, the file system
 * refuses new entries (`/proc`, a read-only mount), or the permissions forbid it.
 *
 * @example
 * ```ts
 * ensureDirectory('/etc/passwd/db'); // throws DirectoryError: "/etc/passwd exists and is not a directory"
 * ```
 */
export class DirectoryError extends BaseError {
  override name = 'DirectoryError' as const;
  /** The directory that was asked for. */
  readonly path: string;
  /** The path component at fault (the directory itself or one of its parents). */
  readonly failedAt: string;
  constructor(path: string, failedAt: string, problem: string, options: { cause?: unknown } = {}) {
    super(`${failedAt === path ? `'${path}'` : `'${path}': '${failedAt}'`} ${problem}`, options);
    this.path = path;
    this.failedAt = failedAt;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? String(error);
}

/**
 * Makes sure `path` is a writable directory, creating it and its parents one level at a time.
 * Unlike `mkdirSync(path, { recursive: true })`, which loops forever on a path under `/proc`
 * (each `mkdir` answers ENOENT for a parent that exists) and answers `EEXIST` when a parent is a
 * file, every failure ends at once and names the component at fault.
 *
 * @param path - the directory, absolute or relative to the working directory.
 * @returns the absolute path.
 * @throws {DirectoryError} when a component is not a directory, cannot be created, or the
 *   directory is not writable.
 * @example
 * ```ts
 * const dir = ensureDirectory('logs'); // '/home/pi/tickerml/logs', created if missing
 * ```
 */
export function ensureDirectory(path: string): string {
  if (path === '') throw new DirectoryError(path, path, 'is empty: name a directory');
  const absolute = resolve(path);
  const missing: string[] = [];
  let at = absolute;
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch (error) {
      // ENOTDIR: a component above is a file; walking up finds and names it.
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') {
        throw new DirectoryError(path, at, `cannot be read (${errorCode(error)})`, { cause: error });
      }
      const parent = dirname(at);
      if (parent === at) throw new DirectoryError(path, at, 'does not exist', { cause: error });
      missing.push(at);
      at = parent;
      continue;
    }
    if (!isDirectory) throw new DirectoryError(path, at, 'exists and is not a directory');
    break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      // Another process may have created it in the meantime; anything else is final.
      if (errorCode(error) === 'EEXIST' && statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true) continue;
      throw new DirectoryError(path, dir, `cannot be created (${errorCode(error)})`, { cause: error });
    }
  }
  try {
    accessSync(absolute, constants.W_OK);
  } catch (error) {
    throw new DirectoryError(path, absolute, `is not writable (${errorCode(error)})`, { cause: error });
  }
  return absolute;
}
