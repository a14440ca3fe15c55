/**
 * Argument parsing shared by the `tickerml` subcommands.
 *
 * @module
 */

/** A command line the subcommand cannot accept; the command prints its usage and exits with its usage status. */
export class UsageError extends Error {}

/** One flag of a command line, with its value read on demand. */
export interface FlagArg {
  /** The argument exactly as written (`--venue=kraken`). */
  readonly arg: string;
  /** The flag as written, without any `=value` (`--venue`, `-h`, or a positional argument). */
  readonly flag: string;
  /**
   * The flag's value: the text after `=` (`--venue=kraken`) or the next argument (`--venue kraken`),
   * which is then consumed.
   *
   * @throws {UsageError} when the flag is last and has no value.
   */
  value(): string;
}

/**
 * Walks a command line flag by flag.
 *
 * @example
 * for (const { flag, value } of flagArgs(['--venue=kraken', '--json'])) {
 *   if (flag === '--venue') venue = value();
 * }
 */
export function* flagArgs(args: readonly string[]): Generator<FlagArg> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    yield {
      arg,
      flag,
      value: () => {
        if (eq > 0) return arg.slice(eq + 1);
        const next = args[++i];
        if (next === undefined) throw new UsageError(`${flag} needs a value`);
        return next;
      },
    };
  }
}
