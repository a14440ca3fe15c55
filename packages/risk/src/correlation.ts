/**
 * Rolling Pearson correlation of two return series over the last `window` pairs.
 *
 * Kept as running sums over a ring buffer: O(1) per update, no allocation after construction.
 * Running sums drift in floating point, so they are recomputed from the buffer every
 * `window` updates.
 *
 * @module
 */

/**
 * @example
 * const corr = new RollingCorrelation(100);
 * corr.push(0.001, 0.0012);
 * corr.value(); // NaN until 3 pairs are in
 */
export class RollingCorrelation {
  readonly #xs: Float64Array;
  readonly #ys: Float64Array;
  #count = 0;
  #head = 0;
  #sx = 0;
  #sy = 0;
  #sxx = 0;
  #syy = 0;
  #sxy = 0;
  #sinceRefresh = 0;

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 3)
      throw new RangeError(`correlation window must be an integer ≥ 3, was ${window}`);
    this.#xs = new Float64Array(window);
    this.#ys = new Float64Array(window);
  }

  /** Adds one pair of simultaneous returns. */
  push(x: number, y: number): void {
    if (this.#count === this.window) {
      const ox = this.#xs[this.#head] ?? 0;
      const oy = this.#ys[this.#head] ?? 0;
      this.#sx -= ox;
      this.#sy -= oy;
      this.#sxx -= ox * ox;
      this.#syy -= oy * oy;
      this.#sxy -= ox * oy;
    } else {
      this.#count++;
    }
    this.#xs[this.#head] = x;
    this.#ys[this.#head] = y;
    this.#head = (this.#head + 1) % this.window;
    this.#sx += x;
    this.#sy += y;
    this.#sxx += x * x;
    this.#syy += y * y;
    this.#sxy += x * y;
    if (++this.#sinceRefresh >= this.window) this.#refresh();
  }

  #refresh(): void {
    this.#sinceRefresh = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let syy = 0;
    let sxy = 0;
    for (let i = 0; i < this.#count; i++) {
      const x = this.#xs[i] ?? 0;
      const y = this.#ys[i] ?? 0;
      sx += x;
      sy += y;
      sxx += x * x;
      syy += y * y;
      sxy += x * y;
    }
    this.#sx = sx;
    this.#sy = sy;
    this.#sxx = sxx;
    this.#syy = syy;
    this.#sxy = sxy;
  }

  /** Number of pairs held (at most `window`). */
  get count(): number {
    return this.#count;
  }

  /** Correlation in [-1, 1], or NaN with fewer than 3 pairs or a constant series. */
  value(): number {
    const n = this.#count;
    if (n < 3) return Number.NaN;
    const cov = this.#sxy - (this.#sx * this.#sy) / n;
    const vx = this.#sxx - (this.#sx * this.#sx) / n;
    const vy = this.#syy - (this.#sy * this.#sy) / n;
    if (!(vx > 0) || !(vy > 0)) return Number.NaN;
    return Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy)));
  }
}

/** Batch Pearson correlation of two equal-length series (the reference for tests). */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i] ?? 0;
    my += ys[i] ?? 0;
  }
  mx /= n;
  my /= n;
  let cov = 0;
  let vx = 0;
  let vy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] ?? 0) - mx;
    const dy = (ys[i] ?? 0) - my;
    cov += dx * dy;
    vx += dx * dx;
    vy += dy * dy;
  }
  if (!(vx > 0) || !(vy > 0)) return Number.NaN;
  return Math.max(-1, Math.min(1, cov / Math.sqrt(vx * vy)));
}

/**
 * Size multiplier for a candidate whose returns correlate `rho` with a held position.
 *
 * 1 while `|rho| ≤ threshold`; above it the size falls linearly to 0 at `|rho| = 1`:
 * `(1 - |rho|) / (1 - threshold)`. NaN (not enough data) counts as uncorrelated.
 */
export function correlationScale(rho: number, threshold: number): number {
  if (Number.isNaN(rho)) return 1;
  const a = Math.abs(rho);
  if (a <= threshold) return 1;
  return Math.max(0, (1 - a) / (1 - threshold));
}
