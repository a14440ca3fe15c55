/**
 * `tickerml migrate --from sqlite:<file> --to postgres://...`: copies a SQLite database into
 * PostgreSQL (the seed's `migrate_to_timescale`), showing progress, resumable and idempotent on
 * rerun, and verifying row counts and a content checksum per table at the end. The target is set
 * up as the `storage:` section of `config/config.yaml` says (partition width, TimescaleDB chunks,
 * compression, retention), as the pi-trader's own PostgreSQL store would be.
 *
 * @module
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BaseError, ConfigError, parseConfig } from '@tickerml/core';
import {
  InvalidConnectionStringError,
  SqliteStore,
  type StorageConfig,
  StorageError,
  type StorageSettings,
  storageSettings,
  TABLE_NAMES,
  type TableName,
} from '@tickerml/storage';
import type { MigrationReport, PostgresStore } from '@tickerml/storage/postgres';
import { parse as parseYaml } from 'yaml';
import { flagArgs, UsageError } from '../args.js';

/**
 * The PostgreSQL backend (`pg`, `pg-copy-streams`) could not be loaded. `tickerml migrate` loads it
 * only when it runs, so the other commands work without it.
 *
 * @example
 * ```ts
 * await migrateCommand(['--from', 'sqlite:app.db', '--to', 'postgres://localhost/tickerml']); // prints this error's message when pg is missing
 * ```
 */
export class PostgresBackendMissingError extends BaseError {
  override name = 'PostgresBackendMissingError' as const;
}

/** Loads `@tickerml/storage/postgres` (and with it `pg` and `pg-copy-streams`) on first use. */
async function loadPostgres(): Promise<typeof import('@tickerml/storage/postgres')> {
  try {
    return await import('@tickerml/storage/postgres');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      throw new PostgresBackendMissingError(
        'tickerml migrate needs the PostgreSQL driver: install pg and pg-copy-streams (npm install pg pg-copy-streams)',
        { cause: err, details: err instanceof Error ? err.message : String(err) },
      );
    throw err;
  }
}

/** Where a command writes: `stdout` for results, `stderr` for progress and errors. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** {@link CommandIo} plus the environment `tickerml migrate` reads `TICKERML__STORAGE__*` overrides from. */
export interface MigrateCommandIo extends CommandIo {
  /** Environment for the configuration overrides. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** The configuration `tickerml migrate` reads when `--config` is not given and the file exists (relative to the working directory). */
export const DEFAULT_MIGRATE_CONFIG = join('config', 'config.yaml');

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
  --config <path>          config.yaml (or the directory holding it) whose storage: section sets
                           up the target: partition_interval_hours, timescale.chunk_interval_hours,
                           timescale.compress_after_days, retention_days (default:
                           ${DEFAULT_MIGRATE_CONFIG} when it exists, else the built-in defaults);
                           TICKERML__STORAGE__<KEY> environment overrides apply as for the apps
  -h, --help               show this help

Exit status: 0 verified, 1 verification failed, a bad configuration or a storage error,
2 bad arguments.
`;

interface MigrateArgs {
  readonly from: string;
  readonly to: string;
  readonly batchRows: number;
  readonly tables: readonly TableName[] | undefined;
  readonly native: boolean;
  /** `--config` as given, or `undefined` for the default. */
  readonly config: string | undefined;
}

function parseArgs(args: readonly string[]): MigrateArgs | 'help' {
  let from: string | undefined;
  let to: string | undefined;
  let batchRows = 5_000;
  let tables: TableName[] | undefined;
  let native = false;
  let config: string | undefined;
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
      case '--config':
        config = value();
        if (config === '') throw new UsageError('--config needs a path');
        break;
      default:
        throw new UsageError(`unknown argument '${arg}'`);
    }
  }
  if (from === undefined) throw new UsageError('--from sqlite:<file> is required');
  if (to === undefined) throw new UsageError('--to postgres://... is required');
  if (!isPostgresUrl(to)) {
    // The value may hold a password: shown only when it cannot.
    const shown = to.includes('@') ? '(not shown: it may hold a password)' : `'${to}'`;
    throw new UsageError(`--to must be a postgres:// or postgresql:// URL with a host, was ${shown}`);
  }
  return { from, to, batchRows, tables, native, config };
}

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function sqlitePath(from: string): string {
  if (!from.startsWith('sqlite:')) throw new InvalidConnectionStringError(from, "the source must be 'sqlite:<file>'");
  const path = from.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (path === '') throw new InvalidConnectionStringError(from, 'no file after sqlite:');
  if (!existsSync(path)) throw new InvalidConnectionStringError(from, `file '${path}' does not exist`);
  return path;
}

/** The `storage:` configuration `tickerml migrate` uses, and where it came from. */
export interface MigrateStorageConfig {
  /** The file read, or `undefined` when none was (built-in defaults). */
  readonly file: string | undefined;
  /** Environment variables that overrode a key, e.g. `TICKERML__STORAGE__RETENTION_DAYS`. */
  readonly overrides: readonly string[];
  readonly storage: StorageConfig;
  readonly settings: StorageSettings;
}

const ENV_PREFIX = 'TICKERML__';

/** Re-issues a config error under the file's real path (core names it `config.yaml`). */
function underPath(error: ConfigError, file: string): ConfigError {
  const head = `${error.file}: ${error.keyPath === '' ? '' : `${error.keyPath} `}`;
  const problem = error.shortMessage.startsWith(head) ? error.shortMessage.slice(head.length) : error.shortMessage;
  const where = error.file === 'config.yaml' ? file : error.file.replace('over config.yaml', `over ${file}`);
  const meta = error.metaMessages.map((m) =>
    m.replace(/^config\.yaml:/, `${file}:`).replace('over config.yaml', `over ${file}`),
  );
  return new ConfigError(where, error.keyPath, problem, meta.length > 0 ? { metaMessages: meta } : {});
}

/**
 * Reads and validates the configuration whose `storage:` section sets up the migration target:
 * `path` (a `config.yaml` or the directory holding it), else {@link DEFAULT_MIGRATE_CONFIG} when it
 * exists, else the defaults. The whole file is validated as the apps validate it; of the
 * environment, only `TICKERML__STORAGE__*` overrides apply.
 *
 * @throws {ConfigError} naming the file (or variable), the key and its value, e.g.
 *   "cfg.yaml: storage.partition_interval_hours = 0 is out of range [1, 8760]"; also when `path`
 *   does not exist or is not valid YAML.
 * @example
 * const { settings } = loadMigrateConfig('config/config.yaml', process.env);
 * await PostgresStore.connect(url, { ...settings.postgres });
 */
export function loadMigrateConfig(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): MigrateStorageConfig {
  let file: string | undefined;
  if (path !== undefined) {
    if (!existsSync(path))
      throw new ConfigError(path, '', 'does not exist (--config names a config.yaml or its directory)');
    file = statSync(path).isDirectory() ? join(path, 'config.yaml') : path;
    if (!existsSync(file))
      throw new ConfigError(file, '', 'does not exist (--config names a config.yaml or its directory)');
  } else if (existsSync(DEFAULT_MIGRATE_CONFIG)) {
    file = DEFAULT_MIGRATE_CONFIG;
  }
  let app: Record<string, unknown> = {};
  if (file !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(file, '', 'is not valid YAML', { cause: error });
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed))
        throw new ConfigError(
          file,
          '',
          `must be a mapping of keys to values, was ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
        );
      app = parsed as Record<string, unknown>;
    }
  }
  const storageEnv: Record<string, string> = {};
  for (const [variable, value] of Object.entries(env)) {
    if (
      value !== undefined &&
      variable.startsWith(ENV_PREFIX) &&
      variable.slice(ENV_PREFIX.length).toLowerCase().startsWith('storage__')
    )
      storageEnv[variable] = value;
  }
  let storage: StorageConfig;
  try {
    storage = parseConfig({ app }, { env: storageEnv }).app.storage;
  } catch (error) {
    if (error instanceof ConfigError) throw underPath(error, file ?? 'config.yaml');
    throw error;
  }
  return { file, overrides: Object.keys(storageEnv).sort(), storage, settings: storageSettings(storage) };
}

/** The line saying which storage settings the target gets, in the configuration's own keys. */
export function formatStorageSettings(config: MigrateStorageConfig): string {
  const s = config.storage;
  const from = config.file === undefined ? 'built-in defaults (no config file)' : config.file;
  const env = config.overrides.length === 0 ? '' : ` with ${config.overrides.join(', ')} from the environment`;
  return (
    `migrate: storage settings from ${from}${env}: partition_interval_hours ${s.partitionIntervalHours}, ` +
    `timescale.chunk_interval_hours ${s.timescale.chunkIntervalHours}, ` +
    `timescale.compress_after_days ${s.timescale.compressAfterDays}${s.timescale.compressAfterDays === 0 ? ' (no compression)' : ''}, ` +
    `retention_days ${s.retentionDays}${s.retentionDays === 0 ? ' (keep everything)' : ''}`
  );
}

/**
 * Checks that the target's existing native partitions have the configured width: rows of a new
 * partition of another width would overlap the old ones. Nothing to check under TimescaleDB (a
 * new chunk interval applies to new chunks) or on an empty target.
 *
 * @throws {ConfigError} naming `storage.partition_interval_hours`, its value and the target's width.
 */
async function checkPartitionWidth(
  target: PostgresStore,
  tables: readonly TableName[],
  config: MigrateStorageConfig,
): Promise<void> {
  if (target.mode !== 'native') return;
  const result = await target.execute(
    `SELECT parent.relname AS parent, child.relname AS child, pg_get_expr(child.relpartbound, child.oid) AS bound
       FROM pg_inherits i JOIN pg_class parent ON parent.oid = i.inhparent JOIN pg_class child ON child.oid = i.inhrelid
      WHERE parent.relname = ANY($1::text[])`,
    [tables],
  );
  const wantUs = config.settings.postgres.partitionUs ?? 0;
  for (const row of result.rows as { parent: string; child: string; bound: string }[]) {
    const match = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(row.bound);
    if (match === null) continue; // a DEFAULT partition or one made by hand: no width to compare
    const widthUs = Number(match[2]) - Number(match[1]);
    if (widthUs === wantUs) continue;
    throw new ConfigError(
      config.file ?? 'config.yaml',
      'storage.partition_interval_hours',
      `= ${config.storage.partitionIntervalHours} does not match the target: its partition ${row.child} of ${row.parent} is ` +
        `${widthUs / 3_600_000_000} h wide. Migrate with the width the target was created with, or into an empty database`,
    );
  }
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
 * Runs `tickerml migrate` with `args` (the words after `migrate`). Returns the exit status: 0
 * verified; 1 verification failed, a bad configuration (checked before anything is copied) or a
 * storage error; 2 bad arguments.
 *
 * @example
 * process.exitCode = await migrateCommand(['--from', 'sqlite:data/tickerml.db', '--to', 'postgres://postgres@127.0.0.1/ticks']);
 */
export async function migrateCommand(args: readonly string[], io: MigrateCommandIo = processIo): Promise<number> {
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
    // The configuration first: a bad one stops the run before the target is touched.
    const config = loadMigrateConfig(parsed.config, io.env ?? process.env);
    io.stderr(`${formatStorageSettings(config)}\n`);
    source = SqliteStore.open(sqlitePath(parsed.from), { readonly: true });
    const postgres = await loadPostgres();
    target = await postgres.PostgresStore.connect(parsed.to, {
      ...config.settings.postgres,
      partitioning: parsed.native ? 'native' : 'auto',
      log: (line) => io.stderr(`${line}\n`),
    });
    const tables = parsed.tables ?? TABLE_NAMES;
    await checkPartitionWidth(target, tables, config);
    if (target.mode === 'native' && config.settings.retention !== undefined)
      io.stderr(
        `migrate: retention_days ${config.storage.retentionDays} is not applied while copying: every row is copied and verified; ` +
          "the app's retention job drops the old partitions\n",
      );
    let lastTable = '';
    let lastPercent = -1;
    const report = await postgres.migrateSqliteToPostgres(source, target, {
      batchRows: parsed.batchRows,
      tables,
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
