/**
 * @packageDocumentation
 * SQLite (default) and PostgreSQL/TimescaleDB storage for TickerML events, orders, fills and
 * portfolio state. PostgreSQL lives in the `@tickerml/storage/postgres` entry point so that a
 * SQLite-only install never loads `pg`.
 */

export { type InstrumentBar, TradeBars, type TradeBarsOptions } from './collect/bars.js';
export { BookSampler, type BookSamplerOptions } from './collect/book-sampler.js';
export {
  type CollectorOptions,
  type CollectorStats,
  type FeatureSource,
  MarketCollector,
  type RowSink,
} from './collect/collector.js';
export { CollectOptionError, FeatureVectorError } from './collect/errors.js';
export { type CollectConfig, type CollectSettings, collectSettings } from './collect/settings.js';
export { type StorageConfig, type StorageSettings, storageSettings } from './config.js';
export {
  CorruptDatabaseError,
  DatabaseOpenError,
  DatabaseUnreachableError,
  InvalidConnectionStringError,
  InvalidRowError,
  MissingSchemaError,
  SchemaVersionError,
  StorageError,
  UnknownTableError,
  WriterClosedError,
  WriterFailedError,
} from './errors.js';
export { openStore, type StorageTarget } from './open.js';
export {
  eventToRow,
  type InstrumentIncrements,
  type InstrumentLookup,
  type InstrumentSource,
  instrumentMap,
  JsonText,
  rowToBookSnapshot,
  rowToFundingRate,
  rowToGenericEvent,
  rowToTrade,
  type TableRow,
  tableForKind,
  toLookup,
} from './rows.js';
export {
  type ColumnSpec,
  ColumnType,
  type FeatureRow,
  type FillRow,
  type FundingRateRow,
  MARKET_TABLES,
  type MarketEventRow,
  MIGRATIONS,
  type NewsRow,
  type OhlcvRow,
  type OrderBookRow,
  type OrderRow,
  type PortfolioStateRow,
  type Row,
  type RowQuery,
  SCHEMA_VERSION,
  TABLE_NAMES,
  TABLES,
  type TableName,
  type TableRows,
  type TableSpec,
  type TradeRow,
} from './schema.js';
export {
  DEFAULT_CACHE_SIZE_KIB,
  DEFAULT_PAGE_SIZE_BYTES,
  DEFAULT_WAL_CHECKPOINT_BYTES,
  type RetentionJobOptions,
  SqliteStore,
  type SqliteStoreOptions,
} from './sqlite.js';
export {
  type EventSink,
  EventWriter,
  type EventWriterOptions,
  installSignalHandlers,
  type SignalHandlerOptions,
} from './writer.js';
