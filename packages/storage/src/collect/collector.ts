/**
 * The market-data collector: the normalized event stream → rows of `order_books` (sampled top
 * levels), `trades`, `ohlcv` (1-minute bars) and `features` (state vectors at the decision
 * cadence), written in batches to SQLite or PostgreSQL. The pi-trader runs it on its own bus;
 * `tickerml collect` runs it on the Kafka topics. Tables: docs/storage.md.
 *
 * @module
 */

import { type BookSnapshot, fromUnits, type MarketEvent, parseIncrement, UnknownInstrumentError } from '@tickerml/core';
import {
  bookSnapshotToStorageRow,
  type InstrumentLookup,
  type InstrumentSource,
  toLookup,
  tradeToRow,
} from '../rows.js';
import type { FeatureRow, OhlcvRow, Row, TableName, TableRows } from '../schema.js';
import { type InstrumentBar, TradeBars } from './bars.js';
import { BookSampler } from './book-sampler.js';
import { CollectOptionError, FeatureVectorError } from './errors.js';

/** Where the collector writes: {@link SqliteStore} and `PostgresStore` both fit. */
export interface RowSink {
  /** Inserts rows into one table atomically; returns (or resolves) once they are committed. */
  insert<T extends TableName>(table: T, rows: readonly TableRows[T][]): void | Promise<void>;
}

/**
 * The state encoder of one instrument, as the collector uses it. `StateEncoder` of
 * `@tickerml/rl` fits through a two-line adapter (the pi-trader's `collect.ts` has one); the
 * storage package does not depend on `rl`.
 */
export interface FeatureSource {
  /** Layout version of the vector, written in `features.feature_set` (e.g. `state-v1`). */
  readonly version: string;
  /** Name of each vector entry, in order (`values` then `<name>__mask`, as in docs/learning.md). */
  readonly columns: readonly string[];
  /** Sees every event of the stream, in order. */
  onEvent(event: MarketEvent): void;
  /** The vector as of `nowUs` (µs), from the events seen so far. */
  encode(nowUs: number): Float32Array;
}

/** What to collect; a table left out (or `false`) is not written. */
export interface CollectorOptions {
  readonly sink: RowSink;
  /** Tick and lot sizes (exact decimal text for prices and quantities). */
  readonly instruments: InstrumentSource;
  /** Sampled books: cadence (µs) and levels per side. */
  readonly orderBooks?: { readonly intervalUs: number; readonly levels: number } | false;
  /** Every trade. Default true. */
  readonly trades?: boolean;
  /** 1-minute bars from the trades (or bars of `intervalUs`, closed `closeGraceUs` late: see `TradeBarsOptions`). Default true. */
  readonly ohlcv?: boolean | { readonly intervalUs?: number; readonly closeGraceUs?: number };
  /** State vectors at a cadence (µs), of the instruments given an encoder by {@link MarketCollector.addFeatures}. */
  readonly features?: { readonly intervalUs: number } | false;
  /** Rows buffered before a flush starts by itself. Default 5,000. */
  readonly flushRows?: number;
  /**
   * Rows kept while the database refuses them; beyond it the oldest are dropped (counted). Default
   * 100,000 (tens of MB of row objects: the pi-trader runs with a 256 MB heap).
   */
  readonly maxBufferedRows?: number;
  /** Write failures and instruments whose tick size is unknown (once each); collection goes on. */
  readonly onError?: (error: unknown) => void;
}

/** Counters of a {@link MarketCollector}, per table and overall. */
export interface CollectorStats {
  /** Rows committed, per table. */
  readonly written: Readonly<Record<'order_books' | 'trades' | 'ohlcv' | 'features', number>>;
  /** Rows waiting for the next flush. */
  readonly buffered: number;
  /** Rows dropped because the buffer was full while writes failed. */
  readonly dropped: number;
  /** Events of instruments with no known tick and lot size (not written). */
  readonly unknownInstrument: number;
  /** Trades left out of the bars because their minute had already been written. */
  readonly lateTrades: number;
  /** Decision boundaries skipped after a silence longer than 60 intervals (only the last 60 are written). */
  readonly skippedFeatureRows: number;
  /** Failed writes (their rows were kept for the next flush). */
  readonly writeFailures: number;
}

/** Most feature rows written for one event after a silence (the rest of the missed boundaries are skipped). */
const MAX_CATCH_UP = 60;

interface Encoded {
  readonly venue: string;
  readonly symbol: string;
  readonly source: FeatureSource;
}

/**
 * Turns market events into rows and writes them in batches.
 *
 * Feature rows: the decision boundaries are `t = k·intervalUs`; the row of `t` is encoded after
 * every event with `localTs ≤ t` and before any later one, so it is what a policy deciding at
 * `t` could know (the dataset builder's `t0`). One row per boundary per instrument with a
 * source, `timestamp` = `t`, `feature_set` = the source's version, `values` = `{column: value}`
 * over every column (values then masks; a non-finite value is written as `null`).
 *
 * Not thread-safe and synchronous on the hot path: `onEvent` only updates books and bars and
 * buffers rows; {@link flush} writes them (call it from a timer and at shutdown).
 *
 * @example
 * ```ts
 * const store = SqliteStore.open('data/tickerml.sqlite');
 * const collector = new MarketCollector({
 *   sink: store,
 *   instruments: instrumentMap({ 'binance:BTC/USDT': { tickSize: '0.01', lotSize: '0.00001' } }),
 *   orderBooks: { intervalUs: 1_000_000, levels: 20 },
 * });
 * bus.subscribe('market', (e) => collector.onEvent(e));
 * setInterval(() => void collector.flush(), 1_000);
 * // at shutdown
 * await collector.close();
 * ```
 */
export class MarketCollector {
  readonly #sink: RowSink;
  readonly #lookup: InstrumentLookup;
  readonly #sampler: BookSampler | undefined;
  readonly #bars: TradeBars | undefined;
  readonly #trades: boolean;
  readonly #features: CollectorOptions['features'];
  readonly #flushRows: number;
  readonly #maxBuffered: number;
  readonly #onError: (error: unknown) => void;
  readonly #buffers = new Map<'order_books' | 'trades' | 'ohlcv' | 'features', Row[]>([
    ['order_books', []],
    ['trades', []],
    ['ohlcv', []],
    ['features', []],
  ]);
  readonly #written = { order_books: 0, trades: 0, ohlcv: 0, features: 0 };
  #buffered = 0;
  #dropped = 0;
  #unknown = 0;
  #failures = 0;
  #skippedFeatures = 0;
  readonly #reportedUnknown = new Set<string>();
  readonly #encoders: Encoded[] = [];
  #nextFeatureUs = Number.NaN;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  /** @throws {CollectOptionError} on an interval, level count or buffer size out of range. */
  constructor(options: CollectorOptions) {
    this.#sink = options.sink;
    this.#lookup = toLookup(options.instruments);
    this.#onError = options.onError ?? (() => {});
    this.#trades = options.trades ?? true;
    this.#flushRows = options.flushRows ?? 5_000;
    this.#maxBuffered = options.maxBufferedRows ?? 100_000;
    if (!Number.isSafeInteger(this.#flushRows) || this.#flushRows < 1)
      throw new CollectOptionError('flushRows', 'a positive integer', this.#flushRows);
    if (!Number.isSafeInteger(this.#maxBuffered) || this.#maxBuffered < this.#flushRows)
      throw new CollectOptionError('maxBufferedRows', `an integer ≥ flushRows (${this.#flushRows})`, this.#maxBuffered);
    const books = options.orderBooks ?? false;
    this.#sampler =
      books === false
        ? undefined
        : new BookSampler({
            intervalUs: books.intervalUs,
            levels: books.levels,
            onSample: (s) => this.#bookRow(s),
          });
    const ohlcv = options.ohlcv ?? true;
    this.#bars =
      ohlcv === false
        ? undefined
        : new TradeBars({
            ...(ohlcv === true || ohlcv.intervalUs === undefined ? {} : { intervalUs: ohlcv.intervalUs }),
            ...(ohlcv === true || ohlcv.closeGraceUs === undefined ? {} : { closeGraceUs: ohlcv.closeGraceUs }),
            onBar: (bar) => this.#barRow(bar),
          });
    const features = options.features ?? false;
    if (features !== false && (!Number.isSafeInteger(features.intervalUs) || features.intervalUs < 1))
      throw new CollectOptionError(
        'features intervalUs',
        'a positive integer number of microseconds',
        features.intervalUs,
      );
    this.#features = features;
  }

  /**
   * Takes one event of the stream (any kind, any instrument, in `localTs` order per instrument).
   * Never throws for an event's content: an instrument without tick size is counted and reported
   * once through `onError`; a book the sampler cannot apply is reported the same way.
   */
  onEvent(e: MarketEvent): void {
    if (this.#closed) return;
    const features = this.#features;
    if (features !== false && features !== undefined) {
      if (this.#encoders.length > 0) {
        // The decision grid of `DecisionSampler` (`@tickerml/rl`): the first boundary at or after the first event.
        if (Number.isNaN(this.#nextFeatureUs))
          this.#nextFeatureUs = Math.ceil(e.localTs / features.intervalUs) * features.intervalUs;
        // Boundaries strictly before this event: their rows see every event up to them, not this one.
        else if (e.localTs > this.#nextFeatureUs) this.#encodeUntil(e.localTs, features.intervalUs);
      }
      for (let i = 0; i < this.#encoders.length; i++) {
        const enc = this.#encoders[i] as Encoded;
        try {
          enc.source.onEvent(e);
        } catch (error) {
          this.#reportOnce(`features ${enc.venue} ${enc.symbol} event`, error);
        }
      }
    }
    if (this.#sampler !== undefined) {
      try {
        this.#sampler.onEvent(e);
      } catch (error) {
        this.#reportOnce(`book ${e.venue} ${e.symbol}`, error);
      }
    }
    if (e.kind === 'trade') {
      if (this.#trades) {
        const inc = this.#increments(e.venue, e.symbol);
        if (inc !== undefined) this.#push('trades', tradeToRow(e, this.#lookup) as unknown as Row);
      }
      this.#bars?.onTrade(e);
    }
    this.#bars?.closeUntil(e.localTs);
    if (this.#buffered >= this.#flushRows) void this.flush();
  }

  /**
   * Writes a `features` row for `venue`/`symbol` at every decision boundary from now on, encoded
   * by `source` (which sees every later event). One source per instrument.
   *
   * @throws {CollectOptionError} when features are not collected, or the instrument has a source already.
   */
  addFeatures(venue: string, symbol: string, source: FeatureSource): void {
    if (this.#features === false || this.#features === undefined)
      throw new CollectOptionError('features', 'enabled (features: { intervalUs }) before adding a source', false);
    if (this.#encoders.some((e) => e.venue === venue && e.symbol === symbol))
      throw new CollectOptionError('features', `one source per instrument; ${venue} ${symbol} has one`, symbol);
    this.#encoders.push({ venue, symbol, source });
  }

  /** Counters so far. */
  stats(): CollectorStats {
    return {
      written: { ...this.#written },
      buffered: this.#buffered,
      dropped: this.#dropped,
      unknownInstrument: this.#unknown,
      lateTrades: this.#bars?.lateTrades ?? 0,
      skippedFeatureRows: this.#skippedFeatures,
      writeFailures: this.#failures,
    };
  }

  /**
   * Writes every buffered row, one insert per table; resolves once committed. A failed insert is
   * reported through `onError` and its rows stay buffered for the next flush. Flushes run one
   * at a time, in order.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#writeBuffered());
    return this.#flushing;
  }

  /**
   * Stops taking events, writes the bars still forming (with the trades so far) and everything
   * buffered. Resolves once written; rows a failing database still refuses are counted in
   * `buffered`.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#bars?.flush();
    }
    await this.flush();
  }

  async #writeBuffered(): Promise<void> {
    for (const [table, rows] of this.#buffers) {
      if (rows.length === 0) continue;
      const batch = rows.splice(0);
      try {
        await this.#sink.insert(table, batch as never);
        this.#written[table] += batch.length;
        this.#buffered -= batch.length;
      } catch (error) {
        this.#failures++;
        // Back in front of what came in meanwhile (no spread: a batch can hold 100,000 rows).
        this.#buffers.set(table, batch.concat(rows));
        this.#onError(error);
      }
    }
  }

  #push(table: 'order_books' | 'trades' | 'ohlcv' | 'features', row: Row): void {
    const rows = this.#buffers.get(table) as Row[];
    if (this.#buffered >= this.#maxBuffered) {
      // The database has refused rows for a while: keep the newest, count what is lost.
      const largest = [...this.#buffers.values()].reduce((a, b) => (b.length > a.length ? b : a));
      largest.shift();
      this.#buffered--;
      this.#dropped++;
    }
    rows.push(row);
    this.#buffered++;
  }

  #increments(venue: string, symbol: string) {
    const inc = this.#lookup(venue, symbol);
    if (inc === undefined) {
      this.#unknown++;
      this.#reportOnce(`instrument ${venue} ${symbol}`, new UnknownInstrumentError(venue, symbol));
    }
    return inc;
  }

  #reportOnce(key: string, error: unknown): void {
    if (this.#reportedUnknown.has(key)) return;
    this.#reportedUnknown.add(key);
    this.#onError(error);
  }

  #bookRow(s: BookSnapshot): void {
    if (this.#increments(s.venue, s.symbol) === undefined) return;
    this.#push('order_books', bookSnapshotToStorageRow(s, this.#lookup));
  }

  #barRow(bar: InstrumentBar): void {
    const inc = this.#increments(bar.venue, bar.symbol);
    if (inc === undefined) return;
    const tick = parseIncrement(inc.tickSize);
    const row: OhlcvRow = {
      timestamp: bar.startTs,
      exchange: bar.venue,
      symbol: bar.symbol,
      interval_s: Math.round((bar.endTs - bar.startTs) / 1_000_000),
      open: fromUnits(bar.openTicks, tick),
      high: fromUnits(bar.highTicks, tick),
      low: fromUnits(bar.lowTicks, tick),
      close: fromUnits(bar.closeTicks, tick),
      volume: fromUnits(bar.volumeLots, parseIncrement(inc.lotSize)),
      trade_count: bar.tradeCount,
    };
    this.#push('ohlcv', row as unknown as Row);
  }

  #encodeUntil(localTs: number, intervalUs: number): void {
    // Boundaries t with t < localTs, from #nextFeatureUs on; after a long silence only the last MAX_CATCH_UP.
    const last = Math.ceil(localTs / intervalUs) * intervalUs - intervalUs;
    let t = this.#nextFeatureUs;
    const missed = Math.floor((last - t) / intervalUs) + 1;
    if (missed > MAX_CATCH_UP) {
      this.#skippedFeatures += (missed - MAX_CATCH_UP) * this.#encoders.length;
      t = last - (MAX_CATCH_UP - 1) * intervalUs;
    }
    for (; t <= last; t += intervalUs) {
      for (const enc of this.#encoders) this.#featureRow(enc, t);
    }
    this.#nextFeatureUs = last + intervalUs;
  }

  #featureRow(enc: Encoded, t: number): void {
    let vector: Float32Array;
    try {
      vector = enc.source.encode(t);
    } catch (error) {
      this.#reportOnce(`features ${enc.venue} ${enc.symbol} encode`, error);
      return;
    }
    const columns = enc.source.columns;
    if (vector.length !== columns.length) {
      this.#reportOnce(
        `features ${enc.venue} ${enc.symbol}`,
        new FeatureVectorError(enc.venue, enc.symbol, columns.length, vector.length),
      );
      return;
    }
    const values: Record<string, number | null> = {};
    for (let i = 0; i < columns.length; i++) {
      const v = vector[i] as number;
      values[columns[i] as string] = Number.isFinite(v) ? v : null;
    }
    const row: FeatureRow = {
      timestamp: t,
      exchange: enc.venue,
      symbol: enc.symbol,
      feature_set: enc.source.version,
      values: values as Record<string, number>,
    };
    this.#push('features', row as unknown as Row);
  }
}
