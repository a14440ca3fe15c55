/**
 * @packageDocumentation
 * `@tickerml/storage/postgres`: the PostgreSQL (TimescaleDB or native partitioning) store and
 * the SQLite → PostgreSQL migration. Separate from the main entry so that SQLite-only installs
 * never load `pg`.
 */

export {
  canonicalJson,
  checksum,
  type MigrationOptions,
  type MigrationProgress,
  type MigrationReport,
  migrateSqliteToPostgres,
  type TableVerification,
} from '../migrate.js';
export {
  DAY_US,
  decodePostgresRow,
  nativeTableDdl,
  PartitionMode,
  PostgresStore,
  type PostgresStoreOptions,
  parsePostgresUrl,
  partitionModeLine,
  TIMESCALE_NOW_FUNCTION,
  type TimescaleOptions,
  timescaleTableDdl,
} from '../postgres.js';
