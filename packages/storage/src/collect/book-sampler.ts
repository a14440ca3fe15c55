/**
 * The book-snapshot sampler: keeps an L2 book per venue and symbol from the event stream and
 * hands out its top levels once per cadence interval, for the `order_books` table.
 *
 * @module
 */

import type { BookDelta, BookSnapshot, Level, MarketEvent } from '@tickerml/core';
import { L2Book } from '@tickerml/microstructure';
import { CollectOptionError } from './errors.js';

/** Options of {@link BookSampler}. */
export interface BookSamplerOptions {
  /** Cadence, µs: at most one sample per book per interval of `localTs`. */
  readonly intervalUs: number;
  /** Levels per side in each sample, best first. */
  readonly levels: number;
  /** Receives each sample (a fresh object; the sampler keeps no reference to it). */
  readonly onSample: (sample: BookSnapshot) => void;
  /**
   * Ticks each side of the first snapshot's mid held in a direct-indexed window (see
   * `L2BookOptions` of `@tickerml/microstructure`); levels outside it are still kept exactly, in a
   * slower sorted fallback. Default 16,384 (512 KiB per book): at 4,096 ticks (±40 USDT) much of
   * the bundled Binance BTC/USDT recording's 1,000-level snapshot sits in the fallback.
   */
  readonly roiHalfWidthTicks?: number;
}

interface SampledBook {
  book: L2Book;
  /** Whether the book holds a snapshot (false after a disconnect until the next one). */
  synced: boolean;
  /** `localTs` at or after which the next sample is due, µs. */
  nextDueUs: number;
}

/**
 * Samples each book at a fixed cadence of `localTs`.
 *
 * Rule: the cadence divides time into intervals `[k·intervalUs, (k+1)·intervalUs)`; a book is
 * sampled at the first of its own book events (snapshot or delta) whose `localTs` falls in an
 * interval it has no sample in yet, *after* applying that event. The sample is the book exactly
 * as it stood after that event, stamped with that event's `exchTs`, `localTs` and `seq`, so a
 * row never mixes times and is reproducible from the recording. A book with no event in an
 * interval gets no sample for it (nothing changed: the previous row still holds). After a
 * `disconnected`, `gap_detected` or `checksum_mismatch` event a book is not sampled again until
 * its next snapshot (the feed resyncs with one); a snapshot replaces
 * the book (and its `depth`, for venues that send no deletes beyond their subscription depth,
 * bounds it). Deltas before the first snapshot are ignored. Events of other kinds are ignored.
 *
 * @example
 * ```ts
 * const rows: BookSnapshot[] = [];
 * const sampler = new BookSampler({ intervalUs: 1_000_000, levels: 20, onSample: (s) => rows.push(s) });
 * for (const event of events) sampler.onEvent(event);
 * ```
 */
export class BookSampler {
  readonly #o: BookSamplerOptions;
  readonly #books = new Map<string, Map<string, SampledBook>>();
  /** Samples handed out so far. */
  samples = 0;

  /** @throws {CollectOptionError} when the interval or the level count is not a positive integer. */
  constructor(options: BookSamplerOptions) {
    if (!Number.isSafeInteger(options.intervalUs) || options.intervalUs < 1)
      throw new CollectOptionError('intervalUs', 'a positive integer number of microseconds', options.intervalUs);
    if (!Number.isSafeInteger(options.levels) || options.levels < 1)
      throw new CollectOptionError('levels', 'a positive integer', options.levels);
    this.#o = options;
  }

  /** Applies one event; calls `onSample` when it is the book's first event of a new interval. */
  onEvent(e: MarketEvent): void {
    if (e.kind === 'book_snapshot') {
      let b = this.#get(e.venue, e.symbol);
      if (b === undefined || (e.depth !== undefined && e.depth > 0)) {
        // A depth-bounded book (Kraken) is rebuilt with its bound; the others keep their window.
        b = this.#create(e.venue, e.symbol, e.depth);
      }
      b.book.applySnapshot(e.bids, e.asks);
      b.synced = true;
      this.#maybeSample(b, e);
    } else if (e.kind === 'book_delta') {
      const b = this.#get(e.venue, e.symbol);
      if (b === undefined || !b.synced) return;
      b.book.applyDelta(e);
      this.#maybeSample(b, e);
    } else if (e.kind === 'disconnected' || e.kind === 'gap_detected' || e.kind === 'checksum_mismatch') {
      const b = this.#get(e.venue, e.symbol);
      if (b !== undefined) b.synced = false;
    }
  }

  #get(venue: string, symbol: string): SampledBook | undefined {
    return this.#books.get(venue)?.get(symbol);
  }

  #create(venue: string, symbol: string, depth: number | undefined): SampledBook {
    let symbols = this.#books.get(venue);
    if (symbols === undefined) {
      symbols = new Map();
      this.#books.set(venue, symbols);
    }
    const previous = symbols.get(symbol);
    const b: SampledBook = {
      book: new L2Book({
        roiHalfWidthTicks: this.#o.roiHalfWidthTicks ?? 16_384,
        ...(depth !== undefined && depth > 0 ? { maxDepth: depth } : {}),
      }),
      synced: false,
      nextDueUs: previous?.nextDueUs ?? Number.NEGATIVE_INFINITY,
    };
    symbols.set(symbol, b);
    return b;
  }

  #maybeSample(b: SampledBook, e: BookSnapshot | BookDelta): void {
    if (e.localTs < b.nextDueUs) return;
    const interval = this.#o.intervalUs;
    b.nextDueUs = (Math.floor(e.localTs / interval) + 1) * interval;
    const n = this.#o.levels;
    const bids: Level[] = [];
    const asks: Level[] = [];
    b.book.forEachLevel('bid', (priceTicks, qtyLots) => void bids.push({ priceTicks, qtyLots }), n);
    b.book.forEachLevel('ask', (priceTicks, qtyLots) => void asks.push({ priceTicks, qtyLots }), n);
    this.samples++;
    this.#o.onSample({
      kind: 'book_snapshot',
      venue: e.venue,
      symbol: e.symbol,
      exchTs: e.exchTs,
      localTs: e.localTs,
      ...(e.seq === undefined ? {} : { seq: e.seq }),
      bids,
      asks,
      depth: n,
    });
  }
}
