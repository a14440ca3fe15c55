/**
 * Argument reading shared by the `cv`, `trajectories` and `evaluate` commands: `--flag value`
 * pairs and bare switches, durations as `250ms`, `5s`, `1m`, `2h`, `30d`, and one usage error
 * type (exit status 2).
 *
 * @module
 */
import { BaseError, parseDuration } from '@tickerml/core';

/** Where a command writes: its report (stdout) and messages (stderr). */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  readonly isTty: boolean;
}

/** The process's stdout and stderr. */
export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stderr.isTTY === true,
};

/**
 * Arguments a command cannot understand: unknown flags, missing values, malformed numbers or
 * durations (exit status 2, with the usage).
 *
 * @example
 * ```ts
 * throw new UsageError('--groups must be an integer ≥ 2, was "x"');
 * ```
 */
export class UsageError extends BaseError {
  override name = 'UsageError' as const;
}

/** Parsed `--flag value` pairs (the last one wins) and switches. */
export interface ParsedFlags {
  readonly values: ReadonlyMap<string, string>;
  readonly switches: ReadonlySet<string>;
  readonly help: boolean;
}

/**
 * Reads `args` as `--flag value` for the flags in `valued` and bare `--switch` for those in
 * `switches`.
 *
 * @throws {UsageError} for an unknown argument or a flag without a value
 * @example
 * ```ts
 * parseFlags(['--groups', '6', '--json'], ['--groups'], ['--json']);
 * ```
 */
export function parseFlags(
  args: readonly string[],
  valued: readonly string[],
  switches: readonly string[] = [],
): ParsedFlags {
  const values = new Map<string, string>();
  const on = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') return { values, switches: on, help: true };
    if (switches.includes(arg)) {
      on.add(arg);
      continue;
    }
    if (!valued.includes(arg)) throw new UsageError(`unknown argument "${arg}"`);
    const value = args[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
    values.set(arg, value);
  }
  return { values, switches: on, help: false };
}

/**
 * An integer flag within `[min, max]`.
 *
 * @throws {UsageError} naming the flag and the text
 */
export function integerFlag(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new UsageError(`${flag} must be an integer in [${min}, ${max}], was "${text}"`);
  return Number(text);
}

/**
 * A duration flag, in µs (`0s` allowed when `allowZero`).
 *
 * @throws {UsageError} naming the flag and the text
 */
export function durationFlag(flag: string, text: string, allowZero = false): number {
  let us: number;
  try {
    us = parseDuration(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof BaseError ? error.shortMessage : String(error)}`);
  }
  if (us < 0 || (us === 0 && !allowZero)) throw new UsageError(`${flag} must be a positive duration, was "${text}"`);
  return us;
}

/** The message of an error for the one line a user sees. */
export function errorLine(error: unknown): string {
  return error instanceof BaseError ? error.message : error instanceof Error ? error.message : String(error);
}
