/**
 * The compact L2 book candidate: sorted typed arrays (ccxt's idea, with the best level at the
 * busy end and room on both sides).
 *
 * @module
 */
import {
  assertBookNotCrossed,
  BookState,
  type CrossedReport,
  checkPrice,
  checkQty,
  crossedReportOf,
  type L2BookLike,
  type LevelVisitor,
  NO_ASK_TICKS,
  NO_BID_TICKS,
  NO_PRICE_TICKS,
} from './book.js';
import { InvalidOptionError, InvalidSideError } from './errors.js';
import { SortedSide } from './sorted-side.js';
import type { BookSide, LevelInput, LevelsInput } from './types.js';

/** Options for {@link SortedL2Book}. */
export interface SortedL2BookOptions {
  /**
   * Levels kept per side after every snapshot and delta (Kraken's subscription depth: the venue
   * sends no deletes for levels falling out of it). Defaults to unbounded.
   */
  readonly maxDepth?: number;
  /** Initial level capacity per side; the arrays double when full. Defaults to 256. */
  readonly initialCapacity?: number;
}

/**
 * A compact L2 book: integer price ticks to integer lot quantities, each side held as sorted
 * `Float64Array`s with room at both ends. Uses memory in proportion to the levels held (16 bytes
 * a level), needs no tuning and has no price window, at some speed cost against {@link L2Book}
 * on deep books (docs/performance.md): the choice for many small books. Updating an existing level at the top is O(1); any other change is a
 * binary search plus a shift of the shorter part of the side (levels better or worse than it);
 * truncation is O(1). No allocation per update (the arrays double, rarely, when full).
 *
 * A crossed or locked book is never "fixed": it is reported by {@link L2Book.state} and by the
 * return value of {@link L2Book.applyDelta}.
 *
 * @example
 * ```ts
 * const book = new SortedL2Book();
 * book.applySnapshot([{ priceTicks: 100, qtyLots: 5 }], [{ priceTicks: 101, qtyLots: 3 }]);
 * book.applyLevel('bid', 100, 0); // delete
 * book.bestBid(); // NO_BID_TICKS
 * ```
 */
export class SortedL2Book implements L2BookLike {
  private readonly bids: SortedSide;
  private readonly asks: SortedSide;
  private readonly maxDepth: number;

  /** @throws {InvalidOptionError} when `maxDepth` or `initialCapacity` is not a positive integer. */
  constructor(options: SortedL2BookOptions = {}) {
    const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    if (maxDepth !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxDepth) || maxDepth < 1)) {
      throw new InvalidOptionError('maxDepth', 'a positive integer', maxDepth);
    }
    this.maxDepth = maxDepth;
    this.bids = new SortedSide(true, options.initialCapacity);
    this.asks = new SortedSide(false, options.initialCapacity);
  }

  private sideOf(side: BookSide): SortedSide {
    if (side === 'bid') return this.bids;
    if (side === 'ask') return this.asks;
    throw new InvalidSideError(side);
  }

  /**
   * Replaces the whole book. Levels may come in any order (best first is fastest); zero
   * quantities are skipped.
   *
   * @returns the book's state afterwards.
   * @throws {InvalidLevelError} when a price or quantity is not a non-negative safe integer; the
   *   book is then left empty rather than half-loaded.
   */
  applySnapshot(bids: readonly LevelInput[], asks: readonly LevelInput[]): BookState {
    this.bids.clear();
    this.asks.clear();
    try {
      loadSide(this.bids, bids);
      loadSide(this.asks, asks);
    } catch (err) {
      this.bids.clear();
      this.asks.clear();
      throw err;
    }
    if (this.maxDepth !== Number.POSITIVE_INFINITY) this.truncate(this.maxDepth);
    return this.state();
  }

  /**
   * Sets the absolute quantity of one level; `qtyLots = 0` deletes it (deleting an absent level
   * is a no-op). Does not apply `maxDepth` (call {@link L2Book.truncate} or use `applyDelta`).
   *
   * @throws {InvalidLevelError} when a price or quantity is not a non-negative safe integer.
   * @throws {InvalidSideError} when `side` is neither `'bid'` nor `'ask'`.
   */
  applyLevel(side: BookSide, priceTicks: number, qtyLots: number): void {
    checkPrice(priceTicks);
    checkQty(qtyLots);
    this.sideOf(side).set(priceTicks, qtyLots);
  }

  /**
   * Applies a delta (core's `BookDelta` or any `{ bids, asks }` of absolute levels), then
   * truncates to `maxDepth`.
   *
   * @returns the book's state afterwards (`'crossed'`/`'locked'` are reported, not repaired).
   * @throws {InvalidLevelError} on a bad price or quantity; levels before it in the delta stay applied.
   */
  applyDelta(delta: LevelsInput): BookState {
    const { bids, asks } = delta;
    for (let i = 0; i < bids.length; i++) {
      const l = bids[i] as LevelInput;
      checkPrice(l.priceTicks);
      checkQty(l.qtyLots);
      this.bids.set(l.priceTicks, l.qtyLots);
    }
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i] as LevelInput;
      checkPrice(l.priceTicks);
      checkQty(l.qtyLots);
      this.asks.set(l.priceTicks, l.qtyLots);
    }
    const maxDepth = this.maxDepth;
    this.bids.truncate(maxDepth);
    this.asks.truncate(maxDepth);
    return this.state();
  }

  bestBid(): number {
    const s = this.bids;
    return s.end === s.start ? NO_BID_TICKS : (s.prices[s.end - 1] as number);
  }
  bestAsk(): number {
    const s = this.asks;
    return s.end === s.start ? NO_ASK_TICKS : (s.prices[s.end - 1] as number);
  }
  bestBidQty(): number {
    const s = this.bids;
    return s.end === s.start ? 0 : (s.qtys[s.end - 1] as number);
  }
  bestAskQty(): number {
    const s = this.asks;
    return s.end === s.start ? 0 : (s.qtys[s.end - 1] as number);
  }

  qtyAt(side: BookSide, priceTicks: number): number {
    return this.sideOf(side).qtyAt(priceTicks);
  }

  levelCount(side: BookSide): number {
    return this.sideOf(side).length;
  }

  forEachLevel(side: BookSide, visit: LevelVisitor, maxLevels = Number.POSITIVE_INFINITY): void {
    const s = this.sideOf(side);
    const last = Math.max(s.start, s.end - maxLevels);
    for (let i = s.end - 1, d = 0; i >= last; i--, d++) {
      if (visit(s.prices[i] as number, s.qtys[i] as number, d) === false) return;
    }
  }

  topLevels(
    side: BookSide,
    maxLevels: number,
    outPriceTicks: Float64Array | number[],
    outQtyLots: Float64Array | number[],
  ): number {
    const s = this.sideOf(side);
    const count = Math.min(maxLevels, s.length);
    for (let d = 0; d < count; d++) {
      const i = s.end - 1 - d;
      outPriceTicks[d] = s.prices[i] as number;
      outQtyLots[d] = s.qtys[i] as number;
    }
    return count;
  }

  depthToQty(side: BookSide, qtyLots: number): number {
    const s = this.sideOf(side);
    let remaining = qtyLots;
    for (let i = s.end - 1; i >= s.start; i--) {
      remaining -= s.qtys[i] as number;
      if (remaining <= 0) return s.prices[i] as number;
    }
    return NO_PRICE_TICKS;
  }

  depthToNotional(side: BookSide, notionalTickLots: number): number {
    const s = this.sideOf(side);
    let remaining = notionalTickLots;
    let lots = 0;
    for (let i = s.end - 1; i >= s.start && remaining > 0; i--) {
      const price = s.prices[i] as number;
      const qty = s.qtys[i] as number;
      const cost = price * qty;
      if (cost <= remaining) {
        lots += qty;
        remaining -= cost;
      } else {
        lots += price === 0 ? qty : remaining / price;
        remaining = 0;
      }
    }
    return lots;
  }

  /**
   * Keeps the best `depth` levels on each side and drops the rest.
   *
   * @throws {InvalidOptionError} when `depth` is not a non-negative integer.
   */
  truncate(depth: number): void {
    if (!Number.isSafeInteger(depth) || depth < 0)
      throw new InvalidOptionError('depth', 'a non-negative integer', depth);
    this.bids.truncate(depth);
    this.asks.truncate(depth);
  }

  state(): BookState {
    if (this.bids.end === this.bids.start || this.asks.end === this.asks.start) return BookState.Empty;
    const bid = this.bestBid();
    const ask = this.bestAsk();
    if (bid < ask) return BookState.Ok;
    return bid === ask ? BookState.Locked : BookState.Crossed;
  }

  crossedReport(): CrossedReport | undefined {
    return crossedReportOf(this);
  }

  /**
   * @throws {CrossedBookError} when the book is crossed or locked; `context` (e.g. the venue
   *   sequence) goes into the error's details.
   */
  assertNotCrossed(context?: string): void {
    assertBookNotCrossed(this, context);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }
}

function loadSide(side: SortedSide, levels: readonly LevelInput[]): void {
  // Validate everything first so a bad level leaves nothing half-loaded.
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as LevelInput;
    checkPrice(l.priceTicks);
    checkQty(l.qtyLots);
  }
  // Snapshots arrive best first: walking them backwards appends each level as the new best.
  // Any other order falls back to a sorted insert.
  for (let i = levels.length - 1; i >= 0; i--) {
    const l = levels[i] as LevelInput;
    if (l.qtyLots === 0) continue;
    if (side.isBetterThanBest(l.priceTicks)) side.pushBest(l.priceTicks, l.qtyLots);
    // A price listed twice: the later entry (already loaded, as we walk backwards) wins.
    else if (side.qtyAt(l.priceTicks) === 0) side.set(l.priceTicks, l.qtyLots);
  }
}
