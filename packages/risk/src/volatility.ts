/**
 * Volatility regimes from realised-volatility percentiles.
 *
 * {@link ReturnStdDev} keeps the standard deviation of the last `window` returns (O(1) per
 * update). {@link VolRegimeClassifier} ranks the latest realised volatility against its own
 * recent history (the last `historySize` values, kept sorted: O(log n) search plus a bounded move)
 * and names the regime: below the first percentile low, below the second normal, below the third
 * high, else extreme. With fewer than `minHistory` values it answers normal.
 *
 * @module
 */
import { VolRegime } from './limits.js';

/**
 * Rolling sample standard deviation of the last `window` returns (a count window).
 *
 * Not the same measure as `@tickerml/microstructure`'s `RealizedVolatility`, which is the root of
 * Σr² over a time window: risk rules compare one return against this deviation (a k-σ jump) and
 * rank it over a fixed number of samples, so they need the mean removed and a window that does
 * not shrink when a feed goes quiet.
 */
export class ReturnStdDev {
  readonly #buf: Float64Array;
  #count = 0;
  #head = 0;
  #sum = 0;
  #sumSq = 0;
  #sinceRefresh = 0;

  constructor(readonly window: number) {
    if (!Number.isInteger(window) || window < 2)
      throw new RangeError(`volatility window must be an integer ≥ 2, was ${window}`);
    this.#buf = new Float64Array(window);
  }

  /** Adds one return (a fraction, e.g. a log return). */
  push(ret: number): void {
    if (this.#count === this.window) {
      const old = this.#buf[this.#head] ?? 0;
      this.#sum -= old;
      this.#sumSq -= old * old;
    } else {
      this.#count++;
    }
    this.#buf[this.#head] = ret;
    this.#head = (this.#head + 1) % this.window;
    this.#sum += ret;
    this.#sumSq += ret * ret;
    if (++this.#sinceRefresh >= this.window) {
      this.#sinceRefresh = 0;
      let s = 0;
      let q = 0;
      for (let i = 0; i < this.#count; i++) {
        const v = this.#buf[i] ?? 0;
        s += v;
        q += v * v;
      }
      this.#sum = s;
      this.#sumSq = q;
    }
  }

  /** Number of returns held. */
  get count(): number {
    return this.#count;
  }

  /** Sample standard deviation of the held returns (NaN with fewer than 2). */
  value(): number {
    const n = this.#count;
    if (n < 2) return Number.NaN;
    const variance = (this.#sumSq - (this.#sum * this.#sum) / n) / (n - 1);
    return Math.sqrt(Math.max(0, variance));
  }
}

/**
 * Classifies realised volatility into regimes by percentile of its own history.
 *
 * @example
 * const c = new VolRegimeClassifier([25, 75, 95], 500);
 * for (const v of history) c.push(v);
 * c.regime(); // 'normal'
 */
export class VolRegimeClassifier {
  readonly #ring: Float64Array;
  readonly #sorted: Float64Array;
  #count = 0;
  #head = 0;
  #latest = Number.NaN;

  constructor(
    readonly percentiles: readonly [number, number, number],
    readonly historySize = 500,
    readonly minHistory = 30,
  ) {
    this.#ring = new Float64Array(historySize);
    this.#sorted = new Float64Array(historySize);
  }

  /** Adds the latest realised volatility (NaN is ignored). */
  push(vol: number): void {
    if (Number.isNaN(vol)) return;
    if (this.#count === this.historySize) {
      const old = this.#ring[this.#head] ?? 0;
      const at = this.#lowerBound(old);
      this.#sorted.copyWithin(at, at + 1, this.#count);
      this.#count--;
    }
    this.#ring[this.#head] = vol;
    this.#head = (this.#head + 1) % this.historySize;
    const at = this.#lowerBound(vol);
    this.#sorted.copyWithin(at + 1, at, this.#count);
    this.#sorted[at] = vol;
    this.#count++;
    this.#latest = vol;
  }

  #lowerBound(v: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#sorted[mid] ?? 0) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Percentile rank (0-100) of `vol` in the history: the share of held values strictly below it. */
  percentileOf(vol: number): number {
    if (this.#count === 0) return Number.NaN;
    return (100 * this.#lowerBound(vol)) / this.#count;
  }

  /** The regime of the latest value. */
  regime(): VolRegime {
    if (this.#count < this.minHistory || Number.isNaN(this.#latest)) return VolRegime.Normal;
    return regimeOfPercentile(this.percentileOf(this.#latest), this.percentiles);
  }

  /** The latest value pushed. */
  get latest(): number {
    return this.#latest;
  }
}

/** Names the regime of a percentile rank given the three boundaries. */
export function regimeOfPercentile(p: number, bounds: readonly [number, number, number]): VolRegime {
  if (p < bounds[0]) return VolRegime.Low;
  if (p < bounds[1]) return VolRegime.Normal;
  if (p < bounds[2]) return VolRegime.High;
  return VolRegime.Extreme;
}
