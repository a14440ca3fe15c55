/**
 * The L2 book each adapter keeps per symbol (to verify Kraken checksums, truncate to the
 * subscribed depth and hand users a synchronized book).
 *
 * TODO(microstructure): replace with `@tickerml/microstructure`'s `L2Book` once it is exported;
 * this is a small sorted-array book with the same semantics (absolute quantities, 0 deletes).
 *
 * @module
 */

/**
 * One side held as parallel arrays ordered worst → best, so the busy top of the book sits at the
 * end of the arrays and an insert or delete near it moves only the few levels above it.
 */
class BookSide {
  prices: number[] = [];
  qtys: number[] = [];
  constructor(readonly isBid: boolean) {}

  /** Index of `price`, or where it would be inserted (worst first). */
  private find(price: number): number {
    const prices = this.prices;
    const n = prices.length;
    // Most updates land at or next to the top: check the last slots before a binary search.
    if (n > 0 && prices[n - 1] === price) return n - 1;
    let lo = 0;
    let hi = n;
    if (this.isBid) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((prices[mid] as number) < price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((prices[mid] as number) > price) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  set(price: number, qty: number): void {
    const i = this.find(price);
    if (i < this.prices.length && this.prices[i] === price) {
      if (qty === 0) {
        if (i === this.prices.length - 1) {
          this.prices.pop();
          this.qtys.pop();
        } else {
          this.prices.splice(i, 1);
          this.qtys.splice(i, 1);
        }
      } else this.qtys[i] = qty;
    } else if (qty !== 0) {
      if (i === this.prices.length) {
        this.prices.push(price);
        this.qtys.push(qty);
      } else {
        this.prices.splice(i, 0, price);
        this.qtys.splice(i, 0, qty);
      }
    }
  }

  /** Number of levels. */
  get length(): number {
    return this.prices.length;
  }

  /** Price (ticks) of the `rank`-th best level (0 = best). */
  priceAt(rank: number): number {
    return this.prices[this.prices.length - 1 - rank] as number;
  }

  /** Quantity (lots) of the `rank`-th best level (0 = best). */
  qtyAt(rank: number): number {
    return this.qtys[this.qtys.length - 1 - rank] as number;
  }

  truncate(depth: number): void {
    const extra = this.prices.length - depth;
    if (extra > 0) {
      this.prices.splice(0, extra);
      this.qtys.splice(0, extra);
    }
  }

  clear(): void {
    this.prices.length = 0;
    this.qtys.length = 0;
  }

  /** `[priceTicks, qtyLots]` pairs, best first. */
  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let r = 0; r < this.prices.length; r++) out.push([this.priceAt(r), this.qtyAt(r)]);
    return out;
  }
}

/**
 * An L2 book keyed by integer price ticks, quantities in integer lots.
 *
 * @example
 * const book = new SyncBook();
 * book.set('bid', 6183763, 378826);
 * book.bestBidTicks(); // 6183763
 */
export class SyncBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);

  /** Sets the absolute quantity (lots) at a price (ticks); 0 deletes. */
  set(side: 'bid' | 'ask', priceTicks: number, qtyLots: number): void {
    (side === 'bid' ? this.bids : this.asks).set(priceTicks, qtyLots);
  }

  /** Keeps only the best `depth` levels per side. */
  truncate(depth: number): void {
    this.bids.truncate(depth);
    this.asks.truncate(depth);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Best bid in ticks, or `-Infinity` when the side is empty. */
  bestBidTicks(): number {
    return this.bids.length > 0 ? this.bids.priceAt(0) : Number.NEGATIVE_INFINITY;
  }

  /** Best ask in ticks, or `+Infinity` when the side is empty. */
  bestAskTicks(): number {
    return this.asks.length > 0 ? this.asks.priceAt(0) : Number.POSITIVE_INFINITY;
  }

  /** Number of levels on a side. */
  levels(side: 'bid' | 'ask'): number {
    return (side === 'bid' ? this.bids : this.asks).prices.length;
  }

  /** Copy of the book as `[priceTicks, qtyLots]` pairs, best first (for comparisons and snapshots). */
  toJSON(): { bids: [number, number][]; asks: [number, number][] } {
    return { bids: this.bids.pairs(), asks: this.asks.pairs() };
  }
}
