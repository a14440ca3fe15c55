/**
 * `tickerml migrate --from sqlite:<file> --to postgres://...`: copies a SQLite database into
 * PostgreSQL (the seed's `migrate_to_timescale`), showing progress, resumable and idempotent on
 * rerun, and verifying row counts and a content checksum per table at the end.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import {
  InvalidConnectionStringError,
  SqliteStore,
  StorageError,
  TABLE_NAMES,
  type TableName,
} from '@tickerml/storage';
import { type MigrationReport, migrateSqliteToPostgres, PostgresStore } from '@tickerml/storage/postgres';
import { flagArgs, UsageError } from '../args.js';

/** Where a command writes: `stdout` for results, `stderr` for progress and errors. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Usage text of `tickerml migrate`. */
export const MIGRATE_USAGE = `Usage: tickerml migrate --from sqlite:<file> --to postgres://user@host:port/db [options]

Copies every table of a TickerML SQLite database into PostgreSQL (TimescaleDB hypertables when
the extension is available, native time partitions otherwise). Interrupted runs resume; a rerun
copies nothing twice. Row counts and a SHA-256 content checksum are verified per table.

Options:
  --from sqlite:<file>     source SQLite database (must exist)
  --to <postgres url>      target database (created tables if missing)
  --batch-rows <n>         rows per transaction (default 5000)
  --tables <a,b,...>       only these tables (default: all)
  --native                 use native partitioning even if TimescaleDB is available
  -h, --help               show this help

Exit status: 0 verified, 1 verification failed or a storage error, 2 bad arguments.
`;

interface MigrateArgs {
  readonly from: string;
  readonly to: string;
  readonly batchRows: number;
  readonly tables: readonly TableName[] | undefined;
  readonly native: boolean;
}

function parseArgs(args: readonly string[]): MigrateArgs | 'help' {
  let from: string | undefined;
  let to: string | undefined;
  let batchRows = 5_000;
  let tables: TableName[] | undefined;
  let native = false;
  for (const { arg, flag, value } of flagArgs(args)) {
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--from':
        from = value();
        break;
      case '--to':
        to = value();
        break;
      case '--batch-rows': {
        const text = value();
        batchRows = Number(text);
        if (!Number.isInteger(batchRows) || batchRows < 1)
          throw new UsageError(`--batch-rows must be a positive integer, was '${text}'`);
        break;
      }
      case '--tables':
        tables = value()
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '')
          .map((t) => {
            if (!(TABLE_NAMES as readonly string[]).includes(t))
              throw new UsageError(`unknown table '${t}' (tables: ${TABLE_NAMES.join(', ')})`);
            return t as TableName;
          });
        break;
      case '--native':
        native = true;
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  if (from === undefined) throw new UsageError('--from sqlite:<file> is required');
  if (to === undefined) throw new UsageError('--to postgres://... is required');
  return { from, to, batchRows, tables, native };
}

function sqlitePath(from: string): string {
  if (!from.startsWith('sqlite:')) throw new InvalidConnectionStringError(from, "the source must be 'sqlite:<file>'");
  const path = from.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (path === '') throw new InvalidConnectionStringError(from, 'no file after sqlite:');
  if (!existsSync(path)) throw new InvalidConnectionStringError(from, `file '${path}' does not exist`);
  return path;
}

/** Renders the verification table printed at the end. */
export function formatReport(report: MigrationReport): string {
  const header = ['table', 'source rows', 'target rows', 'copied', 'checksum'];
  const rows = report.tables.map((t) => [
    t.table,
    String(t.sourceRows),
    String(t.targetRows),
    String(t.copiedRows),
    t.ok
      ? `ok ${t.sourceChecksum.slice(0, 12)}`
      : t.sourceRows !== t.targetRows
        ? 'ROW COUNT DIFFERS'
        : `DIFFERS ${t.sourceChecksum.slice(0, 12)} != ${t.targetChecksum.slice(0, 12)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n${report.ok ? 'verified: every table matches\n' : 'VERIFICATION FAILED\n'}`;
}

/**
 * Runs `tickerml migrate` with `args` (the words after `migrate`). Returns the exit status.
 *
 * @example
 * process.exitCode = await migrateCommand(['--from', 'sqlite:data/tickerml.db', '--to', 'postgres://postgres@127.0.0.1/ticks']);
 */
export async function migrateCommand(args: readonly string[], io: CommandIo = processIo): Promise<number> {
  let parsed: MigrateArgs | 'help';
  try {
    parsed = parseArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`tickerml migrate: ${error.message}\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout(MIGRATE_USAGE);
    return 0;
  }
  let source: SqliteStore | undefined;
  let target: PostgresStore | undefined;
  try {
    source = SqliteStore.open(sqlitePath(parsed.from), { readonly: true });
    target = await PostgresStore.connect(parsed.to, {
      partitioning: parsed.native ? 'native' : 'auto',
      log: (line) => io.stderr(`${line}\n`),
    });
    let lastTable = '';
    let lastPercent = -1;
    const report = await migrateSqliteToPostgres(source, target, {
      batchRows: parsed.batchRows,
      ...(parsed.tables === undefined ? {} : { tables: parsed.tables }),
      onProgress: ({ table, doneRows, totalRows }) => {
        const percent = totalRows === 0 ? 100 : Math.floor((doneRows / totalRows) * 100);
        if (table === lastTable && percent === lastPercent) return;
        lastTable = table;
        lastPercent = percent;
        io.stderr(`migrate: ${table} ${doneRows}/${totalRows} (${percent}%)\n`);
      },
    });
    io.stdout(formatReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof StorageError || (error instanceof Error && 'shortMessage' in error)) {
      io.stderr(`tickerml migrate: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    source?.close();
    await target?.close();
  }
}
