/**
 * OHLCV bars from trades at a fixed interval.
 *
 * @module
 */
import { featureOutOfOrder, InvalidOptionError } from '../errors.js';

/** One bar. Prices in ticks, volume in lots, notional in tick·lots, times in µs. */
export interface OhlcvBar {
  /** Start of the interval (inclusive), µs: a multiple of the interval. */
  readonly startTs: number;
  /** End of the interval (exclusive), µs. */
  readonly endTs: number;
  readonly openTicks: number;
  readonly highTicks: number;
  readonly lowTicks: number;
  readonly closeTicks: number;
  readonly volumeLots: number;
  /** Σ priceTicks × qtyLots (VWAP = notional / volume). */
  readonly notionalTickLots: number;
  readonly tradeCount: number;
}

/**
 * Builds OHLCV bars from trades, bucketed by `localTs` into `[k·intervalUs, (k+1)·intervalUs)`.
 * A bar is emitted once it is complete: when a trade of a later interval arrives or when
 * {@link OhlcvBarBuilder.closeUntil} moves time past its end, so a bar never depends on anything
 * received after it closed. Intervals without trades produce no bar. Allocates one object per
 * emitted bar, nothing per trade.
 *
 * @example
 * ```ts
 * const bars: OhlcvBar[] = [];
 * const builder = new OhlcvBarBuilder(60_000_000, (bar) => bars.push(bar)); // 1-minute bars
 * builder.onTrade(t.localTs, t.priceTicks, t.qtyLots);
 * ```
 */
export class OhlcvBarBuilder {
  private startTs = Number.NaN;
  private open = 0;
  private high = 0;
  private low = 0;
  private close = 0;
  private volume = 0;
  private notional = 0;
  private count = 0;
  private lastTs = Number.NEGATIVE_INFINITY;

  /** @throws {InvalidOptionError} when `intervalUs` is not a positive integer. */
  constructor(
    readonly intervalUs: number,
    private readonly onBar: (bar: OhlcvBar) => void,
  ) {
    if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0)
      throw new InvalidOptionError('intervalUs', 'a positive integer number of microseconds', intervalUs);
  }

  /**
   * Adds a trade; emits the previous bar first if this trade starts a new interval.
   *
   * @throws {OutOfOrderError} (core) when `localTs` is before the previous trade's.
   */
  onTrade(localTs: number, priceTicks: number, qtyLots: number): void {
    if (localTs < this.lastTs) throw featureOutOfOrder('OhlcvBarBuilder', this.lastTs, localTs);
    this.lastTs = localTs;
    const start = localTs - (((localTs % this.intervalUs) + this.intervalUs) % this.intervalUs);
    if (start !== this.startTs) {
      if (this.count > 0) this.emit();
      this.startTs = start;
      this.open = this.high = this.low = priceTicks;
      this.volume = 0;
      this.notional = 0;
      this.count = 0;
    }
    if (priceTicks > this.high) this.high = priceTicks;
    if (priceTicks < this.low) this.low = priceTicks;
    this.close = priceTicks;
    this.volume += qtyLots;
    this.notional += priceTicks * qtyLots;
    this.count++;
  }

  /** Emits the forming bar if `localTs` is at or past its end (call on any event to close bars on time). */
  closeUntil(localTs: number): void {
    if (this.count > 0 && localTs >= this.startTs + this.intervalUs) {
      this.emit();
      this.count = 0;
      this.startTs = Number.NaN;
    }
  }

  /** The bar being formed (not yet complete), or `undefined` when no trade is in it. Allocates. */
  current(): OhlcvBar | undefined {
    return this.count === 0 ? undefined : this.snapshot();
  }

  private snapshot(): OhlcvBar {
    return {
      startTs: this.startTs,
      endTs: this.startTs + this.intervalUs,
      openTicks: this.open,
      highTicks: this.high,
      lowTicks: this.low,
      closeTicks: this.close,
      volumeLots: this.volume,
      notionalTickLots: this.notional,
      tradeCount: this.count,
    };
  }

  private emit(): void {
    this.onBar(this.snapshot());
  }
}

/**
 * Batch form of {@link OhlcvBarBuilder}: every bar of a recorded trade series, including the last
 * (possibly incomplete) one.
 *
 * @throws {InvalidOptionError} on a bad interval or unequal array lengths.
 * @throws {OutOfOrderError} (core) when `localTs` decreases.
 * @example
 * ```ts
 * ohlcvBatch([0, 5, 12], [100, 103, 101], [1, 2, 1], 10).length; // 2
 * ```
 */
export function ohlcvBatch(
  localTs: ArrayLike<number>,
  priceTicks: ArrayLike<number>,
  qtyLots: ArrayLike<number>,
  intervalUs: number,
): OhlcvBar[] {
  if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0)
    throw new InvalidOptionError('intervalUs', 'a positive integer number of microseconds', intervalUs);
  const n = localTs.length;
  if (priceTicks.length !== n || qtyLots.length !== n)
    throw new InvalidOptionError('trades', `arrays of equal length ${n}`, [priceTicks.length, qtyLots.length]);
  const bars: OhlcvBar[] = [];
  let i = 0;
  while (i < n) {
    const t0 = localTs[i] as number;
    const startTs = Math.floor(t0 / intervalUs) * intervalUs;
    const endTs = startTs + intervalUs;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let volume = 0;
    let notional = 0;
    const first = i;
    for (; i < n && (localTs[i] as number) < endTs; i++) {
      if (i > 0 && (localTs[i] as number) < (localTs[i - 1] as number))
        throw featureOutOfOrder('ohlcvBatch', localTs[i - 1] as number, localTs[i] as number);
      const p = priceTicks[i] as number;
      high = Math.max(high, p);
      low = Math.min(low, p);
      volume += qtyLots[i] as number;
      notional += p * (qtyLots[i] as number);
    }
    bars.push({
      startTs,
      endTs,
      openTicks: priceTicks[first] as number,
      highTicks: high,
      lowTicks: low,
      closeTicks: priceTicks[i - 1] as number,
      volumeLots: volume,
      notionalTickLots: notional,
      tradeCount: i - first,
    });
  }
  return bars;
}
