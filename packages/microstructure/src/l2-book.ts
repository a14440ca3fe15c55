/**
 * The default L2 book: a tick-indexed array over a region of interest (ROI) around the price,
 * with a sorted fallback outside it (hftbacktest's ROI vector depth, in TypeScript). Chosen by
 * benchmark on the real recordings over sorted typed arrays ({@link SortedL2Book}); see
 * docs/performance.md.
 *
 * @module
 */

import {
  assertBookNotCrossed,
  type BookState,
  type CrossedReport,
  checkPrice,
  checkQty,
  crossedReportOf,
  type L2BookLike,
  type LevelVisitor,
  NO_ASK_TICKS,
  NO_BID_TICKS,
  NO_PRICE_TICKS,
  stateOf,
} from './book.js';
import { InvalidOptionError, InvalidSideError } from './errors.js';
import { SortedSide } from './sorted-side.js';
import type { BookSide, LevelInput, LevelsInput } from './types.js';

/** Options for {@link L2Book}. */
export interface L2BookOptions {
  /**
   * Ticks on each side of the snapshot's mid covered by the direct-indexed array (memory:
   * 32 × this many bytes). Defaults to 32,768 (1 MiB; BTC/USDT at a 0.01 tick: ±$327).
   */
  readonly roiHalfWidthTicks?: number;
  /**
   * Levels kept per side after every snapshot and delta (Kraken's subscription depth: the venue
   * sends no deletes for levels falling out of it). Defaults to unbounded.
   */
  readonly maxDepth?: number;
}

/**
 * One side: direct-indexed quantities over [base, base + size), a bitset of occupied ticks (so
 * walks skip 32 empty ticks at a time), and a sorted fallback elsewhere.
 */
class TickSide {
  readonly qty: Float64Array;
  /** Bit `i & 31` of word `i >> 5` is set when tick index `i` holds a level. */
  readonly occupied: Uint32Array;
  /** Index of the best level in the ROI, -1 when the ROI holds none on this side. */
  best = -1;
  /**
   * A bound on the worst level's index in the ROI (at or beyond it, never inside the book), made
   * exact lazily by {@link TickSide.settleWorst} when truncation needs it; -1 when empty.
   */
  worst = -1;
  /** Levels held in the ROI. */
  count = 0;
  /** Lowest and highest index written since the last clear (bounds for clearing). */
  dirtyLo: number;
  dirtyHi = -1;
  readonly fallback: SortedSide;

  constructor(
    readonly isBid: boolean,
    size: number,
  ) {
    this.qty = new Float64Array(size);
    this.occupied = new Uint32Array((size + 31) >>> 5);
    this.dirtyLo = size;
    this.fallback = new SortedSide(isBid, 64);
  }

  setRoi(idx: number, q: number): void {
    const qty = this.qty;
    const old = qty[idx] as number;
    qty[idx] = q;
    if (q > 0) {
      if (old !== 0) return;
      this.count++;
      this.occupied[idx >>> 5] = (this.occupied[idx >>> 5] as number) | (1 << (idx & 31));
      if (idx < this.dirtyLo) this.dirtyLo = idx;
      if (idx > this.dirtyHi) this.dirtyHi = idx;
      if (this.best < 0) {
        this.best = idx;
        this.worst = idx;
      } else if (this.isBid) {
        if (idx > this.best) this.best = idx;
        else if (idx < this.worst) this.worst = idx;
      } else if (idx < this.best) this.best = idx;
      else if (idx > this.worst) this.worst = idx;
      return;
    }
    if (old === 0) return;
    this.count--;
    this.occupied[idx >>> 5] = (this.occupied[idx >>> 5] as number) & ~(1 << (idx & 31));
    if (this.count === 0) {
      this.best = -1;
      this.worst = -1;
      return;
    }
    // Losing the best level: scan towards the worse end for the next occupied tick. (Losing the
    // worst leaves `worst` a valid bound; it is settled only when truncation asks.)
    if (idx === this.best) this.best = this.isBid ? this.findDown(idx - 1) : this.findUp(idx + 1);
  }

  /** Highest occupied index `<= i`, or -1. */
  findDown(i: number): number {
    if (i < 0) return -1;
    const occupied = this.occupied;
    let w = i >>> 5;
    let bits = (occupied[w] as number) & (0xffffffff >>> (31 - (i & 31)));
    while (bits === 0) {
      if (--w < 0) return -1;
      bits = occupied[w] as number;
    }
    return (w << 5) + 31 - Math.clz32(bits);
  }

  /** Lowest occupied index `>= i`, or -1. */
  findUp(i: number): number {
    const occupied = this.occupied;
    let w = i >>> 5;
    if (w >= occupied.length) return -1;
    let bits = (occupied[w] as number) & (0xffffffff << (i & 31));
    while (bits === 0) {
      if (++w >= occupied.length) return -1;
      bits = occupied[w] as number;
    }
    return (w << 5) + 31 - Math.clz32(bits & -bits);
  }

  /** Next occupied index worse than `i`, or -1. */
  nextWorse(i: number): number {
    return this.isBid ? this.findDown(i - 1) : this.findUp(i + 1);
  }

  /** Makes `worst` exact (the first occupied index from the bound towards the best). Returns it. */
  settleWorst(): number {
    this.worst = this.isBid ? this.findUp(this.worst) : this.findDown(this.worst);
    return this.worst;
  }

  clear(): void {
    if (this.dirtyHi >= this.dirtyLo) {
      this.qty.fill(0, this.dirtyLo, this.dirtyHi + 1);
      this.occupied.fill(0, this.dirtyLo >>> 5, (this.dirtyHi >>> 5) + 1);
    }
    this.dirtyLo = this.qty.length;
    this.dirtyHi = -1;
    this.best = -1;
    this.worst = -1;
    this.count = 0;
    this.fallback.clear();
  }
}

/**
 * An L2 book: integer price ticks to integer lot quantities. Levels within `roiHalfWidthTicks` of
 * the mid live in a tick-indexed `Float64Array` (setting one is O(1); losing the best level finds
 * the next one through a bitset of occupied ticks, 32 ticks per step); levels outside that window go to a
 * sorted fallback, so every price is held exactly, only more slowly. The window is re-centred on
 * every snapshot, and moved (re-inserting the levels, O(levels), rare) when a delta leaves the mid
 * outside the middle half of the window. No allocation per update otherwise.
 *
 * A crossed or locked book is never "fixed": it is reported by {@link L2Book.state} and by the
 * return value of {@link L2Book.applyDelta}.
 *
 * @example
 * ```ts
 * const book = new L2Book({ maxDepth: 25 });
 * book.applySnapshot([{ priceTicks: 100, qtyLots: 5 }], [{ priceTicks: 101, qtyLots: 3 }]);
 * book.applyLevel('bid', 100, 0); // delete
 * book.bestBid(); // NO_BID_TICKS
 * book.bestAsk(); // 101
 * ```
 */
export class L2Book implements L2BookLike {
  private readonly size: number;
  private readonly halfWidth: number;
  private readonly maxDepth: number;
  /** Price in ticks of ROI index 0; NaN until the first level places the ROI. */
  private base = Number.NaN;
  private readonly bids: TickSide;
  private readonly asks: TickSide;

  /** @throws {InvalidOptionError} when an option is not a positive integer. */
  constructor(options: L2BookOptions = {}) {
    const half = options.roiHalfWidthTicks ?? 32_768;
    if (!Number.isSafeInteger(half) || half < 1 || half > 2 ** 26) {
      throw new InvalidOptionError('roiHalfWidthTicks', 'an integer in [1, 2^26]', half);
    }
    const maxDepth = options.maxDepth ?? Number.POSITIVE_INFINITY;
    if (maxDepth !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxDepth) || maxDepth < 1)) {
      throw new InvalidOptionError('maxDepth', 'a positive integer', maxDepth);
    }
    this.halfWidth = half;
    this.size = 2 * half;
    this.maxDepth = maxDepth;
    this.bids = new TickSide(true, this.size);
    this.asks = new TickSide(false, this.size);
  }

  private sideOf(side: BookSide): TickSide {
    if (side === 'bid') return this.bids;
    if (side === 'ask') return this.asks;
    throw new InvalidSideError(side);
  }

  private place(centerTicks: number): void {
    this.base = Math.max(0, centerTicks - this.halfWidth);
  }

  private set(s: TickSide, price: number, qty: number): void {
    if (Number.isNaN(this.base)) this.place(price);
    const idx = price - this.base;
    if (idx >= 0 && idx < this.size) s.setRoi(idx, qty);
    else s.fallback.set(price, qty);
  }

  /** The book is empty: centre the window on the snapshot's mid (kept as is for a one-sided snapshot). */
  private recentre(bids: readonly LevelInput[], asks: readonly LevelInput[]): void {
    let hiBid = -1;
    let loAsk = Number.POSITIVE_INFINITY;
    for (const l of bids) if (l.qtyLots > 0 && l.priceTicks > hiBid) hiBid = l.priceTicks;
    for (const l of asks) if (l.qtyLots > 0 && l.priceTicks < loAsk) loAsk = l.priceTicks;
    if (hiBid >= 0 && loAsk !== Number.POSITIVE_INFINITY) this.place(Math.floor((hiBid + loAsk) / 2));
  }

  /**
   * Replaces the whole book and re-centres the tick window on its mid. Levels may come in any
   * order; zero quantities are skipped; a price listed twice keeps its last quantity.
   *
   * @returns the book's state afterwards.
   * @throws {InvalidLevelError} when a price or quantity is not a non-negative safe integer; the
   *   book is then left empty rather than half-loaded.
   */
  applySnapshot(bids: readonly LevelInput[], asks: readonly LevelInput[]): BookState {
    this.bids.clear();
    this.asks.clear();
    for (const levels of [bids, asks]) {
      for (const l of levels) {
        checkPrice(l.priceTicks);
        checkQty(l.qtyLots);
      }
    }
    this.recentre(bids, asks);
    for (const l of bids) if (l.qtyLots > 0) this.set(this.bids, l.priceTicks, l.qtyLots);
    for (const l of asks) if (l.qtyLots > 0) this.set(this.asks, l.priceTicks, l.qtyLots);
    if (this.maxDepth !== Number.POSITIVE_INFINITY) this.truncate(this.maxDepth);
    return this.state();
  }

  /**
   * Sets the absolute quantity of one level; `qtyLots = 0` deletes it (deleting an absent level
   * is a no-op). Does not apply `maxDepth` nor move the window (call {@link L2Book.truncate}, or
   * use `applyDelta`).
   *
   * @throws {InvalidLevelError} when a price or quantity is not a non-negative safe integer.
   * @throws {InvalidSideError} when `side` is neither `'bid'` nor `'ask'`.
   */
  applyLevel(side: BookSide, priceTicks: number, qtyLots: number): void {
    checkPrice(priceTicks);
    checkQty(qtyLots);
    this.set(this.sideOf(side), priceTicks, qtyLots);
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
      this.set(this.bids, l.priceTicks, l.qtyLots);
    }
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i] as LevelInput;
      checkPrice(l.priceTicks);
      checkQty(l.qtyLots);
      this.set(this.asks, l.priceTicks, l.qtyLots);
    }
    const maxDepth = this.maxDepth;
    if (this.bids.count + this.bids.fallback.length > maxDepth) this.truncateSide(this.bids, maxDepth);
    if (this.asks.count + this.asks.fallback.length > maxDepth) this.truncateSide(this.asks, maxDepth);
    const bid = this.bestBid();
    const ask = this.bestAsk();
    // The market drifted out of the middle half of the window: move the window (rare, O(levels)).
    if (bid !== NO_BID_TICKS && ask !== NO_ASK_TICKS) {
      const quarter = this.halfWidth >> 1;
      const mid = (bid + ask) / 2;
      if (mid < this.base + quarter || mid >= this.base + this.size - quarter) {
        const center = Math.floor(mid);
        // Near price 0 the window cannot go lower: only move when the base would change.
        if (Math.max(0, center - this.halfWidth) !== this.base) this.moveWindow(center);
      }
    }
    return stateOf(bid, ask);
  }

  /** How many times the window moved to follow the price between snapshots (for metrics and tests). */
  get windowMoves(): number {
    return this.moves;
  }

  private moves = 0;

  /** Re-centres the window on `centerTicks`, re-inserting every level. Allocates (rarely). */
  private moveWindow(centerTicks: number): void {
    const bidLevels: number[] = [];
    const askLevels: number[] = [];
    this.forEachLevel('bid', (p, q) => {
      bidLevels.push(p, q);
    });
    this.forEachLevel('ask', (p, q) => {
      askLevels.push(p, q);
    });
    this.bids.clear();
    this.asks.clear();
    this.place(centerTicks);
    for (let i = 0; i < bidLevels.length; i += 2)
      this.set(this.bids, bidLevels[i] as number, bidLevels[i + 1] as number);
    for (let i = 0; i < askLevels.length; i += 2)
      this.set(this.asks, askLevels[i] as number, askLevels[i + 1] as number);
    this.moves++;
  }

  bestBid(): number {
    const s = this.bids;
    const roi = s.best < 0 ? NO_BID_TICKS : this.base + s.best;
    const f = s.fallback;
    const fb = f.end === f.start ? NO_BID_TICKS : (f.prices[f.end - 1] as number);
    return roi > fb ? roi : fb;
  }
  bestAsk(): number {
    const s = this.asks;
    const roi = s.best < 0 ? NO_ASK_TICKS : this.base + s.best;
    const f = s.fallback;
    const fb = f.end === f.start ? NO_ASK_TICKS : (f.prices[f.end - 1] as number);
    return roi < fb ? roi : fb;
  }
  bestBidQty(): number {
    const p = this.bestBid();
    return p === NO_BID_TICKS ? 0 : this.qtyAt('bid', p);
  }
  bestAskQty(): number {
    const p = this.bestAsk();
    return p === NO_ASK_TICKS ? 0 : this.qtyAt('ask', p);
  }

  qtyAt(side: BookSide, priceTicks: number): number {
    const s = this.sideOf(side);
    const idx = priceTicks - this.base;
    if (idx >= 0 && idx < this.size) return s.qty[idx] as number;
    return s.fallback.qtyAt(priceTicks);
  }

  levelCount(side: BookSide): number {
    const s = this.sideOf(side);
    return s.count + s.fallback.length;
  }

  forEachLevel(side: BookSide, visit: LevelVisitor, maxLevels = Number.POSITIVE_INFINITY): void {
    const s = this.sideOf(side);
    const f = s.fallback;
    const qty = s.qty;
    let d = 0;
    let fi = f.end - 1;
    const fStart = f.start;
    // Fallback levels better than the ROI come first.
    if (s.isBid) {
      const roiTop = this.base + this.size;
      for (; fi >= fStart && d < maxLevels && (f.prices[fi] as number) >= roiTop; fi--, d++) {
        if (visit(f.prices[fi] as number, f.qtys[fi] as number, d) === false) return;
      }
      for (let i = s.best; i >= 0 && d < maxLevels; i = s.findDown(i - 1), d++) {
        if (visit(this.base + i, qty[i] as number, d) === false) return;
      }
    } else {
      for (; fi >= fStart && d < maxLevels && (f.prices[fi] as number) < this.base; fi--, d++) {
        if (visit(f.prices[fi] as number, f.qtys[fi] as number, d) === false) return;
      }
      for (let i = s.best; i >= 0 && d < maxLevels; i = s.findUp(i + 1), d++) {
        if (visit(this.base + i, qty[i] as number, d) === false) return;
      }
    }
    for (; fi >= fStart && d < maxLevels; fi--, d++) {
      if (visit(f.prices[fi] as number, f.qtys[fi] as number, d) === false) return;
    }
  }

  // Scratch state for the allocation-free visitors below.
  private outP: Float64Array | number[] = [];
  private outQ: Float64Array | number[] = [];
  private acc = 0;
  private accPrice = 0;
  private readonly copyVisitor: LevelVisitor = (p, q, d) => {
    this.outP[d] = p;
    this.outQ[d] = q;
  };
  private readonly qtyVisitor: LevelVisitor = (p, q) => {
    this.acc -= q;
    if (this.acc <= 0) {
      this.accPrice = p;
      return false;
    }
    return true;
  };
  private readonly notionalVisitor: LevelVisitor = (p, q) => {
    const cost = p * q;
    if (cost <= this.acc) {
      this.accPrice += q;
      this.acc -= cost;
      return this.acc > 0;
    }
    this.accPrice += p === 0 ? q : this.acc / p;
    this.acc = 0;
    return false;
  };

  topLevels(
    side: BookSide,
    maxLevels: number,
    outPriceTicks: Float64Array | number[],
    outQtyLots: Float64Array | number[],
  ): number {
    const s = this.sideOf(side);
    const want = Math.min(maxLevels, s.count + s.fallback.length);
    // Hot path (features read the top every event): when the ROI holds the top levels, copy them
    // straight from the tick array; otherwise take the general walk.
    const f = s.fallback;
    const fallbackAhead =
      f.length > 0 &&
      (s.isBid
        ? (f.prices[f.end - 1] as number) >= this.base + this.size
        : (f.prices[f.end - 1] as number) < this.base);
    if (fallbackAhead || s.count < want) {
      this.outP = outPriceTicks;
      this.outQ = outQtyLots;
      this.forEachLevel(side, this.copyVisitor, maxLevels);
      return want;
    }
    const qty = s.qty;
    for (let d = 0, i = s.best; d < want; d++, i = s.nextWorse(i)) {
      outPriceTicks[d] = this.base + i;
      outQtyLots[d] = qty[i] as number;
    }
    return want;
  }

  depthToQty(side: BookSide, qtyLots: number): number {
    this.acc = qtyLots;
    this.accPrice = NO_PRICE_TICKS;
    this.forEachLevel(side, this.qtyVisitor);
    return this.acc <= 0 ? this.accPrice : NO_PRICE_TICKS;
  }

  depthToNotional(side: BookSide, notionalTickLots: number): number {
    this.acc = notionalTickLots;
    this.accPrice = 0;
    if (notionalTickLots > 0) this.forEachLevel(side, this.notionalVisitor);
    return this.accPrice;
  }

  /** @throws {InvalidOptionError} when `depth` is not a non-negative integer. */
  truncate(depth: number): void {
    if (!Number.isSafeInteger(depth) || depth < 0)
      throw new InvalidOptionError('depth', 'a non-negative integer', depth);
    this.truncateSide(this.bids, depth);
    this.truncateSide(this.asks, depth);
  }

  private truncateSide(s: TickSide, depth: number): void {
    const f = s.fallback;
    let excess = s.count + f.length - depth;
    // Drop the worst level until `depth` remain: O(1) each plus a scan to the next occupied tick.
    while (excess > 0) {
      excess--;
      // Fallback levels are either all better or all worse than the ROI on their side of it.
      const fallbackWorst = f.length > 0 ? (f.prices[f.start] as number) : Number.NaN;
      const fallbackIsWorse =
        f.length > 0 && (s.isBid ? fallbackWorst < this.base : fallbackWorst >= this.base + this.size);
      if (fallbackIsWorse || s.count === 0) f.set(fallbackWorst, 0);
      else s.setRoi(s.settleWorst(), 0);
    }
  }

  state(): BookState {
    return stateOf(this.bestBid(), this.bestAsk());
  }

  /** Describes how the book is crossed or locked, or returns `undefined` when it is not. Allocates (only when there is something to report). */
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
