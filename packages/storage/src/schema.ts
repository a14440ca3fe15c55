/**
 * The storage schema, written once and rendered for SQLite and PostgreSQL.
 *
 * Every table has an `id` (assigned on insert, increasing, kept verbatim by migration) and a
 * `timestamp` in integer microseconds since the Unix epoch (the time column PostgreSQL
 * partitions on). Prices, quantities and money are exact decimal text in SQLite and `numeric`
 * in PostgreSQL, never floats; only statistics (imbalance, drawdown, Sharpe, feature values)
 * are floats.
 *
 * @module
 */

import { UnknownTableError } from './errors.js';

/** How a column is stored and read back. */
export const ColumnType = {
  /** Integer (timestamps in µs, ticks, lots, counts): SQLite INTEGER, PostgreSQL bigint; read as a `number`. */
  Int: 'int',
  /** Text: SQLite TEXT, PostgreSQL text; read as a `string`. */
  Text: 'text',
  /** Exact decimal: SQLite TEXT, PostgreSQL numeric; read as a decimal `string`. */
  Decimal: 'decimal',
  /** JSON document: SQLite TEXT, PostgreSQL jsonb; read as the parsed value. */
  Json: 'json',
  /** Float statistic: SQLite REAL, PostgreSQL double precision; read as a `number`. */
  Float: 'float',
} as const;
export type ColumnType = (typeof ColumnType)[keyof typeof ColumnType];

/** One column of a table. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  /** Whether NULL is allowed. */
  readonly nullable: boolean;
}

/** One table: its columns in storage order (after `id`) and the indexes queries rely on. */
export interface TableSpec {
  readonly name: TableName;
  /** Data columns, in order; `id` is implicit and comes first. */
  readonly columns: readonly ColumnSpec[];
  /** Whether the table has `exchange` and `symbol` columns (so queries can filter by venue and symbol). */
  readonly byInstrument: boolean;
}

const col = (name: string, type: ColumnType, nullable = false): ColumnSpec => ({ name, type, nullable });

/** Every table, in the order migration copies them. */
export const TABLE_NAMES = [
  'order_books',
  'trades',
  'ohlcv',
  'funding_rates',
  'market_events',
  'features',
  'orders',
  'fills',
  'portfolio_state',
  'news',
] as const;
export type TableName = (typeof TABLE_NAMES)[number];

const header = [
  col('timestamp', 'int'),
  col('local_ts', 'int'),
  col('exchange', 'text'),
  col('symbol', 'text'),
  col('seq', 'int', true),
];

/** The tables, keyed by name. */
export const TABLES: { readonly [K in TableName]: TableSpec } = {
  news: {
    name: 'news',
    byInstrument: false,
    // One harvested news item (docs/news.md): `timestamp` is when the box first saw it (its
    // localTs, the only time features may use); `published_ts` the publisher's own stamp.
    columns: [
      col('timestamp', 'int'),
      col('published_ts', 'int', true),
      col('source', 'text'),
      col('url', 'text'),
      col('title', 'text'),
      col('summary', 'text'),
      col('assets', 'json'),
      col('content_hash', 'text'),
      // [{asset, sentiment, relevance, reason, scorer}] once scored.
      col('scores', 'json', true),
    ],
  },
  order_books: {
    name: 'order_books',
    byInstrument: true,
    columns: [
      ...header,
      // Seed shape: lists of [price, quantity, queue_position] with exact decimal text prices and
      // quantities; queue_position is the level's rank from the top of the book (0 = best).
      col('bids', 'json'),
      col('asks', 'json'),
      col('mid_price', 'decimal', true),
      col('spread', 'decimal', true),
      col('imbalance', 'float', true),
      col('tick_size', 'text'),
      col('lot_size', 'text'),
      col('depth', 'int', true),
    ],
  },
  trades: {
    name: 'trades',
    byInstrument: true,
    columns: [
      ...header,
      col('trade_id', 'text'),
      col('price', 'decimal'),
      col('quantity', 'decimal'),
      col('side', 'text'),
      col('price_ticks', 'int'),
      col('qty_lots', 'int'),
      col('tick_size', 'text'),
      col('lot_size', 'text'),
    ],
  },
  ohlcv: {
    name: 'ohlcv',
    byInstrument: true,
    columns: [
      col('timestamp', 'int'),
      col('exchange', 'text'),
      col('symbol', 'text'),
      col('interval_s', 'int'),
      col('open', 'decimal'),
      col('high', 'decimal'),
      col('low', 'decimal'),
      col('close', 'decimal'),
      col('volume', 'decimal'),
      col('trade_count', 'int', true),
    ],
  },
  funding_rates: {
    name: 'funding_rates',
    byInstrument: true,
    columns: [
      ...header,
      col('rate', 'decimal'),
      col('funding_ts', 'int'),
      col('mark_price', 'decimal', true),
      col('mark_price_ticks', 'int', true),
      col('tick_size', 'text', true),
    ],
  },
  market_events: {
    name: 'market_events',
    byInstrument: true,
    // Book deltas, L3 order events and feed-health events: the event body (ticks/lots) as JSON.
    columns: [...header, col('kind', 'text'), col('payload', 'json')],
  },
  features: {
    name: 'features',
    byInstrument: true,
    columns: [
      col('timestamp', 'int'),
      col('exchange', 'text'),
      col('symbol', 'text'),
      col('feature_set', 'text'),
      col('values', 'json'),
    ],
  },
  orders: {
    name: 'orders',
    byInstrument: true,
    columns: [
      col('timestamp', 'int'),
      col('exchange', 'text'),
      col('symbol', 'text'),
      col('order_id', 'text'),
      col('side', 'text'),
      col('order_type', 'text'),
      col('price', 'decimal', true),
      col('quantity', 'decimal'),
      col('status', 'text'),
      col('reason', 'text', true),
    ],
  },
  fills: {
    name: 'fills',
    byInstrument: true,
    columns: [
      col('timestamp', 'int'),
      col('exchange', 'text'),
      col('symbol', 'text'),
      col('order_id', 'text'),
      col('fill_id', 'text'),
      col('side', 'text'),
      col('price', 'decimal'),
      col('quantity', 'decimal'),
      col('fee', 'decimal'),
      col('fee_currency', 'text'),
      col('liquidity', 'text'),
    ],
  },
  portfolio_state: {
    name: 'portfolio_state',
    byInstrument: false,
    columns: [
      col('timestamp', 'int'),
      col('cash_balance', 'decimal'),
      col('total_value', 'decimal'),
      col('positions', 'json'),
      col('daily_pnl', 'decimal'),
      col('max_drawdown', 'float'),
      col('sharpe_ratio', 'float', true),
    ],
  },
};

/** A stored row: column name → value (`number` for int/float, `string` for text/decimal, parsed JSON, or `null`). */
export type Row = Record<string, unknown>;

/** Row types for each table, as written and as read back (`id` present when read). */
export interface OrderBookRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly local_ts: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly seq: number | null;
  /** `[price, quantity, queue_position]`, best first; price and quantity exact decimal text. */
  readonly bids: readonly (readonly [string, string, number])[];
  readonly asks: readonly (readonly [string, string, number])[];
  readonly mid_price: string | null;
  readonly spread: string | null;
  /** (bid lots − ask lots) / (bid lots + ask lots) over the stored levels, in [−1, 1]. */
  readonly imbalance: number | null;
  readonly tick_size: string;
  readonly lot_size: string;
  readonly depth: number | null;
}
export interface TradeRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly local_ts: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly seq: number | null;
  readonly trade_id: string;
  readonly price: string;
  readonly quantity: string;
  /** Aggressor side: `buy`, `sell` or `unknown`. */
  readonly side: string;
  readonly price_ticks: number;
  readonly qty_lots: number;
  readonly tick_size: string;
  readonly lot_size: string;
}
export interface OhlcvRow {
  readonly id?: number;
  /** Bar open time, µs. */
  readonly timestamp: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly interval_s: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly trade_count: number | null;
}
export interface FundingRateRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly local_ts: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly seq: number | null;
  readonly rate: string;
  readonly funding_ts: number;
  readonly mark_price: string | null;
  readonly mark_price_ticks: number | null;
  readonly tick_size: string | null;
}
export interface MarketEventRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly local_ts: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly seq: number | null;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
}
export interface FeatureRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly feature_set: string;
  readonly values: Readonly<Record<string, number>>;
}
/** One `news` row: a harvested item, stamped with when the box first saw it. */
export interface NewsRow {
  readonly id?: number;
  /** When the box first saw the item (its `localTs`), µs since the epoch. */
  readonly timestamp: number;
  /** The publisher's timestamp, µs, or null. */
  readonly published_ts: number | null;
  readonly source: string;
  readonly url: string;
  readonly title: string;
  readonly summary: string;
  readonly assets: readonly string[];
  readonly content_hash: string;
  /** Scores per asset once scored (`scorer` is `ollama:<model>` or `vader`), or null. */
  readonly scores:
    | readonly {
        readonly asset: string;
        readonly sentiment: number;
        readonly relevance: number;
        readonly reason: string;
        readonly scorer: string;
      }[]
    | null;
}
export interface OrderRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly order_id: string;
  readonly side: string;
  readonly order_type: string;
  readonly price: string | null;
  readonly quantity: string;
  readonly status: string;
  readonly reason: string | null;
}
export interface FillRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly exchange: string;
  readonly symbol: string;
  readonly order_id: string;
  readonly fill_id: string;
  readonly side: string;
  readonly price: string;
  readonly quantity: string;
  readonly fee: string;
  readonly fee_currency: string;
  /** `maker` or `taker`. */
  readonly liquidity: string;
}
export interface PortfolioStateRow {
  readonly id?: number;
  readonly timestamp: number;
  readonly cash_balance: string;
  readonly total_value: string;
  /** Symbol → position, free-form JSON (quantities as decimal text). */
  readonly positions: Readonly<Record<string, unknown>>;
  readonly daily_pnl: string;
  readonly max_drawdown: number;
  readonly sharpe_ratio: number | null;
}

/** Maps a table name to its row type. */
export interface TableRows {
  order_books: OrderBookRow;
  trades: TradeRow;
  ohlcv: OhlcvRow;
  funding_rates: FundingRateRow;
  market_events: MarketEventRow;
  features: FeatureRow;
  orders: OrderRow;
  fills: FillRow;
  portfolio_state: PortfolioStateRow;
  news: NewsRow;
}

/** The current schema version; each entry of {@link MIGRATIONS} raises it by one. */
export const SCHEMA_VERSION = 2;

/** Versioned migrations: version → description. The DDL is rendered per dialect by each store. */
export const MIGRATIONS: readonly {
  readonly version: number;
  readonly description: string;
  /** The tables this version creates. */
  readonly tables: readonly TableName[];
}[] = [
  {
    version: 1,
    description: 'order_books, trades, ohlcv, funding_rates, market_events, features, orders, fills, portfolio_state',
    tables: [
      'order_books',
      'trades',
      'ohlcv',
      'funding_rates',
      'market_events',
      'features',
      'orders',
      'fills',
      'portfolio_state',
    ],
  },
  { version: 2, description: 'news', tables: ['news'] },
];

/** Filter for {@link SqliteStore.query} and `PostgresStore.query` (in `@tickerml/storage/postgres`). */
export interface RowQuery {
  /** Venue id (the `exchange` column). */
  readonly exchange?: string;
  readonly symbol?: string;
  /** Inclusive lower bound on `timestamp`, µs. */
  readonly fromUs?: number;
  /** Exclusive upper bound on `timestamp`, µs. */
  readonly toUs?: number;
  /** At most this many rows. */
  readonly limit?: number;
  /** `asc` (default) oldest first, or `desc` newest first. */
  readonly order?: 'asc' | 'desc';
}

/**
 * The market-data tables: what retention deletes or drops. Orders, fills and portfolio_state
 * (the account's history) are kept unless a caller names them.
 */
export const MARKET_TABLES: readonly TableName[] = [
  'order_books',
  'trades',
  'ohlcv',
  'funding_rates',
  'market_events',
  'features',
  'news',
];

/** Looks a table up by name; throws {@link UnknownTableError}. */
export function tableSpec(name: string): TableSpec {
  const spec = (TABLES as Record<string, TableSpec | undefined>)[name];
  if (spec === undefined) throw new UnknownTableError(name);
  return spec;
}
