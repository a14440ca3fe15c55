#!/usr/bin/env node
/**
 * The `tickerml` command: dispatches to its subcommands.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backtestCommand } from './commands/backtest.js';
import { kafkaCommand } from './commands/kafka.js';
import { migrateCommand } from './commands/migrate.js';
import { recordCommand } from './commands/record.js';
import { replayCommand } from './commands/replay.js';

/** Usage of the `tickerml` command. */
export const USAGE = `Usage: tickerml <command> [options]

Commands:
  record            record a venue's raw frames and REST snapshots to daily compressed files
  replay <file>     check a recording: build its books, report gaps, checksums, malformed frames
  backtest          run a strategy over recordings through the simulated venue
  migrate           copy a SQLite database into PostgreSQL
  kafka lag         consumer-group lag per partition (like kafka-consumer-groups --describe)

Run "tickerml <command> --help" for a command's options.
`;

const COMMANDS: Record<string, (args: readonly string[]) => Promise<number>> = {
  record: (args) => recordCommand(args),
  replay: (args) => replayCommand(args),
  backtest: (args) => backtestCommand(args),
  migrate: (args) => migrateCommand(args),
  kafka: (args) => kafkaCommand(args),
};

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit status.
 * @example
 * ```ts
 * process.exitCode = await main(['replay', 'data/raw/kraken-2026-11-25-0.tmrec.gz']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    process.stderr.write(`tickerml: unknown command "${command}"\n\n${USAGE}`);
    return 1;
  }
  return run(rest);
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`tickerml: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
