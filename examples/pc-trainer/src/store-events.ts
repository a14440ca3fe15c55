/**
 * Market events from the rows the box collects into SQLite or PostgreSQL (`order_books` samples
 * and `trades`, see `MarketCollector` of `@tickerml/storage`), for `pc-trainer dataset --db` and
 * `--postgres`.
 *
 * What the rows can give: the book only as sampled (top N levels, at most once per
 * `collect.order_books_interval` per book), every trade. A dataset built from them therefore has
 * its book features as of the latest sample before each decision, not of the full stream a
 * recording has; prefer recordings when the box kept them (`collect.raw_frames`).
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
import type { DatasetInstrumentSpec } from '@tickerml/rl';
import { type OrderBookRow, type RowQuery, rowToBookSnapshot, rowToTrade, type TradeRow } from '@tickerml/storage';

/** The reads {@link openStoreEvents} needs: `SqliteStore` (synchronous) and `PostgresStore` (asynchronous) both fit. */
export interface MarketRowStore {
  query(table: 'order_books', query?: RowQuery): readonly OrderBookRow[] | Promise<readonly OrderBookRow[]>;
  query(table: 'trades', query?: RowQuery): readonly TradeRow[] | Promise<readonly TradeRow[]>;
}

/** What {@link openStoreEvents} found in a store. */
export interface StoreEvents {
  /** Every instrument with book rows, sorted by venue then symbol. */
  readonly instruments: DatasetInstrumentSpec[];
  /** Smallest and largest `timestamp` of the book and trade rows, µs (NaN when there is none). */
  readonly fromUs: number;
  readonly toUs: number;
  /**
   * The book samples and trades as events in non-decreasing `localTs`, read an hour of rows at a
   * time. A row received before one already handed out (a trade stamped earlier than a book
   * sample of the next hour) is handed out at that later time, as the recordings' reader does.
   */
  events(): AsyncGenerator<MarketEvent>;
}

/** Rows read per query, µs of the `timestamp` column. */
const CHUNK_US = 3_600_000_000;

async function edge(store: MarketRowStore, order: 'asc' | 'desc'): Promise<number> {
  const [book] = await store.query('order_books', { limit: 1, order });
  const [trade] = await store.query('trades', { limit: 1, order });
  const stamps = [book?.timestamp, trade?.timestamp].filter((t): t is number => t !== undefined);
  if (stamps.length === 0) return Number.NaN;
  return order === 'asc' ? Math.min(...stamps) : Math.max(...stamps);
}

function spec(venue: string, symbol: string, tickSize: string): DatasetInstrumentSpec {
  const [base = symbol, rest = ''] = symbol.split('/');
  return { venue, symbol, tickSize, base, quote: rest.split(':')[0] ?? '' };
}

/**
 * Opens the `order_books` and `trades` rows of a store as a stream of events: one pass over the
 * book rows now (an hour at a time) to find the instruments and their tick sizes, the events on
 * each call of `events()`.
 *
 * @example
 * ```ts
 * const store = SqliteStore.open('data/tickerml.db', { readonly: true });
 * const source = await openStoreEvents(store);
 * await buildDatasetFromEvents({ events: source.events(), instruments: source.instruments, sources, out });
 * ```
 */
export async function openStoreEvents(store: MarketRowStore): Promise<StoreEvents> {
  const fromUs = await edge(store, 'asc');
  const toUs = await edge(store, 'desc');
  const found = new Map<string, DatasetInstrumentSpec>();
  if (!Number.isNaN(fromUs)) {
    for (let start = fromUs; start <= toUs; start += CHUNK_US) {
      for (const row of await store.query('order_books', { fromUs: start, toUs: start + CHUNK_US })) {
        const key = `${row.exchange}\u0000${row.symbol}`;
        if (!found.has(key)) found.set(key, spec(row.exchange, row.symbol, row.tick_size));
      }
    }
  }
  const instruments = [...found.values()].sort((a, b) =>
    a.venue === b.venue ? (a.symbol < b.symbol ? -1 : 1) : a.venue < b.venue ? -1 : 1,
  );
  return {
    instruments,
    fromUs,
    toUs,
    async *events() {
      if (Number.isNaN(fromUs)) return;
      let last = Number.NEGATIVE_INFINITY;
      for (let start = fromUs; start <= toUs; start += CHUNK_US) {
        const query = { fromUs: start, toUs: start + CHUNK_US };
        // Book samples before trades at the same localTs: a trade cannot be known before the book it hit.
        const chunk: MarketEvent[] = [
          ...(await store.query('order_books', query)).map(rowToBookSnapshot),
          ...(await store.query('trades', query)).map(rowToTrade),
        ];
        const order = chunk.map((e, i) => [e, i] as const).sort((a, b) => a[0].localTs - b[0].localTs || a[1] - b[1]);
        for (const [e] of order) {
          if (e.localTs < last) yield { ...e, localTs: last };
          else {
            last = e.localTs;
            yield e;
          }
        }
      }
    },
  };
}
