/**
 * The embedded default store: one SQLite file (better-sqlite3, WAL, prepared statements,
 * batched transactions).
 *
 * @module
 */

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BookSnapshot, Clock, FundingRate, MarketEvent, Trade } from '@tickerml/core';
import Database from 'better-sqlite3';
import { CorruptDatabaseError, DatabaseOpenError, MissingSchemaError, SchemaVersionError } from './errors.js';
import { LevelsJsonbWriter } from './jsonb.js';
import { retentionIntervalUs, retentionTimerName } from './retention.js';
import {
  bookSnapshotValues,
  eventToRow,
  type InstrumentLookup,
  type InstrumentSource,
  JsonText,
  rowToBookSnapshot,
  rowToFundingRate,
  rowToGenericEvent,
  rowToTrade,
  rowValues,
  toLookup,
  tradeValues,
} from './rows.js';
import {
  MARKET_TABLES,
  type MarketEventRow,
  MIGRATIONS,
  type Row,
  type RowQuery,
  SCHEMA_VERSION,
  type TableName,
  type TableRows,
  type TableSpec,
  tableSpec,
} from './schema.js';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * Tick and lot sizes per instrument, needed to write book snapshots, trades and mark prices
   * as exact decimal text. Without it, writing those events throws `UnknownInstrumentError`.
   */
  readonly instruments?: InstrumentSource;
  /**
   * `normal` (default): a committed transaction survives the process being killed (it is in the
   * WAL, handed to the OS); `full`: it also survives power loss (fsync at every commit, slower).
   */
  readonly synchronous?: 'normal' | 'full';
  /**
   * WAL pages written before SQLite checkpoints them into the database file. Default: as many
   * pages as make {@link DEFAULT_WAL_CHECKPOINT_BYTES} (40 MiB: 2,560 pages of 16 KiB, 10,240 of
   * 4 KiB; SQLite's own default is 1,000 pages): fewer, larger checkpoints during ingest, fewer
   * small random writes on an SD card. Lower it where disk is tight.
   */
  readonly walCheckpointPages?: number;
  /**
   * Page size of a database this call creates, bytes (a power of two from 512 to 65,536).
   * Default 16,384 (SQLite's own default is 4,096): a 10+10-level book row is about 700 bytes,
   * and larger pages mean fewer page splits and less per-page overhead per row written. An
   * existing file keeps the page size it was created with.
   */
  readonly pageSizeBytes?: number;
  /**
   * SQLite's page cache for this connection, KiB. Default {@link DEFAULT_CACHE_SIZE_KIB} (2 MiB,
   * SQLite's own default; better-sqlite3 raises it to 16 MB). Ingest appends to the right edge
   * of each B-tree, so a small cache holds everything a batch touches and its buffers stay in
   * the CPU's caches when they are handed to the WAL: measured on the book bench, the default 16 MB
   * spent about 2.5× the system time per row of 2 MiB. Raise it for query-heavy use of a large file.
   */
  readonly cacheSizeKiB?: number;
  /** Open an existing database read-only (no migrations are run). Default false. */
  readonly readonly?: boolean;
}

const SQLITE_TYPES = { int: 'INTEGER', text: 'TEXT', decimal: 'TEXT', json: 'TEXT', float: 'REAL' } as const;

/** Quotes an SQL identifier (both dialects use double quotes). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Renders the SQLite DDL of one table and its indexes. */
function sqliteTableDdl(spec: TableSpec): string[] {
  const columns = spec.columns.map(
    (c) => `${quoteIdent(c.name)} ${SQLITE_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`,
  );
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(spec.name)} ("id" INTEGER PRIMARY KEY, ${columns.join(', ')})`,
  ];
  if (spec.byInstrument) {
    statements.push(
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${spec.name}_instrument_time`)} ON ${quoteIdent(spec.name)} ("exchange", "symbol", "timestamp")`,
    );
  }
  statements.push(
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${spec.name}_time`)} ON ${quoteIdent(spec.name)} ("timestamp")`,
  );
  return statements;
}

function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    code === 'SQLITE_NOTADB' ||
    code === 'SQLITE_CORRUPT' ||
    (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
  );
}

type Statement = Database.Statement<unknown[], unknown>;

/** Options of the retention jobs of {@link SqliteStore} and `PostgresStore`. */
export interface RetentionJobOptions {
  /** Keep this much history, µs. */
  readonly retentionUs: number;
  /** Run every this many milliseconds (and once at start). */
  readonly intervalMs: number;
  /**
   * The app's clock (core's `LiveClock`; a `TestClock` in tests): the cutoff is
   * `clock.nowUs() - retentionUs` and the passes run on its timers. Required: no hidden wall clock.
   */
  readonly clock: Clock;
  /** Called after each pass with what it removed: dropped partitions, or rows deleted per table. */
  readonly onPass?: (removed: readonly string[]) => void;
  /** Called when a pass fails; the job keeps running. */
  readonly onError?: (error: unknown) => void;
}

/** Default of {@link SqliteStoreOptions.pageSizeBytes}. */
export const DEFAULT_PAGE_SIZE_BYTES = 16_384;

/** Default of {@link SqliteStoreOptions.cacheSizeKiB}. */
export const DEFAULT_CACHE_SIZE_KIB = 2_048;

/** WAL size at which the store checkpoints by default, bytes (see {@link SqliteStoreOptions.walCheckpointPages}). */
export const DEFAULT_WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024;

/**
 * A SQLite database holding every TickerML table.
 *
 * @example
 * const store = SqliteStore.open('data/tickerml.db', { instruments: instrumentMap({ 'binanceus:BTC/USDT': { tickSize: '0.01', lotSize: '0.00001' } }) });
 * store.writeEvents([trade]);
 * const last10 = store.latest('trades', 10, { exchange: 'binanceus', symbol: 'BTC/USDT' });
 * store.close();
 */
export class SqliteStore {
  readonly #db: Database.Database;
  readonly #instruments: InstrumentLookup;
  readonly #inserts = new Map<TableName, Statement>();
  readonly #writeEventsTx: (events: readonly MarketEvent[]) => void;
  readonly #insertTx: (table: TableName, rows: readonly Row[]) => void;

  private constructor(
    readonly path: string,
    db: Database.Database,
    instruments: InstrumentLookup,
  ) {
    this.#db = db;
    this.#instruments = instruments;
    // Books and trades, nearly all of the volume, bind straight from the event into one reused
    // parameter array; every other kind goes through the generic row.
    const bookValues: unknown[] = [];
    const levels = new LevelsJsonbWriter();
    const tradeValuesArray: unknown[] = [];
    this.#writeEventsTx = db.transaction((events: readonly MarketEvent[]) => {
      const books = this.#insertStatement('order_books');
      const trades = this.#insertStatement('trades');
      for (const event of events) {
        if (event.kind === 'book_snapshot') books.run(bookSnapshotValues(event, this.#instruments, bookValues, levels));
        else if (event.kind === 'trade') trades.run(tradeValues(event, this.#instruments, tradeValuesArray));
        else {
          const { table, row } = eventToRow(event, this.#instruments);
          this.#insertOne(table, row);
        }
      }
    });
    this.#insertTx = db.transaction((table: TableName, rows: readonly Row[]) => {
      for (const row of rows) this.#insertOne(table, row);
    });
  }

  /**
   * Opens (creating if needed) the database at `path` and brings its schema up to date.
   *
   * @param path A file path, or `:memory:`.
   * @throws {CorruptDatabaseError} if the file is not a SQLite database or is damaged.
   * @throws {DatabaseOpenError} if the file cannot be opened or its directory created (permissions, a file in the way).
   * @throws {SchemaVersionError} if the database was written by a newer version.
   * @throws {MissingSchemaError} if opened read-only and the file has no TickerML schema.
   * @example
   * const store = SqliteStore.open('/tmp/ticks.db');
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    let db: Database.Database;
    try {
      // A fresh checkout has no data/ directory yet: create the parent, as the file itself is created.
      if (!options.readonly && path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    } catch (error) {
      if (isCorruption(error)) throw new CorruptDatabaseError(path, error);
      throw new DatabaseOpenError(path, error);
    }
    try {
      // Reading the schema forces SQLite to parse the header and the first page.
      const objects = (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n;
      if (!options.readonly) {
        const pageSize = options.pageSizeBytes ?? DEFAULT_PAGE_SIZE_BYTES;
        if (
          !(
            Number.isSafeInteger(pageSize) &&
            pageSize >= 512 &&
            pageSize <= 65_536 &&
            (pageSize & (pageSize - 1)) === 0
          )
        )
          throw new RangeError(`pageSizeBytes must be a power of two from 512 to 65536, was ${pageSize}`);
        // Only an empty database takes a new page size, and only before it switches to WAL.
        if (objects === 0) db.pragma(`page_size = ${pageSize}`);
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        const pages =
          options.walCheckpointPages ??
          Math.round(DEFAULT_WAL_CHECKPOINT_BYTES / (db.pragma('page_size', { simple: true }) as number));
        if (!Number.isSafeInteger(pages) || pages < 1)
          throw new RangeError(`walCheckpointPages must be a positive integer, was ${pages}`);
        db.pragma(`wal_autocheckpoint = ${pages}`);
      }
      const cacheKiB = options.cacheSizeKiB ?? DEFAULT_CACHE_SIZE_KIB;
      if (!Number.isSafeInteger(cacheKiB) || cacheKiB < 1)
        throw new RangeError(`cacheSizeKiB must be a positive integer, was ${cacheKiB}`);
      db.pragma(`cache_size = -${cacheKiB}`);
      db.pragma('busy_timeout = 5000');
      const store = new SqliteStore(path, db, toLookup(options.instruments));
      if (!options.readonly) store.#migrate();
      else store.#checkVersion();
      return store;
    } catch (error) {
      db.close();
      if (isCorruption(error)) throw new CorruptDatabaseError(path, error);
      throw error;
    }
  }

  #currentVersion(): number {
    const exists = this.#db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (exists === undefined) return 0;
    const row = this.#db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  #checkVersion(): void {
    const version = this.#currentVersion();
    if (version === 0 && this.#db.readonly) throw new MissingSchemaError(this.path);
    if (version > SCHEMA_VERSION) throw new SchemaVersionError(version, SCHEMA_VERSION);
  }

  #migrate(): void {
    this.#checkVersion();
    this.#db.transaction(() => {
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at_us INTEGER NOT NULL)',
      );
      const version = this.#currentVersion();
      for (const migration of MIGRATIONS) {
        if (migration.version <= version) continue;
        for (const name of migration.tables) for (const sql of sqliteTableDdl(tableSpec(name))) this.#db.exec(sql);
        this.#db
          .prepare('INSERT INTO schema_migrations (version, description, applied_at_us) VALUES (?, ?, ?)')
          .run(migration.version, migration.description, Date.now() * 1000);
      }
    })();
  }

  /** The schema version the database is at. */
  schemaVersion(): number {
    return this.#currentVersion();
  }

  #insertStatement(table: TableName): Statement {
    let statement = this.#inserts.get(table);
    if (statement === undefined) {
      const spec = tableSpec(table);
      const names = ['id', ...spec.columns.map((c) => c.name)].map(quoteIdent).join(', ');
      const params = new Array(spec.columns.length + 1).fill('?').join(', ');
      statement = this.#db.prepare(`INSERT INTO ${quoteIdent(table)} (${names}) VALUES (${params})`);
      this.#inserts.set(table, statement);
    }
    return statement;
  }

  #insertOne(table: TableName, row: Row): void {
    const spec = tableSpec(table);
    // Slot 0 is the id (null lets SQLite assign the next one); one array, no spread.
    const values = rowValues(spec, row, 1);
    values[0] = typeof row.id === 'number' ? row.id : null;
    for (let i = 0; i < spec.columns.length; i++) {
      const value = values[i + 1];
      if ((spec.columns[i] as TableSpec['columns'][number]).type !== 'json' || value === null) continue;
      values[i + 1] = value instanceof JsonText ? value.text : JSON.stringify(value);
    }
    this.#insertStatement(table).run(values);
  }

  /**
   * Writes events in one transaction: all or none.
   *
   * @throws {UnknownInstrumentError} if a snapshot, trade or mark price names an instrument the store was not given.
   * @throws {InvalidRowError} if a value does not fit its column.
   */
  writeEvents(events: readonly MarketEvent[]): void {
    this.#writeEventsTx(events);
  }

  /**
   * Inserts rows into `table` in one transaction (all or none). A row's `id`, when given, is kept.
   *
   * @throws {InvalidRowError} naming the table and column of a value that does not fit.
   * @example
   * store.insert('portfolio_state', [{ timestamp: 1_700_000_000_000_000, cash_balance: '10000.00', total_value: '10000.00', positions: {}, daily_pnl: '0', max_drawdown: 0, sharpe_ratio: null }]);
   */
  insert<T extends TableName>(table: T, rows: readonly TableRows[T][]): void {
    this.#insertTx(table, rows as unknown as readonly Row[]);
  }

  /**
   * Rows of `table` matching `query` (venue, symbol, time range), oldest first unless `order: 'desc'`.
   *
   * @example
   * store.query('trades', { exchange: 'binanceus', symbol: 'BTC/USDT', fromUs: t0, toUs: t1 });
   */
  query<T extends TableName>(table: T, query: RowQuery = {}): TableRows[T][] {
    const spec = tableSpec(table);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.exchange !== undefined) {
      where.push('"exchange" = ?');
      params.push(query.exchange);
    }
    if (query.symbol !== undefined) {
      where.push('"symbol" = ?');
      params.push(query.symbol);
    }
    if (query.fromUs !== undefined) {
      where.push('"timestamp" >= ?');
      params.push(query.fromUs);
    }
    if (query.toUs !== undefined) {
      where.push('"timestamp" < ?');
      params.push(query.toUs);
    }
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    let sql = `SELECT ${selectList(spec)} FROM ${quoteIdent(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "timestamp" ${direction}, "id" ${direction}`;
    if (query.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(query.limit);
    }
    const rows = this.#db.prepare(sql).all(...params) as Row[];
    return rows.map((row) => decodeSqliteRow(spec, row)) as unknown as TableRows[T][];
  }

  /**
   * The newest `n` rows of `table` (optionally for one venue and symbol), newest first.
   *
   * @example
   * store.latest('order_books', 1, { exchange: 'binanceus', symbol: 'BTC/USDT' });
   */
  latest<T extends TableName>(table: T, n: number, filter: Pick<RowQuery, 'exchange' | 'symbol'> = {}): TableRows[T][] {
    return this.query(table, { ...filter, limit: n, order: 'desc' });
  }

  /** Book snapshots in a venue/symbol/time range, rebuilt as events. */
  readBookSnapshots(query: RowQuery = {}): BookSnapshot[] {
    return this.query('order_books', query).map(rowToBookSnapshot);
  }

  /** Trades in a venue/symbol/time range, rebuilt as events. */
  readTrades(query: RowQuery = {}): Trade[] {
    return this.query('trades', query).map(rowToTrade);
  }

  /** Funding rates in a venue/symbol/time range, rebuilt as events. */
  readFundingRates(query: RowQuery = {}): FundingRate[] {
    return this.query('funding_rates', query).map(rowToFundingRate);
  }

  /** Book deltas, L3 and feed-health events in a venue/symbol/time range, rebuilt as events. */
  readMarketEvents(query: RowQuery = {}): MarketEvent[] {
    return this.query('market_events', query).map((row: MarketEventRow) => rowToGenericEvent(row));
  }

  /** Number of rows in `table`. */
  count(table: TableName): number {
    tableSpec(table);
    return (this.#db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).get() as { n: number }).n;
  }

  /**
   * Up to `limit` raw rows of `table` with `id > afterId`, in id order (for migration and
   * checksums). Decimals are text as stored; JSON columns are JSON text (book levels stored as
   * JSONB are rendered by `json()`).
   */
  rowsAfter(table: TableName, afterId: number, limit: number): Row[] {
    return this.#db
      .prepare(`SELECT ${selectList(tableSpec(table))} FROM ${quoteIdent(table)} WHERE "id" > ? ORDER BY "id" LIMIT ?`)
      .all(afterId, limit) as Row[];
  }

  /**
   * Runs `fn` as ONE transaction: every insert it makes, through this store or through `db`
   * (tables an application keeps beside the schema, in the same file), commits together or not
   * at all. If `fn` throws, nothing is written and the error propagates.
   *
   * @example
   * ```ts
   * store.transaction((db) => {
   *   store.insert('fills', newFills);
   *   db.prepare('INSERT INTO my_checkpoints (n) VALUES (?)').run(n);
   * });
   * ```
   */
  transaction<T>(fn: (db: Database.Database) => T): T {
    return this.#db.transaction(() => fn(this.#db))();
  }

  /**
   * Retention for the embedded store: deletes rows with `timestamp < cutoffUs` from `tables`
   * (default: the market-data tables; orders, fills and portfolio_state are kept unless named),
   * in one transaction. Returns the rows deleted per table. Space is reused by later inserts;
   * run `VACUUM` yourself to give it back to the file system.
   *
   * @example
   * store.deleteOlderThan(nowUs - 7 * 86_400_000_000); // keep a week of books and trades on a Pi
   */
  deleteOlderThan(cutoffUs: number, tables: readonly TableName[] = MARKET_TABLES): Record<string, number> {
    const deleted: Record<string, number> = {};
    this.#db.transaction(() => {
      for (const table of tables) {
        tableSpec(table);
        deleted[table] = this.#db
          .prepare(`DELETE FROM ${quoteIdent(table)} WHERE "timestamp" < ?`)
          .run(cutoffUs).changes;
      }
    })();
    return deleted;
  }

  /**
   * Runs {@link deleteOlderThan} every `intervalMs` (and once at start) with a cutoff of
   * `nowUs() - retentionUs`, over the market-data tables. Returns a function that stops it.
   *
   * @example
   * const stop = store.startRetentionJob({ retentionUs: 30 * 86_400_000_000, intervalMs: 3_600_000, clock });
   */
  startRetentionJob(options: RetentionJobOptions): () => void {
    const clock = options.clock;
    const nowUs = () => clock.nowUs();
    const pass = () => {
      try {
        const deleted = this.deleteOlderThan(nowUs() - options.retentionUs);
        options.onPass?.(Object.entries(deleted).map(([table, rows]) => `${table}: ${rows} rows`));
      } catch (error) {
        options.onError?.(error);
      }
    };
    const name = retentionTimerName('sqlite');
    clock.setTimer(name, retentionIntervalUs(options.intervalMs), undefined, undefined, pass);
    pass();
    return () => {
      clock.cancelTimer(name);
    };
  }

  /** Closes the database (checkpointing the WAL). Safe to call twice. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

/**
 * The columns of `spec` as a SELECT list, JSON columns passed through `json()`: book levels are
 * stored as JSONB (see `LevelsJsonbWriter`), older rows and other JSON columns as text, and
 * `json()` gives text for both.
 */
function selectList(spec: TableSpec): string {
  const columns = spec.columns.map((c) =>
    c.type === 'json' ? `json(${quoteIdent(c.name)}) AS ${quoteIdent(c.name)}` : quoteIdent(c.name),
  );
  return `"id", ${columns.join(', ')}`;
}

/** Turns a raw SQLite row into the typed row of {@link TableRows} (parses JSON columns). */
export function decodeSqliteRow(spec: TableSpec, row: Row): Row {
  for (const column of spec.columns) {
    if (column.type === 'json') {
      const value = row[column.name];
      if (typeof value === 'string') row[column.name] = JSON.parse(value);
    }
  }
  return row;
}
