/**
 * The simulated venue's view of one side of an order book: price levels in ticks with their
 * displayed quantity in lots, kept sorted best first in flat arrays (no allocation per update).
 *
 * @module
 */

/** Sentinel for "no level": an empty bid side. */
export const NO_BID = Number.NEGATIVE_INFINITY;
/** Sentinel for "no level": an empty ask side. */
export const NO_ASK = Number.POSITIVE_INFINITY;

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

/** Both sides of one instrument's book. */
export class VenueBook {
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
}
