/**
 * OHLCV bars per venue and symbol from the trade stream, for the `ohlcv` table: one
 * `OhlcvBarBuilder` (`@tickerml/microstructure`) per instrument, with the rules a long-running
 * collector needs around it (late trades, closing quiet bars on time, the forming bars at stop).
 *
 * @module
 */

import type { Trade } from '@tickerml/core';
import { type OhlcvBar, OhlcvBarBuilder } from '@tickerml/microstructure';
import { CollectOptionError } from './errors.js';

/** One bar of one instrument. Prices in ticks, volume in lots, times in µs (see `OhlcvBar`). */
export interface InstrumentBar extends OhlcvBar {
  readonly venue: string;
  readonly symbol: string;
}

/** Options of {@link TradeBars}. */
export interface TradeBarsOptions {
  /** Bar width, µs. Default 60,000,000 (1-minute bars). */
  readonly intervalUs?: number;
  /** Receives each bar once it is complete (or, from {@link TradeBars.flush}, as far as it formed). */
  readonly onBar: (bar: InstrumentBar) => void;
  /**
   * How long past its end a bar waits in {@link TradeBars.closeUntil} (time from other events) before
   * it is closed, µs. Default 0. Where trades can arrive behind the other events (Kafka partitions
   * and topics consumed side by side), a grace of a few seconds keeps them out of the late count.
   * A trade of the instrument's next interval still closes its bar at once.
   */
  readonly closeGraceUs?: number;
}

interface Forming {
  readonly venue: string;
  readonly symbol: string;
  readonly builder: OhlcvBarBuilder;
  /** Start of the bar being formed, µs; NaN when no trade is in it. */
  startUs: number;
  /** Latest `localTs` given to the builder, µs. */
  lastUs: number;
  /** End of the latest bar emitted, µs: a trade before it is late. */
  closedUntilUs: number;
}

/**
 * Builds bars of `intervalUs` per venue and symbol from trades, bucketed by the trade's
 * `localTs` (when the box saw it) into `[k·intervalUs, (k+1)·intervalUs)`.
 *
 * Rules, tested in bars.test.ts:
 * - **Boundaries.** A trade at exactly `k·intervalUs` opens bar `k`; the bar's `startTs` is
 *   its interval start, never the first trade's time.
 * - **No trades, no bar.** An interval without trades emits nothing (no flat bar carried over
 *   from the last close): a reader sees the gap.
 * - **On time.** A bar is emitted when a trade of a later interval arrives, or when
 *   {@link TradeBars.closeUntil} (called with the time of any event) passes its end, so a quiet
 *   instrument's last bar is not held back until its next trade.
 * - **Late trades.** A trade whose interval was already emitted is not put in any bar: it is
 *   counted in {@link TradeBars.lateTrades} (the `trades` table still has it). A trade inside the
 *   forming bar that arrives with an earlier `localTs` than the previous one joins the bar in
 *   arrival order (it sets the close if it is the last to arrive).
 * - **Stop.** {@link TradeBars.flush} emits every forming bar with the trades so far; a process
 *   that restarts within the same interval starts a second bar for it (two rows for that
 *   interval: their volumes add, the first one's open and the second one's close hold).
 *
 * @example
 * ```ts
 * const bars = new TradeBars({ onBar: (b) => console.log(b.symbol, b.startTs, b.closeTicks) });
 * bars.onTrade(trade);
 * bars.closeUntil(event.localTs);
 * bars.flush(); // at shutdown
 * ```
 */
export class TradeBars {
  readonly intervalUs: number;
  readonly #onBar: (bar: InstrumentBar) => void;
  readonly #graceUs: number;
  readonly #byVenue = new Map<string, Map<string, Forming>>();
  readonly #all: Forming[] = [];
  /** Earliest end of a forming bar, µs (+∞ when none is forming). */
  #nextCloseUs = Number.POSITIVE_INFINITY;
  /** Trades left out of the bars because their interval had already been emitted. */
  lateTrades = 0;
  /** Bars emitted so far. */
  barsEmitted = 0;

  /** @throws {CollectOptionError} when `intervalUs` is not a positive integer. */
  constructor(options: TradeBarsOptions) {
    const interval = options.intervalUs ?? 60_000_000;
    if (!Number.isSafeInteger(interval) || interval < 1)
      throw new CollectOptionError('ohlcv intervalUs', 'a positive integer number of microseconds', interval);
    const grace = options.closeGraceUs ?? 0;
    if (!Number.isSafeInteger(grace) || grace < 0)
      throw new CollectOptionError('ohlcv closeGraceUs', 'an integer number of microseconds ≥ 0', grace);
    this.intervalUs = interval;
    this.#graceUs = grace;
    this.#onBar = options.onBar;
  }

  /**
   * Adds a trade to its instrument's bar.
   * @returns false when the trade was late (its interval already emitted) and left out.
   */
  onTrade(t: Pick<Trade, 'venue' | 'symbol' | 'localTs' | 'priceTicks' | 'qtyLots'>): boolean {
    const f = this.#forming(t.venue, t.symbol);
    const start = t.localTs - (((t.localTs % this.intervalUs) + this.intervalUs) % this.intervalUs);
    if (start < f.closedUntilUs) {
      this.lateTrades++;
      return false;
    }
    // Inside the forming bar an earlier stamp joins in arrival order (the builder refuses going back).
    const ts = start === f.startUs && t.localTs < f.lastUs ? f.lastUs : t.localTs;
    if (start !== f.startUs && !Number.isNaN(f.startUs)) f.closedUntilUs = f.startUs + this.intervalUs;
    f.builder.onTrade(ts, t.priceTicks, t.qtyLots);
    f.lastUs = ts;
    if (start !== f.startUs) {
      f.startUs = start;
      const end = start + this.intervalUs + this.#graceUs;
      if (end < this.#nextCloseUs) this.#nextCloseUs = end;
    }
    return true;
  }

  /** Emits every forming bar whose interval (plus the grace) ends at or before `localTs` (µs). Cheap when none does. */
  closeUntil(localTs: number): void {
    if (localTs < this.#nextCloseUs) return;
    let next = Number.POSITIVE_INFINITY;
    for (const f of this.#all) {
      if (Number.isNaN(f.startUs)) continue;
      const end = f.startUs + this.intervalUs;
      if (localTs >= end + this.#graceUs) {
        f.builder.closeUntil(localTs);
        f.closedUntilUs = end;
        f.startUs = Number.NaN;
      } else if (end + this.#graceUs < next) next = end + this.#graceUs;
    }
    this.#nextCloseUs = next;
  }

  /** Emits every forming bar as far as it has formed (at shutdown); later trades of those intervals are late. */
  flush(): void {
    for (const f of this.#all) {
      if (Number.isNaN(f.startUs)) continue;
      const end = f.startUs + this.intervalUs;
      f.builder.closeUntil(end);
      f.closedUntilUs = end;
      f.startUs = Number.NaN;
    }
    this.#nextCloseUs = Number.POSITIVE_INFINITY;
  }

  #forming(venue: string, symbol: string): Forming {
    let symbols = this.#byVenue.get(venue);
    if (symbols === undefined) {
      symbols = new Map();
      this.#byVenue.set(venue, symbols);
    }
    let f = symbols.get(symbol);
    if (f === undefined) {
      const builder = new OhlcvBarBuilder(this.intervalUs, (bar) => {
        this.barsEmitted++;
        this.#onBar({ ...bar, venue, symbol });
      });
      f = { venue, symbol, builder, startUs: Number.NaN, lastUs: Number.NEGATIVE_INFINITY, closedUntilUs: 0 };
      symbols.set(symbol, f);
      this.#all.push(f);
    }
    return f;
  }
}
