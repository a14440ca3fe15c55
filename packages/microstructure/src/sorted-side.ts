import { InvalidOptionError } from './errors.js';

/**
 * One side of an L2 book as two parallel sorted typed arrays (price ticks, quantity lots),
 * ordered from the worst price to the best so that the busy end of the book (the top) sits at
 * the end of the arrays: an insert or delete near the top moves only the few levels above it.
 * Internal to the package; {@link L2Book} is the public face.
 *
 * @internal
 */
export class SortedSide {
  /** Price ticks; bids ascending, asks descending (best level at index `length - 1`). */
  prices: Float64Array;
  /** Quantity lots, parallel to `prices`. */
  qtys: Float64Array;
  /** Number of levels held. */
  length = 0;
  /** `true` for bids (higher is better), `false` for asks. */
  readonly isBid: boolean;

  constructor(isBid: boolean, initialCapacity = 256) {
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 1) {
      throw new InvalidOptionError('initialCapacity', 'a positive integer', initialCapacity);
    }
    this.isBid = isBid;
    this.prices = new Float64Array(initialCapacity);
    this.qtys = new Float64Array(initialCapacity);
  }

  /** Index of the first stored level that is not worse than `price` (binary search). */
  lowerBound(price: number): number {
    const prices = this.prices;
    let lo = 0;
    let hi = this.length;
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

  /** Sets the absolute quantity at `price`; 0 deletes. Inputs are already validated. */
  set(price: number, qty: number): void {
    const n = this.length;
    // Fast path: the top of the book, where most updates land.
    let i: number;
    if (n > 0 && this.prices[n - 1] === price) i = n - 1;
    else i = this.lowerBound(price);
    if (i < n && this.prices[i] === price) {
      if (qty === 0) {
        this.prices.copyWithin(i, i + 1, n);
        this.qtys.copyWithin(i, i + 1, n);
        this.length = n - 1;
      } else {
        this.qtys[i] = qty;
      }
      return;
    }
    if (qty === 0) return;
    if (n === this.prices.length) this.grow();
    if (i < n) {
      this.prices.copyWithin(i + 1, i, n);
      this.qtys.copyWithin(i + 1, i, n);
    }
    this.prices[i] = price;
    this.qtys[i] = qty;
    this.length = n + 1;
  }

  /** Appends a level known to be better than every held level (snapshot loading). */
  pushBest(price: number, qty: number): void {
    if (this.length === this.prices.length) this.grow();
    this.prices[this.length] = price;
    this.qtys[this.length] = qty;
    this.length++;
  }

  /** `true` when `price` would be strictly better than the current best (or the side is empty). */
  isBetterThanBest(price: number): boolean {
    if (this.length === 0) return true;
    const best = this.prices[this.length - 1] as number;
    return this.isBid ? price > best : price < best;
  }

  /** Quantity at `price`, 0 if the level is absent. */
  qtyAt(price: number): number {
    const i = this.lowerBound(price);
    return i < this.length && this.prices[i] === price ? (this.qtys[i] as number) : 0;
  }

  /** Keeps the best `depth` levels and drops the rest. */
  truncate(depth: number): void {
    const n = this.length;
    if (n <= depth) return;
    this.prices.copyWithin(0, n - depth, n);
    this.qtys.copyWithin(0, n - depth, n);
    this.length = depth;
  }

  clear(): void {
    this.length = 0;
  }

  private grow(): void {
    const prices = new Float64Array(this.prices.length * 2);
    prices.set(this.prices);
    const qtys = new Float64Array(this.qtys.length * 2);
    qtys.set(this.qtys);
    this.prices = prices;
    this.qtys = qtys;
  }
}
