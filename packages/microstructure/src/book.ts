/**
 * What every L2 book shares: sentinels, states, the read and write interfaces, and the checks
 * at the boundary.
 *
 * @module
 */
import { CrossedBookError, InvalidLevelError } from './errors.js';
import type { BookSide, LevelInput, LevelsInput } from './types.js';

/** Returned by `bestBid()` when the bid side is empty: lower than any real price. */
export const NO_BID_TICKS = Number.MIN_SAFE_INTEGER;
/** Returned by `bestAsk()` when the ask side is empty: higher than any real price. */
export const NO_ASK_TICKS = Number.MAX_SAFE_INTEGER;
/** Returned by price-finding queries ({@link L2BookView.depthToQty}) when the book cannot satisfy them. */
export const NO_PRICE_TICKS = -1;

/** The condition of a book's top, as reported by `state()`. */
export const BookState = {
  /** Both sides present and best bid < best ask. */
  Ok: 'ok',
  /** Best bid > best ask: the venue's data or our sync is wrong. */
  Crossed: 'crossed',
  /** Best bid == best ask. */
  Locked: 'locked',
  /** At least one side has no levels. */
  Empty: 'empty',
} as const;
/** One of {@link BookState}'s values. */
export type BookState = (typeof BookState)[keyof typeof BookState];

/** Called for each level by `forEachLevel`; return `false` to stop early. */
export type LevelVisitor = (priceTicks: number, qtyLots: number, depthIndex: number) => boolean | undefined | void;

/** What `crossedReport()` returns when the book is crossed or locked. */
export interface CrossedReport {
  readonly state: 'crossed' | 'locked';
  readonly bestBidTicks: number;
  readonly bestAskTicks: number;
  /** Number of bid levels priced at or above the best ask. */
  readonly bidLevelsThrough: number;
  /** Number of ask levels priced at or below the best bid. */
  readonly askLevelsThrough: number;
}

/** Read-only queries shared by every L2 book implementation; features take this. */
export interface L2BookView {
  /** Best (highest) bid in ticks, or {@link NO_BID_TICKS}. */
  bestBid(): number;
  /** Best (lowest) ask in ticks, or {@link NO_ASK_TICKS}. */
  bestAsk(): number;
  /** Lots at the best bid, 0 if none. */
  bestBidQty(): number;
  /** Lots at the best ask, 0 if none. */
  bestAskQty(): number;
  /** Lots resting at `priceTicks` on `side`, 0 if no level there. */
  qtyAt(side: BookSide, priceTicks: number): number;
  /** Number of levels on `side`. */
  levelCount(side: BookSide): number;
  /** Visits levels best first without allocating; `maxLevels` bounds the walk. */
  forEachLevel(side: BookSide, visit: LevelVisitor, maxLevels?: number): void;
  /** Copies up to `maxLevels` best-first levels into the caller's arrays; returns how many were written. */
  topLevels(
    side: BookSide,
    maxLevels: number,
    outPriceTicks: Float64Array | number[],
    outQtyLots: Float64Array | number[],
  ): number;
  /** Worst price (ticks) reached when taking `qtyLots` from `side` best first, or {@link NO_PRICE_TICKS} if the side holds less. */
  depthToQty(side: BookSide, qtyLots: number): number;
  /** Lots obtainable from `side` best first for at most `notionalTickLots` (Σ priceTicks × qtyLots), fractional at the last level. */
  depthToNotional(side: BookSide, notionalTickLots: number): number;
  /** `'ok'`, `'crossed'`, `'locked'` or `'empty'`. */
  state(): BookState;
}

/** Mutations and reports shared by every L2 book implementation ({@link L2Book}, {@link SortedL2Book}). */
export interface L2BookLike extends L2BookView {
  /** Replaces the whole book; returns its state. */
  applySnapshot(bids: readonly LevelInput[], asks: readonly LevelInput[]): BookState;
  /** Sets one level's absolute quantity (0 deletes). */
  applyLevel(side: BookSide, priceTicks: number, qtyLots: number): void;
  /** Applies absolute level changes, then the depth limit; returns the state. */
  applyDelta(delta: LevelsInput): BookState;
  /** Keeps the best `depth` levels per side. */
  truncate(depth: number): void;
  /** Describes a crossed or locked book, or `undefined`. */
  crossedReport(): CrossedReport | undefined;
  /** Throws {@link CrossedBookError} when crossed or locked. */
  assertNotCrossed(context?: string): void;
  clear(): void;
}

/** @internal */
export function checkPrice(priceTicks: number): void {
  if (!Number.isSafeInteger(priceTicks) || priceTicks < 0) throw new InvalidLevelError('priceTicks', priceTicks);
}
/** @internal */
export function checkQty(qtyLots: number): void {
  if (!Number.isSafeInteger(qtyLots) || qtyLots < 0) throw new InvalidLevelError('qtyLots', qtyLots);
}

/** @internal State of a book from its best prices (sentinels mean an empty side). */
export function stateOf(bestBidTicks: number, bestAskTicks: number): BookState {
  if (bestBidTicks === NO_BID_TICKS || bestAskTicks === NO_ASK_TICKS) return BookState.Empty;
  if (bestBidTicks < bestAskTicks) return BookState.Ok;
  return bestBidTicks === bestAskTicks ? BookState.Locked : BookState.Crossed;
}

/** @internal Shared body of `crossedReport()`. Allocates (only when there is something to report). */
export function crossedReportOf(book: L2BookView): CrossedReport | undefined {
  const state = book.state();
  if (state !== BookState.Crossed && state !== BookState.Locked) return undefined;
  const bestBidTicks = book.bestBid();
  const bestAskTicks = book.bestAsk();
  let bidLevelsThrough = 0;
  book.forEachLevel('bid', (p) => {
    if (p < bestAskTicks) return false;
    bidLevelsThrough++;
    return true;
  });
  let askLevelsThrough = 0;
  book.forEachLevel('ask', (p) => {
    if (p > bestBidTicks) return false;
    askLevelsThrough++;
    return true;
  });
  return { state, bestBidTicks, bestAskTicks, bidLevelsThrough, askLevelsThrough };
}

/** @internal Shared body of `assertNotCrossed()`. */
export function assertBookNotCrossed(book: L2BookView, context?: string): void {
  const state = book.state();
  if (state === BookState.Crossed || state === BookState.Locked) {
    throw new CrossedBookError(state, book.bestBid(), book.bestAsk(), context);
  }
}
