/**
 * Rolling time-window features over trades and prices: trade flow imbalance, VWAP (and the mid's
 * deviation from it) and realised volatility.
 *
 * Windows are in microseconds of the events' `localTs` (when we received them), never read from
 * a clock. A window of length W at time t holds the events with `t − W < localTs ≤ t`, so every
 * value at t uses only events received by t (causal). Streaming forms are O(1) amortised per
 * event and allocate nothing once their ring buffer has grown to the busiest window seen.
 *
 * @module
 */
import { featureOutOfOrder, InvalidOptionError } from '../errors.js';
import type { AggressorInput } from '../types.js';
import { TimeRing } from './time-ring.js';

function checkWindow(windowUs: number): number {
  if (!Number.isSafeInteger(windowUs) || windowUs <= 0)
    throw new InvalidOptionError('windowUs', 'a positive integer number of microseconds', windowUs);
  return windowUs;
}

/** Shared time bookkeeping: refuses to go backwards. */
abstract class Windowed {
  /** @internal */
  protected lastTs = Number.NEGATIVE_INFINITY;
  /** @internal */
  protected readonly ring = new TimeRing();
  readonly windowUs: number;

  constructor(windowUs: number) {
    this.windowUs = checkWindow(windowUs);
  }

  protected enter(localTs: number): void {
    if (localTs < this.lastTs) throw featureOutOfOrder(this.constructor.name, this.lastTs, localTs);
    this.lastTs = localTs;
    const cutoff = localTs - this.windowUs;
    const ring = this.ring;
    while (ring.size > 0 && ring.oldestTs() <= cutoff) {
      this.leave(ring.oldestA(), ring.oldestB());
      ring.dropOldest();
    }
  }

  /** Called for each row leaving the window. */
  protected abstract leave(a: number, b: number): void;
}

/**
 * Trade flow imbalance over a rolling window: `(buyLots − sellLots) / (buyLots + sellLots)`, where
 * buy/sell is the aggressor (taker) side, in [−1, 1]; `NaN` when the window holds no volume.
 * Trades with an unknown aggressor are skipped. The sums are integers (lots), so values are exact.
 *
 * @example
 * ```ts
 * const tfi = new TradeFlowImbalance(10_000_000); // 10 s
 * tfi.onTrade(trade.localTs, trade.qtyLots, trade.aggressor);
 * tfi.value; // e.g. 0.25
 * ```
 */
export class TradeFlowImbalance extends Windowed {
  /** Aggressor-buy volume in the window, lots. */
  buyLots = 0;
  /** Aggressor-sell volume in the window, lots. */
  sellLots = 0;
  /** Imbalance at the latest time seen. */
  value = Number.NaN;

  /** @throws {InvalidOptionError} when `windowUs` is not a positive integer. */
  constructor(windowUs: number) {
    super(windowUs);
  }

  /**
   * Adds a trade (`localTs` in µs, quantity in lots) and returns the imbalance after it.
   *
   * @throws {OutOfOrderError} (core) when `localTs` is before the previous event's.
   */
  onTrade(localTs: number, qtyLots: number, aggressor: AggressorInput): number {
    this.enter(localTs);
    if (aggressor === 'buy') {
      this.ring.push(localTs, qtyLots, 0);
      this.buyLots += qtyLots;
    } else if (aggressor === 'sell') {
      this.ring.push(localTs, 0, qtyLots);
      this.sellLots += qtyLots;
    }
    return this.compute();
  }

  /** Moves time to `localTs` (dropping trades that left the window) and returns the imbalance. */
  advance(localTs: number): number {
    this.enter(localTs);
    return this.compute();
  }

  protected leave(buy: number, sell: number): void {
    this.buyLots -= buy;
    this.sellLots -= sell;
  }

  private compute(): number {
    const total = this.buyLots + this.sellLots;
    this.value = total === 0 ? Number.NaN : (this.buyLots - this.sellLots) / total;
    return this.value;
  }
}

function checkSeries(name: string, n: number, ...arrays: ArrayLike<unknown>[]): void {
  for (const a of arrays)
    if (a.length !== n) throw new InvalidOptionError(name, `arrays of equal length ${n}`, a.length);
}

function checkOrdered(feature: string, localTs: ArrayLike<number>): void {
  for (let i = 1; i < localTs.length; i++) {
    if ((localTs[i] as number) < (localTs[i - 1] as number))
      throw featureOutOfOrder(feature, localTs[i - 1] as number, localTs[i] as number);
  }
}

/**
 * Batch form of {@link TradeFlowImbalance}: the imbalance right after each trade of a recorded
 * series (trades in `localTs` order). Value `i` uses trades `j ≤ i` with `localTs[j] > localTs[i] − windowUs`.
 *
 * @throws {InvalidOptionError} on a bad window or unequal array lengths.
 * @throws {OutOfOrderError} (core) when `localTs` decreases.
 * @example
 * ```ts
 * tradeFlowImbalanceBatch([0, 1], [3, 1], ['buy', 'sell'], 10); // Float64Array [1, 0.5]
 * ```
 */
export function tradeFlowImbalanceBatch(
  localTs: ArrayLike<number>,
  qtyLots: ArrayLike<number>,
  aggressor: ArrayLike<AggressorInput>,
  windowUs: number,
): Float64Array {
  checkWindow(windowUs);
  const n = localTs.length;
  checkSeries('trades', n, qtyLots, aggressor);
  checkOrdered('tradeFlowImbalanceBatch', localTs);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const from = (localTs[i] as number) - windowUs;
    let buy = 0;
    let sell = 0;
    for (let j = i; j >= 0 && (localTs[j] as number) > from; j--) {
      if (aggressor[j] === 'buy') buy += qtyLots[j] as number;
      else if (aggressor[j] === 'sell') sell += qtyLots[j] as number;
    }
    out[i] = buy + sell === 0 ? Number.NaN : (buy - sell) / (buy + sell);
  }
  return out;
}

/**
 * Deviation of the mid from a VWAP in basis points: `1e4 × (mid − vwap) / vwap` (both in ticks).
 *
 * @example
 * ```ts
 * vwapDeviationBps(10_010, 10_000); // 10
 * ```
 */
export function vwapDeviationBps(midTicks: number, vwapTicks: number): number {
  return (1e4 * (midTicks - vwapTicks)) / vwapTicks;
}

/**
 * Volume-weighted average trade price over a rolling window, in ticks:
 * `Σ priceTicks·qtyLots / Σ qtyLots`; `NaN` when the window holds no volume. The running sums are
 * exact integers (and bit-identical to {@link rollingVwapBatch}) while `Σ priceTicks·qtyLots` in
 * the window stays below 2^53; above that the running sum rounds like any float sum.
 *
 * @example
 * ```ts
 * const vwap = new RollingVwap(60_000_000); // 60 s
 * vwap.onTrade(t.localTs, t.priceTicks, t.qtyLots);
 * vwap.deviationBps(tob.midTicks);
 * ```
 */
export class RollingVwap extends Windowed {
  /** Σ priceTicks × qtyLots in the window. */
  notionalTickLots = 0;
  /** Σ qtyLots in the window. */
  volumeLots = 0;
  /** VWAP in ticks at the latest time seen. */
  value = Number.NaN;

  /** @throws {InvalidOptionError} when `windowUs` is not a positive integer. */
  constructor(windowUs: number) {
    super(windowUs);
  }

  /**
   * Adds a trade and returns the VWAP after it.
   *
   * @throws {OutOfOrderError} (core) when `localTs` is before the previous event's.
   */
  onTrade(localTs: number, priceTicks: number, qtyLots: number): number {
    this.enter(localTs);
    const notional = priceTicks * qtyLots;
    this.ring.push(localTs, notional, qtyLots);
    this.notionalTickLots += notional;
    this.volumeLots += qtyLots;
    return this.compute();
  }

  /** Moves time to `localTs` and returns the VWAP. */
  advance(localTs: number): number {
    this.enter(localTs);
    return this.compute();
  }

  /** `1e4 × (midTicks − vwap) / vwap`; `NaN` without volume. */
  deviationBps(midTicks: number): number {
    return vwapDeviationBps(midTicks, this.value);
  }

  protected leave(notional: number, qty: number): void {
    this.notionalTickLots -= notional;
    this.volumeLots -= qty;
    if (this.ring.size === 1) {
      // The window is about to be empty: shed any rounding the running sums carried.
      this.notionalTickLots = 0;
      this.volumeLots = 0;
    }
  }

  private compute(): number {
    this.value = this.volumeLots === 0 ? Number.NaN : this.notionalTickLots / this.volumeLots;
    return this.value;
  }
}

/**
 * Batch form of {@link RollingVwap}: the VWAP (ticks) right after each trade of a recorded series,
 * summed directly over each window (O(n × trades per window)).
 *
 * @throws {InvalidOptionError} on a bad window or unequal array lengths.
 * @throws {OutOfOrderError} (core) when `localTs` decreases.
 * @example
 * ```ts
 * rollingVwapBatch([0, 1], [100, 110], [1, 1], 10); // Float64Array [100, 105]
 * ```
 */
export function rollingVwapBatch(
  localTs: ArrayLike<number>,
  priceTicks: ArrayLike<number>,
  qtyLots: ArrayLike<number>,
  windowUs: number,
): Float64Array {
  checkWindow(windowUs);
  const n = localTs.length;
  checkSeries('trades', n, priceTicks, qtyLots);
  checkOrdered('rollingVwapBatch', localTs);
  const out = new Float64Array(n);
  let first = 0;
  for (let i = 0; i < n; i++) {
    const from = (localTs[i] as number) - windowUs;
    while ((localTs[first] as number) <= from) first++;
    let notional = 0;
    let volume = 0;
    for (let j = first; j <= i; j++) {
      notional += (priceTicks[j] as number) * (qtyLots[j] as number);
      volume += qtyLots[j] as number;
    }
    out[i] = volume === 0 ? Number.NaN : notional / volume;
  }
  return out;
}

/**
 * Realised volatility over a rolling window: `sqrt(Σ r_i²)` where `r_i = ln(p_i / p_{i−1})` is
 * the log return between consecutive price samples and the sum runs over the samples `i` inside
 * the window (a return belongs to the time of its later sample). Unit: a fraction of price over
 * the window, not annualised. Feed it the mid after each book event, or trade prices. Samples
 * that are not positive finite numbers (e.g. the `NaN` mid of an empty book) are ignored.
 *
 * The streaming sum adds and subtracts floats, so it matches {@link realizedVolatilityBatch} to
 * ~1e-12 relative, not bit for bit; it is reset exactly whenever the window empties.
 *
 * @example
 * ```ts
 * const vol = new RealizedVolatility(300_000_000); // 5 min
 * vol.onPrice(event.localTs, tob.midTicks);
 * vol.value; // e.g. 0.0021 (21 bp over the window)
 * ```
 */
export class RealizedVolatility extends Windowed {
  /** Σ r² over the window. */
  sumSquaredReturns = 0;
  /** Realised volatility at the latest time seen. */
  value = 0;
  private previous = Number.NaN;

  /** @throws {InvalidOptionError} when `windowUs` is not a positive integer. */
  constructor(windowUs: number) {
    super(windowUs);
  }

  /**
   * Adds a price sample (ticks, or any positive price unit) and returns the volatility after it.
   *
   * @throws {OutOfOrderError} (core) when `localTs` is before the previous event's.
   */
  onPrice(localTs: number, price: number): number {
    this.enter(localTs);
    if (price > 0 && Number.isFinite(price)) {
      if (!Number.isNaN(this.previous)) {
        const r = Math.log(price / this.previous);
        this.ring.push(localTs, r * r, 0);
        this.sumSquaredReturns += r * r;
      }
      this.previous = price;
    }
    return this.compute();
  }

  /** Moves time to `localTs` and returns the volatility. */
  advance(localTs: number): number {
    this.enter(localTs);
    return this.compute();
  }

  protected leave(squared: number): void {
    this.sumSquaredReturns = this.ring.size === 1 ? 0 : this.sumSquaredReturns - squared;
  }

  private compute(): number {
    this.value = Math.sqrt(Math.max(0, this.sumSquaredReturns));
    return this.value;
  }
}

/**
 * Batch form of {@link RealizedVolatility}: the volatility right after each sample of a series.
 *
 * @throws {InvalidOptionError} on a bad window or unequal array lengths.
 * @throws {OutOfOrderError} (core) when `localTs` decreases.
 * @example
 * ```ts
 * realizedVolatilityBatch([0, 1, 2], [100, 101, 100], 10);
 * ```
 */
export function realizedVolatilityBatch(
  localTs: ArrayLike<number>,
  price: ArrayLike<number>,
  windowUs: number,
): Float64Array {
  checkWindow(windowUs);
  const n = localTs.length;
  checkSeries('samples', n, price);
  checkOrdered('realizedVolatilityBatch', localTs);
  // Returns attributed to the time of their later valid sample.
  const retTs: number[] = [];
  const retSq: number[] = [];
  const retAt = new Int32Array(n); // number of returns up to and including sample i
  let prev = Number.NaN;
  for (let i = 0; i < n; i++) {
    const p = price[i] as number;
    if (p > 0 && Number.isFinite(p)) {
      if (!Number.isNaN(prev)) {
        const r = Math.log(p / prev);
        retTs.push(localTs[i] as number);
        retSq.push(r * r);
      }
      prev = p;
    }
    retAt[i] = retTs.length;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const from = (localTs[i] as number) - windowUs;
    let sum = 0;
    for (let k = (retAt[i] as number) - 1; k >= 0 && (retTs[k] as number) > from; k--) sum += retSq[k] as number;
    out[i] = Math.sqrt(sum);
  }
  return out;
}
