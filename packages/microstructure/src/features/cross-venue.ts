/**
 * Cross-venue spread for one asset quoted on two venues, net of taker fees, with an
 * arbitrage-opportunity callback.
 *
 * @module
 */

import { NO_ASK_TICKS, NO_BID_TICKS } from '../book.js';
import { featureOutOfOrder, InvalidOptionError } from '../errors.js';

/** One venue's side of a {@link CrossVenueSpread}. */
export interface VenueQuoteSpec {
  /** Venue id, e.g. `kraken`; echoed in opportunities. */
  readonly venue: string;
  /** Price of one tick in a unit common to both venues (e.g. USD), e.g. `0.01`. */
  readonly tickSize: number;
  /** Taker fee in basis points of notional (e.g. 26 for Kraken's base tier). */
  readonly takerFeeBps: number;
}

/**
 * A moment when buying on one venue's ask and selling on the other's bid, both as a taker, earns
 * more than the two taker fees. Passed to the callback; the same object is reused for every call,
 * so copy what you keep.
 */
export interface ArbitrageOpportunity {
  /** `localTs` of the quote update that opened or kept the opportunity, µs. */
  localTs: number;
  /** Venue to buy on (at its best ask). */
  buyVenue: string;
  /** Venue to sell on (at its best bid). */
  sellVenue: string;
  /** Best ask on the buy venue, in common price units (ticks × tickSize). */
  buyPrice: number;
  /** Best bid on the sell venue, in common price units. */
  sellPrice: number;
  /** `1e4 × (sellPrice − buyPrice) / buyPrice − buyFeeBps − sellFeeBps`, > 0. */
  netSpreadBps: number;
}

/** Called on every quote update after which a direction's net spread is positive. */
export type ArbitrageCallback = (opportunity: ArbitrageOpportunity) => void;

/**
 * Net cross-venue spread in bps for buying at `buyAsk` and selling at `sellBid` (same price unit),
 * after both taker fees: `1e4 × (sellBid − buyAsk) / buyAsk − buyFeeBps − sellFeeBps`.
 *
 * @example
 * ```ts
 * netCrossSpreadBps(100, 100.5, 10, 20); // 20
 * ```
 */
export function netCrossSpreadBps(buyAsk: number, sellBid: number, buyFeeBps: number, sellFeeBps: number): number {
  return (1e4 * (sellBid - buyAsk)) / buyAsk - buyFeeBps - sellFeeBps;
}

function checkSpec(name: string, spec: VenueQuoteSpec): void {
  if (!(spec.tickSize > 0) || !Number.isFinite(spec.tickSize))
    throw new InvalidOptionError(`${name}.tickSize`, 'a positive number', spec.tickSize);
  if (!Number.isFinite(spec.takerFeeBps))
    throw new InvalidOptionError(`${name}.takerFeeBps`, 'a finite number of basis points', spec.takerFeeBps);
}

/**
 * Cross-venue spreads for the same asset on venues A and B, in basis points net of both taker
 * fees, in both directions: `aToB` buys on A and sells on B, `bToA` the reverse (`NaN` until both
 * venues have a two-sided quote). Feed each venue's best bid/ask (ticks of that venue) after its
 * book events; whenever a direction's net spread is positive the callback receives an
 * {@link ArbitrageOpportunity}. O(1), no allocation.
 *
 * @example
 * ```ts
 * const xs = new CrossVenueSpread(
 *   { venue: 'binanceus', tickSize: 0.01, takerFeeBps: 10 },
 *   { venue: 'kraken', tickSize: 0.1, takerFeeBps: 26 },
 *   (o) => console.log(`buy ${o.buyVenue} sell ${o.sellVenue}: ${o.netSpreadBps.toFixed(1)} bp`),
 * );
 * xs.update(0, ev.localTs, binance.bestBid(), binance.bestAsk());
 * ```
 */
export class CrossVenueSpread {
  /** Net bps for buying on A, selling on B. */
  aToB = Number.NaN;
  /** Net bps for buying on B, selling on A. */
  bToA = Number.NaN;
  private readonly bid = new Float64Array([Number.NaN, Number.NaN]);
  private readonly ask = new Float64Array([Number.NaN, Number.NaN]);
  private readonly opportunity: ArbitrageOpportunity = {
    localTs: 0,
    buyVenue: '',
    sellVenue: '',
    buyPrice: 0,
    sellPrice: 0,
    netSpreadBps: 0,
  };
  private lastTs = Number.NEGATIVE_INFINITY;

  /** @throws {InvalidOptionError} when a tick size is not positive or a fee is not finite. */
  constructor(
    readonly venueA: VenueQuoteSpec,
    readonly venueB: VenueQuoteSpec,
    private readonly onOpportunity?: ArbitrageCallback,
  ) {
    checkSpec('venueA', venueA);
    checkSpec('venueB', venueB);
  }

  /**
   * Records venue `venueIndex`'s (0 = A, 1 = B) best bid and ask in its own ticks (the books'
   * sentinels mean "no quote") and recomputes both directions.
   *
   * @throws {OutOfOrderError} (core) when `localTs` is before the previous update's.
   */
  update(venueIndex: 0 | 1, localTs: number, bestBidTicks: number, bestAskTicks: number): void {
    if (localTs < this.lastTs) throw featureOutOfOrder('CrossVenueSpread', this.lastTs, localTs);
    this.lastTs = localTs;
    const tick = venueIndex === 0 ? this.venueA.tickSize : this.venueB.tickSize;
    this.bid[venueIndex] = bestBidTicks === NO_BID_TICKS ? Number.NaN : bestBidTicks * tick;
    this.ask[venueIndex] = bestAskTicks === NO_ASK_TICKS ? Number.NaN : bestAskTicks * tick;
    const feeA = this.venueA.takerFeeBps;
    const feeB = this.venueB.takerFeeBps;
    this.aToB = netCrossSpreadBps(this.ask[0] as number, this.bid[1] as number, feeA, feeB);
    this.bToA = netCrossSpreadBps(this.ask[1] as number, this.bid[0] as number, feeB, feeA);
    if (this.onOpportunity === undefined) return;
    if (this.aToB > 0)
      this.emit(localTs, this.venueA.venue, this.venueB.venue, this.ask[0] as number, this.bid[1] as number, this.aToB);
    if (this.bToA > 0)
      this.emit(localTs, this.venueB.venue, this.venueA.venue, this.ask[1] as number, this.bid[0] as number, this.bToA);
  }

  private emit(
    localTs: number,
    buyVenue: string,
    sellVenue: string,
    buyPrice: number,
    sellPrice: number,
    netSpreadBps: number,
  ): void {
    const o = this.opportunity;
    o.localTs = localTs;
    o.buyVenue = buyVenue;
    o.sellVenue = sellVenue;
    o.buyPrice = buyPrice;
    o.sellPrice = sellPrice;
    o.netSpreadBps = netSpreadBps;
    (this.onOpportunity as ArbitrageCallback)(o);
  }
}

/** A recorded two-venue quote series for {@link crossVenueSpreadBatch}, one entry per quote update. */
export interface CrossVenueQuoteSeries {
  /** 0 for venue A, 1 for venue B. */
  readonly venueIndex: ArrayLike<number>;
  readonly bestBidTicks: ArrayLike<number>;
  readonly bestAskTicks: ArrayLike<number>;
}

/**
 * Batch form of {@link CrossVenueSpread}: both directions' net spreads (bps) after each update.
 *
 * @throws {InvalidOptionError} on bad specs or unequal array lengths.
 * @example
 * ```ts
 * const { aToB, bToA } = crossVenueSpreadBatch(specA, specB, { venueIndex: [0, 1], bestBidTicks: [999, 1003], bestAskTicks: [1000, 1004] });
 * ```
 */
export function crossVenueSpreadBatch(
  venueA: VenueQuoteSpec,
  venueB: VenueQuoteSpec,
  series: CrossVenueQuoteSeries,
): { aToB: Float64Array; bToA: Float64Array } {
  checkSpec('venueA', venueA);
  checkSpec('venueB', venueB);
  const n = series.venueIndex.length;
  if (series.bestBidTicks.length !== n || series.bestAskTicks.length !== n) {
    throw new InvalidOptionError('series', `arrays of equal length ${n}`, [
      series.bestBidTicks.length,
      series.bestAskTicks.length,
    ]);
  }
  const aToB = new Float64Array(n);
  const bToA = new Float64Array(n);
  // Latest quote of each venue at or before entry i, in common price units.
  let bidA = Number.NaN;
  let askA = Number.NaN;
  let bidB = Number.NaN;
  let askB = Number.NaN;
  for (let i = 0; i < n; i++) {
    const bid = series.bestBidTicks[i] as number;
    const ask = series.bestAskTicks[i] as number;
    if (series.venueIndex[i] === 0) {
      bidA = bid === NO_BID_TICKS ? Number.NaN : bid * venueA.tickSize;
      askA = ask === NO_ASK_TICKS ? Number.NaN : ask * venueA.tickSize;
    } else {
      bidB = bid === NO_BID_TICKS ? Number.NaN : bid * venueB.tickSize;
      askB = ask === NO_ASK_TICKS ? Number.NaN : ask * venueB.tickSize;
    }
    aToB[i] = netCrossSpreadBps(askA, bidB, venueA.takerFeeBps, venueB.takerFeeBps);
    bToA[i] = netCrossSpreadBps(askB, bidA, venueB.takerFeeBps, venueA.takerFeeBps);
  }
  return { aToB, bToA };
}
