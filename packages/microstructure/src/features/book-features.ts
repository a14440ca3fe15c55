/**
 * Top-of-book and depth features: mid, spread, imbalance, microprice.
 *
 * Every feature has a scalar formula (exported function), a streaming form that reads an
 * {@link L2BookView} after each book event without allocating, and a batch form over a recorded
 * series that returns the same values.
 *
 * @module
 */

import { type L2BookView, NO_ASK_TICKS, NO_BID_TICKS } from '../book.js';
import { InvalidOptionError } from '../errors.js';
import type { LevelInput, LevelsInput } from '../types.js';

/**
 * Mid price in ticks: `(bestBidTicks + bestAskTicks) / 2` (may end in .5). `NaN` when either side
 * is missing (pass the books' `NO_BID_TICKS` / `NO_ASK_TICKS` sentinels through).
 *
 * @example
 * ```ts
 * midTicks(100, 101); // 100.5
 * ```
 */
export function midTicks(bestBidTicks: number, bestAskTicks: number): number {
  if (bestBidTicks === NO_BID_TICKS || bestAskTicks === NO_ASK_TICKS) return Number.NaN;
  return (bestBidTicks + bestAskTicks) / 2;
}

/**
 * Spread in ticks: `bestAskTicks - bestBidTicks` (negative when crossed). `NaN` when a side is missing.
 *
 * @example
 * ```ts
 * spreadTicks(100, 102); // 2
 * ```
 */
export function spreadTicks(bestBidTicks: number, bestAskTicks: number): number {
  if (bestBidTicks === NO_BID_TICKS || bestAskTicks === NO_ASK_TICKS) return Number.NaN;
  return bestAskTicks - bestBidTicks;
}

/**
 * Spread in basis points of the mid: `1e4 × (ask − bid) / ((ask + bid) / 2)`. Unit-free, so ticks
 * in, bps out. `NaN` when a side is missing.
 *
 * @example
 * ```ts
 * spreadBps(9995, 10005); // 10
 * ```
 */
export function spreadBps(bestBidTicks: number, bestAskTicks: number): number {
  if (bestBidTicks === NO_BID_TICKS || bestAskTicks === NO_ASK_TICKS) return Number.NaN;
  return (1e4 * (bestAskTicks - bestBidTicks)) / ((bestAskTicks + bestBidTicks) / 2);
}

/**
 * Top-level order book imbalance: `(bidQty − askQty) / (bidQty + askQty)`, in [−1, 1]; positive
 * means more resting buying interest. `NaN` when both quantities are 0.
 *
 * @example
 * ```ts
 * topImbalance(3, 1); // 0.5
 * ```
 */
export function topImbalance(bestBidQtyLots: number, bestAskQtyLots: number): number {
  const total = bestBidQtyLots + bestAskQtyLots;
  return total === 0 ? Number.NaN : (bestBidQtyLots - bestAskQtyLots) / total;
}

/**
 * Microprice, in ticks, as the imbalance-weighted mid (Stoikov's "weighted mid price"):
 * `(bid × askQty + ask × bidQty) / (bidQty + askQty)`, i.e. `mid + (spread / 2) × imbalance`.
 * It leans towards the side with less resting quantity, where the next trade is more likely to
 * move the price. `NaN` when a side is missing or both quantities are 0.
 *
 * @example
 * ```ts
 * micropriceTicks(100, 3, 102, 1); // 101.5
 * ```
 */
export function micropriceTicks(
  bestBidTicks: number,
  bestBidQtyLots: number,
  bestAskTicks: number,
  bestAskQtyLots: number,
): number {
  if (bestBidTicks === NO_BID_TICKS || bestAskTicks === NO_ASK_TICKS) return Number.NaN;
  const total = bestBidQtyLots + bestAskQtyLots;
  if (total === 0) return Number.NaN;
  return (bestBidTicks * bestAskQtyLots + bestAskTicks * bestBidQtyLots) / total;
}

/**
 * The top-of-book features of one book state, updated in place by {@link TopOfBookFeatures.update}.
 * Prices in ticks, spread in ticks and basis points, imbalance unit-free.
 */
export interface TopOfBookValues {
  readonly midTicks: number;
  readonly spreadTicks: number;
  readonly spreadBps: number;
  readonly imbalance: number;
  readonly micropriceTicks: number;
}

/**
 * Streaming top-of-book features: call {@link TopOfBookFeatures.update} after each book event;
 * the fields then hold mid, spread (ticks, bps), top imbalance and microprice for that book.
 * O(1), no allocation.
 *
 * @example
 * ```ts
 * const tob = new TopOfBookFeatures();
 * book.applyDelta(delta);
 * tob.update(book);
 * console.log(tob.micropriceTicks, tob.spreadBps);
 * ```
 */
export class TopOfBookFeatures implements TopOfBookValues {
  midTicks = Number.NaN;
  spreadTicks = Number.NaN;
  spreadBps = Number.NaN;
  imbalance = Number.NaN;
  micropriceTicks = Number.NaN;

  /** Recomputes every field from the book's current top. */
  update(book: L2BookView): this {
    this.set(book.bestBid(), book.bestBidQty(), book.bestAsk(), book.bestAskQty());
    return this;
  }

  /** Recomputes every field from explicit top-of-book values (ticks, lots). */
  set(bestBidTicks: number, bestBidQtyLots: number, bestAskTicks: number, bestAskQtyLots: number): this {
    this.midTicks = midTicks(bestBidTicks, bestAskTicks);
    this.spreadTicks = spreadTicks(bestBidTicks, bestAskTicks);
    this.spreadBps = spreadBps(bestBidTicks, bestAskTicks);
    this.imbalance = topImbalance(bestBidQtyLots, bestAskQtyLots);
    this.micropriceTicks = micropriceTicks(bestBidTicks, bestBidQtyLots, bestAskTicks, bestAskQtyLots);
    return this;
  }
}

/** A recorded top-of-book series, one entry per book event (use the books' sentinels for empty sides). */
export interface TopOfBookSeries {
  readonly bestBidTicks: ArrayLike<number>;
  readonly bestBidQtyLots: ArrayLike<number>;
  readonly bestAskTicks: ArrayLike<number>;
  readonly bestAskQtyLots: ArrayLike<number>;
}

/** Batch results of {@link topOfBookBatch}: one value per series entry. */
export interface TopOfBookBatch {
  readonly midTicks: Float64Array;
  readonly spreadTicks: Float64Array;
  readonly spreadBps: Float64Array;
  readonly imbalance: Float64Array;
  readonly micropriceTicks: Float64Array;
}

/**
 * Batch form of {@link TopOfBookFeatures}: the same five features for every entry of a recorded
 * series. Value `i` depends only on entry `i`.
 *
 * @throws {InvalidOptionError} when the series' arrays differ in length.
 * @example
 * ```ts
 * const f = topOfBookBatch({ bestBidTicks: [100], bestBidQtyLots: [3], bestAskTicks: [102], bestAskQtyLots: [1] });
 * f.micropriceTicks[0]; // 101.5
 * ```
 */
export function topOfBookBatch(series: TopOfBookSeries): TopOfBookBatch {
  const n = series.bestBidTicks.length;
  for (const arr of [series.bestBidQtyLots, series.bestAskTicks, series.bestAskQtyLots]) {
    if (arr.length !== n) throw new InvalidOptionError('series', `arrays of equal length ${n}`, arr.length);
  }
  const out: TopOfBookBatch = {
    midTicks: new Float64Array(n),
    spreadTicks: new Float64Array(n),
    spreadBps: new Float64Array(n),
    imbalance: new Float64Array(n),
    micropriceTicks: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const bid = series.bestBidTicks[i] as number;
    const bidQty = series.bestBidQtyLots[i] as number;
    const ask = series.bestAskTicks[i] as number;
    const askQty = series.bestAskQtyLots[i] as number;
    out.midTicks[i] = midTicks(bid, ask);
    out.spreadTicks[i] = spreadTicks(bid, ask);
    out.spreadBps[i] = spreadBps(bid, ask);
    out.imbalance[i] = topImbalance(bidQty, askQty);
    out.micropriceTicks[i] = micropriceTicks(bid, bidQty, ask, askQty);
  }
  return out;
}

/** How levels are weighted in {@link DepthImbalance}. */
export const DepthWeighting = {
  /** Every level counts fully. */
  Flat: 'flat',
  /** Level `d` (0 = best) weighs `(levels − d) / levels`: the top counts most. */
  Linear: 'linear',
} as const;
/** One of {@link DepthWeighting}'s values. */
export type DepthWeighting = (typeof DepthWeighting)[keyof typeof DepthWeighting];

function depthWeights(levels: number, weighting: DepthWeighting): Float64Array {
  if (!Number.isSafeInteger(levels) || levels < 1) throw new InvalidOptionError('levels', 'a positive integer', levels);
  if (weighting !== 'flat' && weighting !== 'linear')
    throw new InvalidOptionError('weighting', "'flat' or 'linear'", weighting);
  const w = new Float64Array(levels);
  for (let d = 0; d < levels; d++) w[d] = weighting === 'flat' ? 1 : (levels - d) / levels;
  return w;
}

/**
 * Order book imbalance over the top N levels: `(Σ w_d·bidQty_d − Σ w_d·askQty_d) / (Σ w_d·bidQty_d + Σ w_d·askQty_d)`
 * over the best `levels` price levels of each side (by rank, not by price distance), in [−1, 1].
 * `NaN` when both sums are 0. O(levels) per update, no allocation.
 *
 * @example
 * ```ts
 * const obi = new DepthImbalance(5, 'linear');
 * const value = obi.update(book); // also in obi.value
 * ```
 */
export class DepthImbalance {
  /** The latest value. */
  value = Number.NaN;
  private readonly weights: Float64Array;
  private readonly prices: Float64Array;
  private readonly qtys: Float64Array;

  /** @throws {InvalidOptionError} when `levels` is not a positive integer or `weighting` is unknown. */
  constructor(
    readonly levels: number,
    readonly weighting: DepthWeighting = 'flat',
  ) {
    this.weights = depthWeights(levels, weighting);
    this.prices = new Float64Array(levels);
    this.qtys = new Float64Array(levels);
  }

  /** Recomputes the imbalance from the book's top `levels` levels and returns it. */
  update(book: L2BookView): number {
    const w = this.weights;
    const nb = book.topLevels('bid', this.levels, this.prices, this.qtys);
    let bid = 0;
    for (let d = 0; d < nb; d++) bid += (w[d] as number) * (this.qtys[d] as number);
    const na = book.topLevels('ask', this.levels, this.prices, this.qtys);
    let ask = 0;
    for (let d = 0; d < na; d++) ask += (w[d] as number) * (this.qtys[d] as number);
    const total = bid + ask;
    this.value = total === 0 ? Number.NaN : (bid - ask) / total;
    return this.value;
  }
}

/**
 * Batch form of {@link DepthImbalance} over recorded book states (each a full book, levels best
 * first as in core's `BookSnapshot`).
 *
 * @throws {InvalidOptionError} on bad `levels` or `weighting`.
 * @example
 * ```ts
 * depthImbalanceBatch([{ bids: [{ priceTicks: 100, qtyLots: 3 }], asks: [{ priceTicks: 101, qtyLots: 1 }] }], 5); // Float64Array [0.5]
 * ```
 */
export function depthImbalanceBatch(
  books: readonly LevelsInput[],
  levels: number,
  weighting: DepthWeighting = 'flat',
): Float64Array {
  const w = depthWeights(levels, weighting);
  const out = new Float64Array(books.length);
  const sum = (side: readonly LevelInput[]) => {
    let s = 0;
    for (let d = 0; d < Math.min(levels, side.length); d++) s += (w[d] as number) * (side[d] as LevelInput).qtyLots;
    return s;
  };
  for (let i = 0; i < books.length; i++) {
    const book = books[i] as LevelsInput;
    const bid = sum(book.bids);
    const ask = sum(book.asks);
    out[i] = bid + ask === 0 ? Number.NaN : (bid - ask) / (bid + ask);
  }
  return out;
}
