/**
 * The simulated venue's view of an order book: price levels in ticks with their displayed
 * quantity in lots, kept sorted in flat arrays (no allocation per update). {@link VenueBook}
 * implements microstructure's `L2BookView`, so its features (imbalance, microprice, …) read it
 * directly and a backtest keeps one book per symbol, not two.
 *
 * @module
 */
import {
  BookState,
  type L2BookView,
  type BookSide as L2Side,
  type LevelVisitor,
  NO_ASK_TICKS,
  NO_BID_TICKS,
  NO_PRICE_TICKS,
} from '@tickerml/microstructure';

/** Sentinel for "no level": an empty bid side (microstructure's `NO_BID_TICKS`). */
export const NO_BID = NO_BID_TICKS;
/** Sentinel for "no level": an empty ask side (microstructure's `NO_ASK_TICKS`). */
export const NO_ASK = NO_ASK_TICKS;

/**
 * One side of a book. Levels are kept sorted worst first, best last, so the frequent changes
 * near the touch move few elements; index 0 of the accessors is the best level.
 *
 * @example
 * ```ts
 * const asks = new BookSide(false);
 * asks.set(101, 5); asks.set(100, 2);
 * asks.bestPrice(); // 100
 * asks.qtyAt(101); // 5
 * ```
 */
export class BookSide {
  private prices: Float64Array;
  private qtys: Float64Array;
  /** Number of levels held. */
  size = 0;
  private readonly isBid: boolean;

  constructor(isBid: boolean, capacity = 1024) {
    this.isBid = isBid;
    this.prices = new Float64Array(capacity);
    this.qtys = new Float64Array(capacity);
  }

  /**
   * Storage index of `priceTicks`, or `-(insertion point) - 1` when absent. Storage is ascending
   * for bids (best = highest last) and descending for asks (best = lowest last).
   */
  private find(priceTicks: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = this.size - 1;
    // Most updates are near the touch: look there first.
    if (hi >= 0 && prices[hi] === priceTicks) return hi;
    if (this.isBid) {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const p = prices[mid] as number;
        if (p === priceTicks) return mid;
        if (p < priceTicks) lo = mid + 1;
        else hi = mid - 1;
      }
    } else {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const p = prices[mid] as number;
        if (p === priceTicks) return mid;
        if (p > priceTicks) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    return -lo - 1;
  }

  /** Displayed lots at `priceTicks` (0 when no level). */
  qtyAt(priceTicks: number): number {
    const i = this.find(priceTicks);
    return i >= 0 ? (this.qtys[i] as number) : 0;
  }

  /** Sets the absolute quantity at a price; 0 deletes the level. Returns the previous quantity. */
  set(priceTicks: number, qtyLots: number): number {
    const i = this.find(priceTicks);
    if (i >= 0) {
      const prev = this.qtys[i] as number;
      if (qtyLots > 0) {
        this.qtys[i] = qtyLots;
      } else {
        if (i < this.size - 1) {
          this.prices.copyWithin(i, i + 1, this.size);
          this.qtys.copyWithin(i, i + 1, this.size);
        }
        this.size--;
      }
      return prev;
    }
    if (qtyLots <= 0) return 0;
    const at = -i - 1;
    if (this.size === this.prices.length) this.grow();
    if (at < this.size) {
      this.prices.copyWithin(at + 1, at, this.size);
      this.qtys.copyWithin(at + 1, at, this.size);
    }
    this.prices[at] = priceTicks;
    this.qtys[at] = qtyLots;
    this.size++;
    return 0;
  }

  private grow(): void {
    const p = new Float64Array(this.prices.length * 2);
    p.set(this.prices);
    const q = new Float64Array(this.qtys.length * 2);
    q.set(this.qtys);
    this.prices = p;
    this.qtys = q;
  }

  /** Removes every level. */
  clear(): void {
    this.size = 0;
  }

  /** Best price in ticks, or {@link NO_BID}/{@link NO_ASK} when empty. */
  bestPrice(): number {
    if (this.size === 0) return this.isBid ? NO_BID : NO_ASK;
    return this.prices[this.size - 1] as number;
  }

  /** Price of the level at `index` (0 = best). */
  priceAt(index: number): number {
    return this.prices[this.size - 1 - index] as number;
  }

  /** Lots of the level at `index` (0 = best). */
  qtyAtIndex(index: number): number {
    return this.qtys[this.size - 1 - index] as number;
  }
}

/**
 * Both sides of one instrument's book, readable as microstructure's `L2BookView`.
 *
 * @example
 * ```ts
 * const imbalance = new DepthImbalance(5).update(ctx.book('binance', 'BTC/USDT'));
 * ```
 */
export class VenueBook implements L2BookView {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);

  /** Best bid in ticks or {@link NO_BID}. */
  bestBid(): number {
    return this.bids.bestPrice();
  }
  /** Best ask in ticks or {@link NO_ASK}. */
  bestAsk(): number {
    return this.asks.bestPrice();
  }
  /** Mid in ticks (may end in .5), or NaN when a side is empty. */
  mid(): number {
    const b = this.bids.bestPrice();
    const a = this.asks.bestPrice();
    return b === NO_BID || a === NO_ASK ? Number.NaN : (b + a) / 2;
  }
  /** Lots at the best bid, 0 if none. */
  bestBidQty(): number {
    return this.bids.size === 0 ? 0 : this.bids.qtyAtIndex(0);
  }
  /** Lots at the best ask, 0 if none. */
  bestAskQty(): number {
    return this.asks.size === 0 ? 0 : this.asks.qtyAtIndex(0);
  }
  /** Lots at `priceTicks` on `side`, 0 if no level. */
  qtyAt(side: L2Side, priceTicks: number): number {
    return (side === 'bid' ? this.bids : this.asks).qtyAt(priceTicks);
  }
  /** Number of levels on `side`. */
  levelCount(side: L2Side): number {
    return (side === 'bid' ? this.bids : this.asks).size;
  }
  /** Visits levels best first; the visitor returns false to stop. */
  forEachLevel(side: L2Side, visit: LevelVisitor, maxLevels = Number.POSITIVE_INFINITY): void {
    const s = side === 'bid' ? this.bids : this.asks;
    const n = Math.min(s.size, maxLevels);
    for (let i = 0; i < n; i++) if (visit(s.priceAt(i), s.qtyAtIndex(i), i) === false) return;
  }
  /** Copies up to `maxLevels` best-first levels into the caller's arrays; returns how many. */
  topLevels(
    side: L2Side,
    maxLevels: number,
    outPriceTicks: Float64Array | number[],
    outQtyLots: Float64Array | number[],
  ): number {
    const s = side === 'bid' ? this.bids : this.asks;
    const n = Math.min(s.size, maxLevels, outPriceTicks.length, outQtyLots.length);
    for (let i = 0; i < n; i++) {
      outPriceTicks[i] = s.priceAt(i);
      outQtyLots[i] = s.qtyAtIndex(i);
    }
    return n;
  }
  /** Worst price reached taking `qtyLots` from `side` best first, or `NO_PRICE_TICKS` if it holds less. */
  depthToQty(side: L2Side, qtyLots: number): number {
    const s = side === 'bid' ? this.bids : this.asks;
    let left = qtyLots;
    for (let i = 0; i < s.size; i++) {
      left -= s.qtyAtIndex(i);
      if (left <= 0) return s.priceAt(i);
    }
    return NO_PRICE_TICKS;
  }
  /** Lots obtainable from `side` best first for at most `notionalTickLots` (Σ price × lots), fractional at the last level. */
  depthToNotional(side: L2Side, notionalTickLots: number): number {
    const s = side === 'bid' ? this.bids : this.asks;
    let left = notionalTickLots;
    let lots = 0;
    for (let i = 0; i < s.size && left > 0; i++) {
      const p = s.priceAt(i);
      const q = s.qtyAtIndex(i);
      if (p * q <= left) {
        lots += q;
        left -= p * q;
      } else {
        lots += p === 0 ? q : left / p;
        left = 0;
      }
    }
    return lots;
  }
  /** `ok`, `crossed`, `locked` or `empty`. */
  state(): BookState {
    const b = this.bids.bestPrice();
    const a = this.asks.bestPrice();
    if (b === NO_BID || a === NO_ASK) return BookState.Empty;
    if (b < a) return BookState.Ok;
    return b === a ? BookState.Locked : BookState.Crossed;
  }
}
