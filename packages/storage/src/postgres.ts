/**
 * The scale-out store: PostgreSQL with the same tables as SQLite, time-partitioned.
 *
 * With the `timescaledb` extension available, tables are hypertables with compression and
 * retention policies; without it (as on a stock PostgreSQL), they are natively range-partitioned
 * on `timestamp` and {@link PostgresStore.dropPartitionsOlderThan} (or
 * {@link PostgresStore.startRetentionJob}) drops whole old partitions. Which one is in use is
 * logged at connect. Bulk writes go through `COPY ... FROM STDIN`.
 *
 * @module
 */

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BookSnapshot, FundingRate, MarketEvent, Trade } from '@tickerml/core';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { DatabaseUnreachableError, InvalidConnectionStringError, SchemaVersionError, StorageError } from './errors.js';
import { retentionIntervalUs, retentionTimerName } from './retention.js';
import {
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
} from './rows.js';
import {
  type ColumnType,
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
import type { RetentionJobOptions } from './sqlite.js';

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Microseconds in one day, the default partition and chunk width. */
export const DAY_US = 86_400_000_000;

/** How tables are partitioned by time. */
export const PartitionMode = {
  /** TimescaleDB hypertables with compression and retention policies. */
  Timescale: 'timescale',
  /** Native PostgreSQL range partitioning; old partitions dropped by the retention job. */
  Native: 'native',
} as const;
export type PartitionMode = (typeof PartitionMode)[keyof typeof PartitionMode];

/** TimescaleDB settings (used only when the extension is available). */
export interface TimescaleOptions {
  /** Width of a hypertable chunk, µs. Default one day. */
  readonly chunkIntervalUs?: number;
  /** Compress chunks older than this, µs. Default 7 days; `null` disables compression. */
  readonly compressAfterUs?: number | null;
  /** Drop chunks older than this, µs. Default `null` (keep everything). */
  readonly retentionUs?: number | null;
}

/** Options of {@link PostgresStore.connect}. */
export interface PostgresStoreOptions {
  /** Tick and lot sizes per instrument (core's `InstrumentRegistry` or a lookup function). */
  readonly instruments?: InstrumentSource;
  /** `auto` (default): TimescaleDB when available, else native partitioning. `native` forces native. */
  readonly partitioning?: 'auto' | 'native';
  /** Width of one native partition, µs. Default one day. */
  readonly partitionUs?: number;
  /** TimescaleDB settings. */
  readonly timescale?: TimescaleOptions;
  /** Where the one line saying which partitioning is in use goes. Default: standard error. */
  readonly log?: (message: string) => void;
  /** Connection pool size. Default 4. */
  readonly poolSize?: number;
  /** How long to wait for a connection, ms. Default 5000. */
  readonly connectTimeoutMs?: number;
}

/**
 * Checks that `url` is a `postgres://` or `postgresql://` URL.
 *
 * @throws {InvalidConnectionStringError} naming what is wrong.
 */
export function parsePostgresUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidConnectionStringError(url, 'not a URL (expected postgres://user@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new InvalidConnectionStringError(
      url,
      `scheme '${parsed.protocol.replace(/:$/, '')}' is not postgres or postgresql`,
    );
  }
  if (parsed.hostname === '') throw new InvalidConnectionStringError(url, 'no host');
  if (parsed.port !== '' && !(Number(parsed.port) > 0 && Number(parsed.port) < 65536)) {
    throw new InvalidConnectionStringError(url, `port '${parsed.port}' is not a TCP port`);
  }
  if (parsed.pathname.length <= 1) throw new InvalidConnectionStringError(url, 'no database name');
  return parsed;
}

const PG_TYPES: Record<ColumnType, string> = {
  int: 'bigint',
  text: 'text',
  decimal: 'numeric',
  json: 'jsonb',
  float: 'double precision',
};

function columnsDdl(spec: TableSpec): string {
  const columns = spec.columns.map((c) => `${quoteIdent(c.name)} ${PG_TYPES[c.type]}${c.nullable ? '' : ' NOT NULL'}`);
  return `"id" bigserial NOT NULL, ${columns.join(', ')}, PRIMARY KEY ("id", "timestamp")`;
}

function indexDdl(spec: TableSpec): string[] {
  return spec.byInstrument
    ? [
        `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${spec.name}_instrument_time`)} ON ${quoteIdent(spec.name)} ("exchange", "symbol", "timestamp")`,
      ]
    : [];
}

/** The DDL for one table with native range partitioning on `timestamp`. */
export function nativeTableDdl(spec: TableSpec): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdent(spec.name)} (${columnsDdl(spec)}) PARTITION BY RANGE ("timestamp")`,
    ...indexDdl(spec),
  ];
}

/**
 * The SQL that makes one table a TimescaleDB hypertable with compression and retention policies.
 * Time is integer microseconds, so the hypertable gets an integer "now" function.
 *
 * @example
 * timescaleTableDdl(TABLES.trades, { chunkIntervalUs: DAY_US, compressAfterUs: 7 * DAY_US, retentionUs: 90 * DAY_US });
 */
export function timescaleTableDdl(spec: TableSpec, options: TimescaleOptions = {}): string[] {
  const table = quoteIdent(spec.name);
  const literal = `'${spec.name}'`;
  const chunk = options.chunkIntervalUs ?? DAY_US;
  const compressAfter = options.compressAfterUs === undefined ? 7 * DAY_US : options.compressAfterUs;
  const retention = options.retentionUs ?? null;
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${table} (${columnsDdl(spec)})`,
    `SELECT create_hypertable(${literal}, by_range('timestamp', ${chunk}::bigint), if_not_exists => TRUE)`,
    `SELECT set_integer_now_func(${literal}, 'tickerml_now_us', replace_if_exists => TRUE)`,
    ...indexDdl(spec),
  ];
  if (compressAfter !== null) {
    const segmentBy = spec.byInstrument ? `, timescaledb.compress_segmentby = 'exchange, symbol'` : '';
    statements.push(
      `ALTER TABLE ${table} SET (timescaledb.compress${segmentBy}, timescaledb.compress_orderby = 'timestamp DESC')`,
      `SELECT add_compression_policy(${literal}, compress_after => ${compressAfter}::bigint, if_not_exists => TRUE)`,
    );
  }
  if (retention !== null) {
    statements.push(
      `SELECT add_retention_policy(${literal}, drop_after => ${retention}::bigint, if_not_exists => TRUE)`,
    );
  }
  return statements;
}

const days = (us: number) => `${us / DAY_US} d`;

/**
 * The one line {@link PostgresStore.connect} logs, saying which partitioning is in use and with
 * which settings.
 *
 * @example
 * partitionModeLine({ mode: 'native', database: 'ticks', timescaleVersion: undefined, partitionUs: DAY_US });
 * // "@tickerml/storage: PostgreSQL database 'ticks' uses native range partitioning on timestamp, 24 h per partition (TimescaleDB is not installed); old partitions are dropped by the retention job"
 */
export function partitionModeLine(state: {
  readonly mode: PartitionMode;
  readonly database: string;
  /** The extension's version when the server offers it. */
  readonly timescaleVersion: string | undefined;
  /** Width of one native partition, µs. */
  readonly partitionUs: number;
  readonly timescale?: TimescaleOptions;
}): string {
  const head = `@tickerml/storage: PostgreSQL database '${state.database}' uses`;
  if (state.mode === PartitionMode.Timescale) {
    const ts = state.timescale ?? {};
    const compress = ts.compressAfterUs === undefined ? 7 * DAY_US : ts.compressAfterUs;
    const retention = ts.retentionUs ?? null;
    return (
      `${head} TimescaleDB ${state.timescaleVersion ?? ''} hypertables, ${(ts.chunkIntervalUs ?? DAY_US) / 3_600_000_000} h chunks, ` +
      `${compress === null ? 'no compression' : `compression after ${days(compress)}`}, ` +
      `${retention === null ? 'no retention policy' : `market data dropped after ${days(retention)}`}`
    );
  }
  const why = state.timescaleVersion === undefined ? 'TimescaleDB is not installed' : 'TimescaleDB not enabled';
  return `${head} native range partitioning on timestamp, ${state.partitionUs / 3_600_000_000} h per partition (${why}); old partitions are dropped by the retention job`;
}

/** The function TimescaleDB uses as "now" for integer-µs time columns. */
export const TIMESCALE_NOW_FUNCTION =
  'CREATE OR REPLACE FUNCTION tickerml_now_us() RETURNS bigint LANGUAGE SQL STABLE AS $$ SELECT (extract(epoch FROM now()) * 1000000)::bigint $$';

/** Encodes one value as a CSV field for `COPY ... (FORMAT csv)`: NULL unquoted-empty, every string quoted. */
function csvField(value: unknown, type: ColumnType | 'id'): string {
  if (value === null || value === undefined) return '';
  switch (type) {
    case 'json':
      return `"${(value instanceof JsonText ? value.text : JSON.stringify(value)).replaceAll('"', '""')}"`;
    case 'text':
    case 'decimal':
      return `"${(value as string).replaceAll('"', '""')}"`;
    default:
      return String(value);
  }
}

function isMissingServer(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    ([
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ECONNRESET',
      '3D000',
      '28P01',
      '28000',
    ].includes(code) ||
      code.startsWith('08'))
  );
}

/**
 * A PostgreSQL database holding every TickerML table.
 *
 * @example
 * const store = await PostgresStore.connect('postgres://postgres@127.0.0.1:5432/ticks', { instruments });
 * await store.writeEvents(events); // one transaction, COPY per table
 * const last = await store.latest('trades', 10, { exchange: 'binanceus', symbol: 'BTC/USDT' });
 * await store.close();
 */
export class PostgresStore {
  readonly #pool: pg.Pool;
  readonly #instruments: InstrumentLookup;
  readonly #partitionUs: number;
  readonly #knownPartitions = new Map<TableName, Set<number>>();
  #mode: PartitionMode = PartitionMode.Native;

  private constructor(
    readonly url: string,
    pool: pg.Pool,
    options: PostgresStoreOptions,
  ) {
    this.#pool = pool;
    this.#instruments = toLookup(options.instruments);
    this.#partitionUs = options.partitionUs ?? DAY_US;
  }

  /** Which partitioning the tables use. */
  get mode(): PartitionMode {
    return this.#mode;
  }

  /**
   * Connects, detects TimescaleDB, brings the schema up to date, and logs which partitioning is in use.
   *
   * @throws {InvalidConnectionStringError} if `url` is not a postgres URL.
   * @throws {DatabaseUnreachableError} if the server cannot be reached or refuses (wrong port, unknown database, auth).
   * @throws {SchemaVersionError} if the database was written by a newer version.
   */
  static async connect(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    parsePostgresUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    });
    pool.on('error', () => {
      // An idle client lost its connection; the next query reports it.
    });
    try {
      const client = await pool.connect();
      client.release();
    } catch (error) {
      await pool.end().catch(() => {});
      if (isMissingServer(error) || error instanceof Error) throw new DatabaseUnreachableError(url, error);
      throw error;
    }
    const store = new PostgresStore(url, pool, options);
    try {
      await store.#setUp(options);
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return store;
  }

  async #setUp(options: PostgresStoreOptions): Promise<void> {
    const client = await this.#pool.connect();
    try {
      const available = await client.query<{ default_version: string }>(
        "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'",
      );
      const timescaleVersion = available.rows[0]?.default_version;
      let useTimescale = timescaleVersion !== undefined && options.partitioning !== 'native';
      if (useTimescale) {
        try {
          await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
        } catch {
          useTimescale = false; // available but not preloaded: fall back, and say so below
        }
      }
      await client.query('BEGIN');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('tickerml_storage_migrations'))");
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at_us bigint NOT NULL)',
      );
      const current = Number(
        (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0,
      );
      if (current > SCHEMA_VERSION) throw new SchemaVersionError(current, SCHEMA_VERSION);
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue;
        if (migration.version === 1 && useTimescale) await client.query(TIMESCALE_NOW_FUNCTION);
        for (const name of migration.tables) {
          // The account's history (orders, fills, portfolio_state) gets no retention policy.
          const timescale = MARKET_TABLES.includes(name)
            ? options.timescale
            : { ...options.timescale, retentionUs: null };
          const ddl = useTimescale ? timescaleTableDdl(tableSpec(name), timescale) : nativeTableDdl(tableSpec(name));
          for (const sql of ddl) await client.query(sql);
        }
        await client.query('INSERT INTO schema_migrations (version, description, applied_at_us) VALUES ($1, $2, $3)', [
          migration.version,
          migration.description,
          Date.now() * 1000,
        ]);
      }
      await client.query('COMMIT');
      const kind = await client.query<{ relkind: string }>(
        "SELECT relkind FROM pg_class WHERE oid = 'trades'::regclass",
      );
      this.#mode = kind.rows[0]?.relkind === 'p' ? PartitionMode.Native : PartitionMode.Timescale;
      const line = partitionModeLine({
        mode: this.#mode,
        database: new URL(this.url).pathname.slice(1),
        timescaleVersion,
        partitionUs: this.#partitionUs,
        ...(options.timescale === undefined ? {} : { timescale: options.timescale }),
      });
      (options.log ?? ((message: string) => process.stderr.write(`${message}\n`)))(line);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** The schema version the database is at. */
  async schemaVersion(): Promise<number> {
    const result = await this.#pool.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    return Number(result.rows[0]?.v ?? 0);
  }

  /** Creates the native partitions that rows with these timestamps need (no-op under TimescaleDB). */
  async #ensurePartitions(client: pg.PoolClient, table: TableName, rows: readonly Row[]): Promise<void> {
    if (this.#mode !== PartitionMode.Native) return;
    let known = this.#knownPartitions.get(table);
    if (known === undefined) {
      known = new Set();
      this.#knownPartitions.set(table, known);
    }
    const width = this.#partitionUs;
    const needed = new Set<number>();
    for (const row of rows) {
      const ts = row.timestamp;
      if (typeof ts !== 'number') continue; // rowValues reports it
      const start = Math.floor(ts / width) * width;
      if (!known.has(start)) needed.add(start);
    }
    for (const start of needed) {
      const name = quoteIdent(`${table}_p${start < 0 ? `m${-start}` : start}`);
      try {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF ${quoteIdent(table)} FOR VALUES FROM (${start}) TO (${start + width})`,
        );
      } catch (error) {
        // Another connection created it at the same moment.
        const code = (error as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
      known.add(start);
    }
  }

  async #copy(client: pg.PoolClient, table: TableName, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const spec = tableSpec(table);
    const withIds = typeof rows[0]?.id === 'number';
    const names = [...(withIds ? ['id'] : []), ...spec.columns.map((c) => c.name)].map(quoteIdent).join(', ');
    const stream = client.query(copyStreams.from(`COPY ${quoteIdent(table)} (${names}) FROM STDIN WITH (FORMAT csv)`));
    const types = spec.columns.map((c) => c.type);
    function* chunks(): Generator<string> {
      let chunk = '';
      for (const row of rows) {
        const values = rowValues(spec, row);
        let line = '';
        if (withIds) {
          if (typeof row.id !== 'number' || !Number.isSafeInteger(row.id))
            throw new StorageError(`${table}.id: every row of a batch must carry an id when the first does`);
          line = `${row.id},`;
        }
        for (let i = 0; i < values.length; i++) {
          if (i > 0) line += ',';
          line += csvField(values[i], types[i] as ColumnType);
        }
        chunk += `${line}\n`;
        if (chunk.length > 1 << 16) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk.length > 0) yield chunk;
    }
    await pipeline(Readable.from(chunks()), stream);
  }

  async #transaction(groups: ReadonlyMap<TableName, Row[]>): Promise<void> {
    const client = await this.#pool.connect();
    try {
      for (const [table, rows] of groups) await this.#ensurePartitions(client, table, rows);
      await client.query('BEGIN');
      for (const [table, rows] of groups) await this.#copy(client, table, rows);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * Writes events in one transaction (COPY per table): all or none. Resolves once committed.
   *
   * @throws {UnknownInstrumentError} if a snapshot, trade or mark price names an unknown instrument.
   * @throws {InvalidRowError} if a value does not fit its column.
   */
  async writeEvents(events: readonly MarketEvent[]): Promise<void> {
    const groups = new Map<TableName, Row[]>();
    for (const event of events) {
      const { table, row } = eventToRow(event, this.#instruments);
      let rows = groups.get(table);
      if (rows === undefined) {
        rows = [];
        groups.set(table, rows);
      }
      rows.push(row);
    }
    await this.#transaction(groups);
  }

  /**
   * Inserts rows into `table` with COPY in one transaction (all or none). Rows that carry an
   * `id` keep it (then every row of the call must).
   *
   * @throws {InvalidRowError} naming the table and column of a value that does not fit.
   */
  async insert<T extends TableName>(table: T, rows: readonly TableRows[T][]): Promise<void> {
    await this.#transaction(new Map([[table, rows as unknown as Row[]]]));
  }

  /**
   * Copies rows with their ids, skipping any id already present (idempotent), in one transaction;
   * used by migration. Returns how many rows were new.
   */
  async insertIfAbsent(table: TableName, rows: readonly Row[]): Promise<number> {
    if (rows.length === 0) return 0;
    const spec = tableSpec(table);
    const client = await this.#pool.connect();
    const staging = quoteIdent(`staging_${table}`);
    const names = ['id', ...spec.columns.map((c) => c.name)].map(quoteIdent).join(', ');
    try {
      await this.#ensurePartitions(client, table, rows);
      await client.query('BEGIN');
      await client.query(`CREATE TEMP TABLE ${staging} (LIKE ${quoteIdent(table)} INCLUDING DEFAULTS) ON COMMIT DROP`);
      const stream = client.query(copyStreams.from(`COPY ${staging} (${names}) FROM STDIN WITH (FORMAT csv)`));
      const types = spec.columns.map((c) => c.type);
      let text = '';
      for (const row of rows) {
        const values = rowValues(spec, row);
        text += `${row.id as number}`;
        for (let i = 0; i < values.length; i++) text += `,${csvField(values[i], types[i] as ColumnType)}`;
        text += '\n';
      }
      await pipeline(Readable.from([text]), stream);
      const result = await client.query(
        `INSERT INTO ${quoteIdent(table)} (${names}) SELECT ${names} FROM ${staging} ON CONFLICT ("id", "timestamp") DO NOTHING`,
      );
      await client.query(
        `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max("id") FROM ${quoteIdent(table)}), 1))`,
      );
      await client.query('COMMIT');
      return result.rowCount ?? 0;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Rows of `table` matching `query` (venue, symbol, time range), oldest first unless `order: 'desc'`. */
  async query<T extends TableName>(table: T, query: RowQuery = {}): Promise<TableRows[T][]> {
    const spec = tableSpec(table);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(`${sql} $${params.length}`);
    };
    if (query.exchange !== undefined) add('"exchange" =', query.exchange);
    if (query.symbol !== undefined) add('"symbol" =', query.symbol);
    if (query.fromUs !== undefined) add('"timestamp" >=', query.fromUs);
    if (query.toUs !== undefined) add('"timestamp" <', query.toUs);
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    let sql = `SELECT * FROM ${quoteIdent(table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "timestamp" ${direction}, "id" ${direction}`;
    if (query.limit !== undefined) {
      params.push(query.limit);
      sql += ` LIMIT $${params.length}`;
    }
    const result = await this.#pool.query(sql, params);
    return result.rows.map((row: Row) => decodePostgresRow(spec, row)) as unknown as TableRows[T][];
  }

  /** The newest `n` rows of `table` (optionally for one venue and symbol), newest first. */
  async latest<T extends TableName>(
    table: T,
    n: number,
    filter: Pick<RowQuery, 'exchange' | 'symbol'> = {},
  ): Promise<TableRows[T][]> {
    return this.query(table, { ...filter, limit: n, order: 'desc' });
  }

  /** Book snapshots in a venue/symbol/time range, rebuilt as events. */
  async readBookSnapshots(query: RowQuery = {}): Promise<BookSnapshot[]> {
    return (await this.query('order_books', query)).map(rowToBookSnapshot);
  }

  /** Trades in a venue/symbol/time range, rebuilt as events. */
  async readTrades(query: RowQuery = {}): Promise<Trade[]> {
    return (await this.query('trades', query)).map(rowToTrade);
  }

  /** Funding rates in a venue/symbol/time range, rebuilt as events. */
  async readFundingRates(query: RowQuery = {}): Promise<FundingRate[]> {
    return (await this.query('funding_rates', query)).map(rowToFundingRate);
  }

  /** Book deltas, L3 and feed-health events in a venue/symbol/time range, rebuilt as events. */
  async readMarketEvents(query: RowQuery = {}): Promise<MarketEvent[]> {
    return (await this.query('market_events', query)).map((row: MarketEventRow) => rowToGenericEvent(row));
  }

  /** Number of rows in `table`. */
  async count(table: TableName): Promise<number> {
    tableSpec(table);
    const result = await this.#pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Up to `limit` rows of `table` with `id > afterId`, in id order, decoded like {@link query}. */
  async rowsAfter(table: TableName, afterId: number, limit: number): Promise<Row[]> {
    const spec = tableSpec(table);
    const result = await this.#pool.query(`SELECT * FROM ${quoteIdent(table)} WHERE "id" > $1 ORDER BY "id" LIMIT $2`, [
      afterId,
      limit,
    ]);
    return result.rows.map((row: Row) => decodePostgresRow(spec, row));
  }

  /** Runs a statement on the pool (for migration bookkeeping and tests). */
  async execute(sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult> {
    return this.#pool.query(sql, params as unknown[]);
  }

  /**
   * Native partitioning: drops every partition of `tables` (default: the market-data tables;
   * orders, fills and portfolio_state are kept unless named) whose whole range is older than
   * `cutoffUs` (exclusive upper bound ≤ cutoff). Returns the dropped partitions' names. Under TimescaleDB
   * this does nothing (its retention policy does the work) and returns `[]`.
   *
   * @example
   * await store.dropPartitionsOlderThan(nowUs - 30 * DAY_US);
   */
  async dropPartitionsOlderThan(cutoffUs: number, tables: readonly TableName[] = MARKET_TABLES): Promise<string[]> {
    if (this.#mode !== PartitionMode.Native) return [];
    const result = await this.#pool.query<{ parent: string; child: string; bound: string }>(
      `SELECT p.relname AS parent, c.relname AS child, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = ANY($1::text[]) AND p.relnamespace = c.relnamespace AND c.relnamespace = 'public'::regnamespace`,
      [tables as unknown as string[]],
    );
    const dropped: string[] = [];
    for (const row of result.rows) {
      const match = /TO \('?(-?\d+)'?\)/.exec(row.bound);
      if (match === null) continue;
      const upper = Number(match[1]);
      if (upper <= cutoffUs) {
        await this.#pool.query(`DROP TABLE IF EXISTS ${quoteIdent(row.child)}`);
        const from = /FROM \('?(-?\d+)'?\)/.exec(row.bound);
        if (from !== null) this.#knownPartitions.get(row.parent as TableName)?.delete(Number(from[1]));
        dropped.push(row.child);
      }
    }
    return dropped.sort();
  }

  /**
   * Runs {@link dropPartitionsOlderThan} every `intervalMs` with a cutoff of `now - retentionUs`.
   * Returns a function that stops it. Time and timers come from `options.clock`.
   *
   * @example
   * const stop = store.startRetentionJob({ retentionUs: 30 * DAY_US, intervalMs: 3_600_000, clock });
   */
  startRetentionJob(options: RetentionJobOptions): () => void {
    const clock = options.clock;
    const nowUs = () => clock.nowUs();
    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      this.dropPartitionsOlderThan(nowUs() - options.retentionUs)
        .then((dropped) => options.onPass?.(dropped))
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = false;
        });
    };
    const name = retentionTimerName('postgres');
    clock.setTimer(name, retentionIntervalUs(options.intervalMs), undefined, undefined, tick);
    tick();
    return () => {
      clock.cancelTimer(name);
    };
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#pool.end();
  }
}

/** Turns a row as `pg` returns it (bigint as text, numeric as text, jsonb parsed) into the typed row. */
export function decodePostgresRow(spec: TableSpec, row: Row): Row {
  row.id = Number(row.id);
  for (const column of spec.columns) {
    const value = row[column.name];
    if (value === null || value === undefined) continue;
    if (column.type === 'int') row[column.name] = Number(value);
    else if (column.type === 'float' && typeof value === 'string') row[column.name] = Number(value);
  }
  return row;
}
