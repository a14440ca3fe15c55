#!/usr/bin/env node
/**
 * The `tickerml` command: dispatches to its subcommands.
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Usage of the `tickerml` command. */
export const USAGE = `Usage: tickerml <command> [options]

Commands:
  record            record a venue's raw frames and REST snapshots to daily compressed files
  replay <file>     check a recording: build its books, report gaps, checksums, malformed frames
  backtest          run a strategy over recordings through the simulated venue
  migrate           copy a SQLite database into PostgreSQL
  kafka lag         consumer-group lag per partition (like kafka-consumer-groups --describe)
  collect           persist the book and trade topics of Kafka into SQLite or PostgreSQL (another box)

Run "tickerml <command> --help" for a command's options.
`;

// Each command is loaded when it runs, so `tickerml --help` or `tickerml backtest` never load a
// backend they do not use (PostgreSQL for migrate, Kafka for kafka).
const COMMANDS: Record<string, (args: readonly string[]) => Promise<number>> = {
  record: async (args) => (await import('./commands/record.js')).recordCommand(args),
  replay: async (args) => (await import('./commands/replay.js')).replayCommand(args),
  backtest: async (args) => (await import('./commands/backtest.js')).backtestCommand(args),
  migrate: async (args) => (await import('./commands/migrate.js')).migrateCommand(args),
  kafka: async (args) => (await import('./commands/kafka.js')).kafkaCommand(args),
  collect: async (args) => (await import('./commands/collect.js')).collectCommand(args),
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
