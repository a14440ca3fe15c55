/** A deliberately naive reference L2 book (Maps + sorting) that the real books are checked against. */
import type { BookSide, LevelInput } from '../src/types.js';

export class ModelBook {
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  set(side: BookSide, price: number, qty: number): void {
    const m = side === 'bid' ? this.bids : this.asks;
    if (qty === 0) m.delete(price);
    else m.set(price, qty);
  }
  snapshot(bids: readonly LevelInput[], asks: readonly LevelInput[]): void {
    this.bids.clear();
    this.asks.clear();
    for (const l of bids) this.set('bid', l.priceTicks, l.qtyLots);
    for (const l of asks) this.set('ask', l.priceTicks, l.qtyLots);
  }
  /** Levels best first. */
  levels(side: BookSide): [number, number][] {
    const m = side === 'bid' ? this.bids : this.asks;
    return [...m.entries()].sort((a, b) => (side === 'bid' ? b[0] - a[0] : a[0] - b[0]));
  }
  truncate(depth: number): void {
    for (const side of ['bid', 'ask'] as const) {
      const m = side === 'bid' ? this.bids : this.asks;
      for (const [p] of this.levels(side).slice(depth)) m.delete(p);
    }
  }
}
