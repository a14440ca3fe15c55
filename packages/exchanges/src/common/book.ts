/**
 * The L2 book each adapter keeps per symbol (to verify Kraken checksums, truncate to the
 * subscribed depth and hand users a synchronized book).
 *
 * TODO(microstructure): replace with `@tickerml/microstructure`'s `L2Book` once it is exported;
 * this is a small sorted-array book with the same semantics (absolute quantities, 0 deletes).
 *
 * @module
 */

/** One side held as parallel arrays ordered best first. */
class BookSide {
  prices: number[] = [];
  qtys: number[] = [];
  constructor(readonly isBid: boolean) {}

  /** Index of `price` or of where it would be inserted (best first). */
  private find(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = prices.length;
    if (this.isBid) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((prices[mid] as number) > price) lo = mid + 1;
        else hi = mid;
      }
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((prices[mid] as number) < price) lo = mid + 1;
        else hi = mid;
      }
    }
    return lo;
  }

  set(price: number, qty: number): void {
    const i = this.find(price);
    if (i < this.prices.length && this.prices[i] === price) {
      if (qty === 0) {
        this.prices.splice(i, 1);
        this.qtys.splice(i, 1);
      } else this.qtys[i] = qty;
    } else if (qty !== 0) {
      this.prices.splice(i, 0, price);
      this.qtys.splice(i, 0, qty);
    }
  }

  truncate(depth: number): void {
    if (this.prices.length > depth) {
      this.prices.length = depth;
      this.qtys.length = depth;
    }
  }

  clear(): void {
    this.prices.length = 0;
    this.qtys.length = 0;
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
    return this.bids.prices.length > 0 ? (this.bids.prices[0] as number) : Number.NEGATIVE_INFINITY;
  }

  /** Best ask in ticks, or `+Infinity` when the side is empty. */
  bestAskTicks(): number {
    return this.asks.prices.length > 0 ? (this.asks.prices[0] as number) : Number.POSITIVE_INFINITY;
  }

  /** Number of levels on a side. */
  levels(side: 'bid' | 'ask'): number {
    return (side === 'bid' ? this.bids : this.asks).prices.length;
  }

  /** Copy of the book as `[priceTicks, qtyLots]` pairs, best first (for comparisons and snapshots). */
  toJSON(): { bids: [number, number][]; asks: [number, number][] } {
    const side = (s: BookSide) => s.prices.map((p, i) => [p, s.qtys[i] as number] as [number, number]);
    return { bids: side(this.bids), asks: side(this.asks) };
  }
}
