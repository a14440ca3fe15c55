/**
 * Market events from the rows the box collects into SQLite (`order_books` samples and `trades`,
 * see `MarketCollector` of `@tickerml/storage`), for `pc-trainer dataset --db`.
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
import type { SqliteStore } from '@tickerml/storage';

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

/**
 * Opens the `order_books` and `trades` rows of a store as a stream of events.
 *
 * @example
 * ```ts
 * const store = SqliteStore.open('data/tickerml.db', { readonly: true });
 * const source = openStoreEvents(store);
 * await buildDatasetFromEvents({ events: source.events(), instruments: source.instruments, sources, out });
 * ```
 */
export function openStoreEvents(store: SqliteStore): StoreEvents {
  const { rows, range } = store.transaction((db) => ({
    rows: db
      .prepare('SELECT exchange, symbol, MIN(tick_size) AS tick_size FROM order_books GROUP BY exchange, symbol')
      .all() as { exchange: string; symbol: string; tick_size: string }[],
    range: db
      .prepare(
        'SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (SELECT MIN("timestamp") AS lo, MAX("timestamp") AS hi FROM order_books UNION ALL SELECT MIN("timestamp"), MAX("timestamp") FROM trades)',
      )
      .get() as { lo: number | null; hi: number | null },
  }));
  const instruments: DatasetInstrumentSpec[] = rows
    .map((r) => {
      const [base = r.symbol, rest = ''] = r.symbol.split('/');
      return { venue: r.exchange, symbol: r.symbol, tickSize: r.tick_size, base, quote: rest.split(':')[0] ?? '' };
    })
    .sort((a, b) => (a.venue === b.venue ? (a.symbol < b.symbol ? -1 : 1) : a.venue < b.venue ? -1 : 1));
  const fromUs = range.lo ?? Number.NaN;
  const toUs = range.hi ?? Number.NaN;
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
        const chunk: MarketEvent[] = [...store.readBookSnapshots(query), ...store.readTrades(query)];
        const order = chunk.map((e, i) => [e, i] as const).sort((a, b) => a[0].localTs - b[0].localTs || a[1] - b[1]);
        for (const [e] of order) {
          if (e.localTs < last) yield { ...e, localTs: last };
          else {
            last = e.localTs;
            yield e;
          }
        }
        // Let the event loop breathe between chunks (progress output, signals).
        await Promise.resolve();
      }
    },
  };
}
