import { InvalidOptionError } from './errors.js';

/** Shifts of at most this many levels use a loop instead of `copyWithin` (measured faster). */
const SHORT_SHIFT = 16;

/**
 * One side of an L2 book as two parallel sorted typed arrays (price ticks, quantity lots),
 * ordered from the worst price to the best, occupying `[start, end)` of the arrays with free room
 * at both ends. An insert or delete moves whichever part of the side is shorter (the levels
 * better than it, or those worse), so changes near the top and near the bottom of the book
 * (where Kraken's depth truncation works) are both cheap, and truncation is O(1).
 * Internal to the package; {@link L2Book} is the public face.
 *
 * @internal
 */
export class SortedSide {
  /** Price ticks in `[start, end)`; bids ascending, asks descending (best level at `end - 1`). */
  prices: Float64Array;
  /** Quantity lots, parallel to `prices`. */
  qtys: Float64Array;
  /** Index of the worst level. */
  start: number;
  /** One past the index of the best level. */
  end: number;
  /** `true` for bids (higher is better), `false` for asks. */
  readonly isBid: boolean;

  constructor(isBid: boolean, initialCapacity = 256) {
    if (!Number.isSafeInteger(initialCapacity) || initialCapacity < 2) {
      throw new InvalidOptionError('initialCapacity', 'an integer of at least 2', initialCapacity);
    }
    this.isBid = isBid;
    this.prices = new Float64Array(initialCapacity);
    this.qtys = new Float64Array(initialCapacity);
    this.start = this.end = initialCapacity >> 1;
  }

  /** Number of levels held. */
  get length(): number {
    return this.end - this.start;
  }

  /** Absolute index of the first stored level that is not worse than `price` (binary search). */
  lowerBound(price: number): number {
    const prices = this.prices;
    let lo = this.start;
    let hi = this.end;
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
    const end = this.end;
    // Fast path: the top of the book, where most updates land.
    const i = end > this.start && this.prices[end - 1] === price ? end - 1 : this.lowerBound(price);
    if (i < end && this.prices[i] === price) {
      if (qty === 0) this.removeAt(i);
      else this.qtys[i] = qty;
      return;
    }
    if (qty !== 0) this.insertAt(i, price, qty);
  }

  private insertAt(index: number, price: number, qty: number): void {
    let i = index;
    // Move the shorter part; when its end of the arrays is full, re-centre first rather than move
    // the longer part. (Moving the longer part made a snapshot that arrives worst-last, as every
    // venue sends one, quadratic: each level past a full end moved the whole side.)
    if (i - this.start < this.end - i) {
      if (this.start === 0) i += this.makeRoom();
      // Move the worse levels down one slot.
      move(this.prices, this.qtys, this.start, i, -1);
      this.start--;
      this.prices[i - 1] = price;
      this.qtys[i - 1] = qty;
    } else {
      if (this.end === this.prices.length) i += this.makeRoom();
      // Move the better levels up one slot.
      move(this.prices, this.qtys, i, this.end, 1);
      this.end++;
      this.prices[i] = price;
      this.qtys[i] = qty;
    }
  }

  private removeAt(i: number): void {
    if (i - this.start < this.end - 1 - i) {
      move(this.prices, this.qtys, this.start, i, 1);
      this.start++;
    } else {
      move(this.prices, this.qtys, i + 1, this.end, -1);
      this.end--;
    }
  }

  /** Appends a level known to be better than every held level (snapshot loading). */
  pushBest(price: number, qty: number): void {
    if (this.end === this.prices.length) this.makeRoom();
    this.prices[this.end] = price;
    this.qtys[this.end] = qty;
    this.end++;
  }

  /** `true` when `price` would be strictly better than the current best (or the side is empty). */
  isBetterThanBest(price: number): boolean {
    if (this.end === this.start) return true;
    const best = this.prices[this.end - 1] as number;
    return this.isBid ? price > best : price < best;
  }

  /** Quantity at `price`, 0 if the level is absent. */
  qtyAt(price: number): number {
    const i = this.lowerBound(price);
    return i < this.end && this.prices[i] === price ? (this.qtys[i] as number) : 0;
  }

  /** Keeps the best `depth` levels and drops the rest, in O(1). */
  truncate(depth: number): void {
    if (this.end - this.start > depth) this.start = this.end - depth;
  }

  clear(): void {
    this.start = this.end = this.prices.length >> 1;
  }

  /**
   * Re-centres the levels, doubling the arrays when they are at least half full (the only
   * allocation, amortised). Returns how far indices moved.
   */
  private makeRoom(): number {
    const n = this.end - this.start;
    let prices = this.prices;
    let qtys = this.qtys;
    if (n * 2 >= prices.length) {
      prices = new Float64Array(this.prices.length * 2);
      qtys = new Float64Array(this.qtys.length * 2);
    }
    const newStart = (prices.length - n) >> 1;
    if (prices === this.prices) {
      prices.copyWithin(newStart, this.start, this.end);
      qtys.copyWithin(newStart, this.start, this.end);
    } else {
      prices.set(this.prices.subarray(this.start, this.end), newStart);
      qtys.set(this.qtys.subarray(this.start, this.end), newStart);
    }
    const shift = newStart - this.start;
    this.prices = prices;
    this.qtys = qtys;
    this.start = newStart;
    this.end = newStart + n;
    return shift;
  }
}

/** Moves the levels in `[from, to)` by `delta` (±1) slots. */
function move(prices: Float64Array, qtys: Float64Array, from: number, to: number, delta: 1 | -1): void {
  if (to - from > SHORT_SHIFT) {
    prices.copyWithin(from + delta, from, to);
    qtys.copyWithin(from + delta, from, to);
  } else if (delta === 1) {
    for (let j = to; j > from; j--) {
      prices[j] = prices[j - 1] as number;
      qtys[j] = qtys[j - 1] as number;
    }
  } else {
    for (let j = from; j < to; j++) {
      prices[j - 1] = prices[j] as number;
      qtys[j - 1] = qtys[j] as number;
    }
  }
}
