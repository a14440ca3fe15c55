/**
 * The shapes this package accepts. They are structural subsets of core's events
 * (`Level`, `BookSnapshot`, `BookDelta`, `Trade` in `@tickerml/core`), so core's event
 * objects can be passed directly.
 *
 * @module
 */

/** Side of a book: `'bid'` or `'ask'` (the same strings as core's `Side`). */
export type BookSide = 'bid' | 'ask';

/** One price level: price in integer ticks, quantity in integer lots. */
export interface LevelInput {
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** A set of level changes (absolute quantities; 0 deletes), as carried by core's `BookDelta` and `BookSnapshot`. */
export interface LevelsInput {
  readonly bids: readonly LevelInput[];
  readonly asks: readonly LevelInput[];
}

/** Aggressor side of a trade (core's `AggressorSide`). */
export type AggressorInput = 'buy' | 'sell' | 'unknown';
