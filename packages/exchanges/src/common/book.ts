/**
 * The L2 book each adapter keeps per symbol (to verify Kraken checksums, truncate to the
 * subscribed depth and hand users a synchronized book): `@tickerml/microstructure`'s `L2Book`
 * (a tick-indexed window with a sorted fallback) behind the small surface the handlers use.
 *
 * @module
 */
import { L2Book, type L2BookOptions } from '@tickerml/microstructure';

/**
 * An L2 book keyed by integer price ticks, quantities in integer lots; absolute quantities,
 * 0 deletes.
 *
 * @example
 * const book = new SyncBook();
 * book.set('bid', 6183763, 378826);
 * book.bestBidTicks(); // 6183763
 */
export class SyncBook {
  /** The microstructure book underneath (read-only use: best levels, walks, checksums). */
  readonly l2: L2Book;

  constructor(options: L2BookOptions = {}) {
    this.l2 = new L2Book(options);
  }

  /** Sets the absolute quantity (lots) at a price (ticks); 0 deletes. Inputs are validated safe integers. */
  set(side: 'bid' | 'ask', priceTicks: number, qtyLots: number): void {
    this.l2.applyLevel(side, priceTicks, qtyLots);
  }

  /** Keeps only the best `depth` levels per side. */
  truncate(depth: number): void {
    this.l2.truncate(depth);
  }

  clear(): void {
    this.l2.clear();
  }

  /** Best bid in ticks, or `-Infinity` when the side is empty. */
  bestBidTicks(): number {
    return this.l2.levelCount('bid') > 0 ? this.l2.bestBid() : Number.NEGATIVE_INFINITY;
  }

  /** Best ask in ticks, or `+Infinity` when the side is empty. */
  bestAskTicks(): number {
    return this.l2.levelCount('ask') > 0 ? this.l2.bestAsk() : Number.POSITIVE_INFINITY;
  }

  /** Number of levels on a side. */
  levels(side: 'bid' | 'ask'): number {
    return this.l2.levelCount(side);
  }

  /** Copy of the book as `[priceTicks, qtyLots]` pairs, best first (for comparisons and snapshots). */
  toJSON(): { bids: [number, number][]; asks: [number, number][] } {
    const side = (s: 'bid' | 'ask') => {
      const out: [number, number][] = [];
      this.l2.forEachLevel(s, (p, q) => {
        out.push([p, q]);
      });
      return out;
    };
    return { bids: side('bid'), asks: side('ask') };
  }
}
