/**
 * The simulated venue: one per exchange, fed the same normalized events as the live book, with
 * pluggable queue, latency, fee and impact models, assembled by {@link SimulatedVenueBuilder}.
 *
 * Time: the venue acts in venue (exchange) time, expressed on our clock. An order reaches it at
 * `arrivalUs` (sent + entry latency) and can only fill on events whose venue time is
 * `≥ arrivalUs`; events received later but that happened earlier (delayed by market-data
 * latency, `localTs − exchTs`) still move the book and re-anchor the queue position, but never
 * fill the order. Where a recording's venue clock runs ahead of the local one (`exchTs >
 * localTs`, as in the Binance sample by ~1.27 s), the venue time is `exchTs − skew` with the skew
 * the largest `exchTs − localTs` seen so far, so no event is placed after its receipt.
 *
 * @module
 */

import type { MarketEvent, Trade } from '@tickerml/core';
import { BaseError } from '@tickerml/core';
import { type BookSide, NO_ASK, NO_BID, VenueBook } from './book.js';
import type { FeeModel } from './fees.js';
import type { TradableInstrument } from './instrument.js';
import type { LatencyModel } from './latency.js';
import { parseRate, type Rate } from './money.js';
import { type Liquidity, type OrderRequest, RejectReason, SimOrder } from './orders.js';
import type { Fill, Portfolio } from './portfolio.js';
import type { QueueModel } from './queue.js';

/** Markout horizons, microseconds: +1 s, +10 s, +60 s. */
export const MARKOUT_HORIZONS_US = [1_000_000, 10_000_000, 60_000_000] as const;
/** Default toxic threshold on the entry queue position (see {@link SimOrder.entryQueuePosition}). */
export const DEFAULT_TOXIC_QUEUE_POSITION = 10;

/** What the venue tells its owner (the engine), in venue time. */
export interface VenueListener {
  /** An order changed state (acknowledged, cancelled, rejected, filled…). */
  onOrderUpdate(order: SimOrder, venueUs: number): void;
  /** A fill happened (already booked in the portfolio). */
  onFill(fill: Fill, order: SimOrder): void;
  /** A cancel could not be done (`unknown_order`, `order_already_closed`). */
  onCancelReject(orderId: string, reason: RejectReason, venueUs: number): void;
}

/** Market impact: how long liquidity we took stays consumed. */
export interface ImpactConfig {
  /**
   * Half-life of consumed liquidity, microseconds: taken lots decay as `lots × 2^(−Δt/halfLife)`.
   * `Infinity` keeps it consumed until the book reports a smaller level or a snapshot. Default 1 s.
   */
  readonly halfLifeUs: number;
}

/**
 * A venue configuration the builder refuses (a missing model, no instruments).
 *
 * @example
 * ```ts
 * new SimulatedVenueBuilder('binance').build(); // throws IncompleteVenueConfigError: missing instruments, queueModel, latencyModel, feeModel, portfolio
 * ```
 */
export class IncompleteVenueConfigError extends BaseError {
  override name = 'IncompleteVenueConfigError' as const;
}

/**
 * A symbol this venue was not configured with, asked for by name.
 *
 * @example
 * ```ts
 * venue.instrument('DOGE/USDT'); // throws VenueInstrumentError
 * ```
 */
export class VenueInstrumentError extends BaseError {
  override name = 'VenueInstrumentError' as const;
}

/**
 * An order id used twice on one venue.
 *
 * @example
 * ```ts
 * venue.submit(request, 'o1', 0, 1); venue.submit(request, 'o1', 0, 2); // throws DuplicateOrderIdError
 * ```
 */
export class DuplicateOrderIdError extends BaseError {
  override name = 'DuplicateOrderIdError' as const;
}

interface Consumed {
  lots: number;
  atUs: number;
}

interface PendingMarkout {
  readonly fill: Fill;
  readonly dueUs: number;
}

interface SymbolState {
  readonly instrument: TradableInstrument;
  readonly book: VenueBook;
  /** Our open resting orders, in time priority. */
  readonly resting: SimOrder[];
  readonly consumedBids: Map<number, Consumed>;
  readonly consumedAsks: Map<number, Consumed>;
  /** L3: id → order; per price, ids in arrival order with their size. */
  readonly l3Orders: Map<string, { side: 'bid' | 'ask'; priceTicks: number; qtyLots: number }>;
  readonly l3Bids: Map<number, Map<string, number>>;
  readonly l3Asks: Map<number, Map<string, number>>;
  readonly markouts: [PendingMarkout[], PendingMarkout[], PendingMarkout[]];
  readonly markoutHeads: [number, number, number];
  /** Markouts not yet resolved, all horizons. */
  pendingMarkouts: number;
  funding: { rate: Rate; fundingTs: number; markTicks: number | undefined } | undefined;
  lastSettledFundingTs: number;
  /** False after a gap or checksum mismatch, until the next snapshot or resync. */
  bookValid: boolean;
}

/** Everything a {@link SimulatedVenue} is made of. */
export interface SimulatedVenueConfig {
  readonly venueId: string;
  readonly instruments: readonly TradableInstrument[];
  readonly queueModel: QueueModel;
  readonly latencyModel: LatencyModel;
  readonly feeModel: FeeModel;
  readonly impact: ImpactConfig;
  readonly portfolio: Portfolio;
  /** Entry queue position above which a fill is flagged toxic. Default 10. */
  readonly toxicQueuePosition: number;
  /** Perpetuals: notional allowed per unit of free cash when opening. Default 1. */
  readonly maxLeverage: number;
  /**
   * Closed orders kept for lookups ({@link SimulatedVenue.order}, cancel replies); older ones are
   * forgotten and a cancel for them is answered `unknown_order`. Default 100,000.
   */
  readonly closedOrderRetention: number;
}

/**
 * Assembles a {@link SimulatedVenue}; `build()` refuses an incomplete configuration.
 *
 * @example
 * ```ts
 * const venue = new SimulatedVenueBuilder('binance')
 *   .instruments([btc])
 *   .queueModel(powerProbQueue(2))
 *   .latencyModel(rangeLatency({ minMs: 50, maxMs: 100, seed: 7 }))
 *   .feeModel(makerTakerFees({ maker: '0.001', taker: '0.001' }))
 *   .portfolio(portfolio)
 *   .build();
 * ```
 */
export class SimulatedVenueBuilder {
  private readonly venueId: string;
  private instrumentList: readonly TradableInstrument[] | undefined;
  private queue: QueueModel | undefined;
  private latency: LatencyModel | undefined;
  private fees: FeeModel | undefined;
  private impactConfig: ImpactConfig = { halfLifeUs: 1_000_000 };
  private ledger: Portfolio | undefined;
  private toxic = DEFAULT_TOXIC_QUEUE_POSITION;
  private leverage = 1;
  private retention = 100_000;

  constructor(venueId: string) {
    this.venueId = venueId;
  }
  /** Instruments tradable on this venue (their `venue` must be this venue's id). */
  instruments(list: readonly TradableInstrument[]): this {
    this.instrumentList = list;
    return this;
  }
  queueModel(model: QueueModel): this {
    this.queue = model;
    return this;
  }
  latencyModel(model: LatencyModel): this {
    this.latency = model;
    return this;
  }
  feeModel(model: FeeModel): this {
    this.fees = model;
    return this;
  }
  /** Market impact decay; default half-life 1 s. */
  marketImpact(config: ImpactConfig): this {
    this.impactConfig = config;
    return this;
  }
  portfolio(portfolio: Portfolio): this {
    this.ledger = portfolio;
    return this;
  }
  /** Toxic threshold on the entry queue position (default 10). */
  toxicQueuePosition(threshold: number): this {
    this.toxic = threshold;
    return this;
  }
  /** Leverage for perpetuals (default 1). */
  maxLeverage(leverage: number): this {
    this.leverage = leverage;
    return this;
  }
  /** How many closed orders to keep for lookups (default 100,000). */
  closedOrderRetention(count: number): this {
    this.retention = count;
    return this;
  }

  /**
   * @throws IncompleteVenueConfigError naming every missing or invalid part.
   */
  build(): SimulatedVenue {
    const missing: string[] = [];
    if (this.instrumentList === undefined || this.instrumentList.length === 0) missing.push('instruments');
    if (this.queue === undefined) missing.push('queueModel');
    if (this.latency === undefined) missing.push('latencyModel');
    if (this.fees === undefined) missing.push('feeModel');
    if (this.ledger === undefined) missing.push('portfolio');
    if (missing.length > 0)
      throw new IncompleteVenueConfigError(`venue '${this.venueId}' is missing ${missing.join(', ')}`);
    for (const i of this.instrumentList ?? []) {
      if (i.venue !== this.venueId)
        throw new IncompleteVenueConfigError(
          `venue '${this.venueId}' was given instrument ${i.symbol} of venue '${i.venue}'`,
        );
    }
    if (!(this.impactConfig.halfLifeUs > 0))
      throw new IncompleteVenueConfigError(
        `venue '${this.venueId}': impact halfLifeUs must be > 0, was ${this.impactConfig.halfLifeUs}`,
      );
    if (!(this.leverage > 0))
      throw new IncompleteVenueConfigError(`venue '${this.venueId}': maxLeverage must be > 0, was ${this.leverage}`);
    if (!(this.toxic >= 0))
      throw new IncompleteVenueConfigError(
        `venue '${this.venueId}': toxicQueuePosition must be ≥ 0, was ${this.toxic}`,
      );
    return new SimulatedVenue({
      venueId: this.venueId,
      instruments: this.instrumentList as readonly TradableInstrument[],
      queueModel: this.queue as QueueModel,
      latencyModel: this.latency as LatencyModel,
      feeModel: this.fees as FeeModel,
      impact: this.impactConfig,
      portfolio: this.ledger as Portfolio,
      toxicQueuePosition: this.toxic,
      maxLeverage: this.leverage,
      closedOrderRetention: this.retention,
    });
  }
}

const NOOP_LISTENER: VenueListener = { onOrderUpdate() {}, onFill() {}, onCancelReject() {} };

/**
 * A simulated exchange. Feed it market events with {@link onEvent} and orders with {@link submit}
 * and {@link cancel} (at their arrival time); it fills them by its queue model, books fills in the
 * portfolio and reports everything to its {@link VenueListener}.
 */
export class SimulatedVenue {
  readonly venueId: string;
  readonly config: SimulatedVenueConfig;
  readonly latency: LatencyModel;
  private readonly symbols = new Map<string, SymbolState>();
  private readonly openOrders = new Map<string, SimOrder>();
  private readonly closedOrders = new Map<string, SimOrder>();
  private listener: VenueListener = NOOP_LISTENER;
  private restSeq = 0;
  /**
   * How far the venue's clock runs ahead of ours, microseconds: the largest `exchTs − localTs`
   * seen (0 while every event has `exchTs ≤ localTs`). Venue time of an event is `exchTs − skew`.
   */
  clockSkewUs = 0;
  private readonly portfolio: Portfolio;
  private readonly queue: QueueModel;
  private readonly halfLifeUs: number;

  constructor(config: SimulatedVenueConfig) {
    this.venueId = config.venueId;
    this.config = config;
    this.latency = config.latencyModel;
    this.portfolio = config.portfolio;
    this.queue = config.queueModel;
    this.halfLifeUs = config.impact.halfLifeUs;
    for (const instrument of config.instruments) {
      this.symbols.set(instrument.symbol, {
        instrument,
        book: new VenueBook(),
        resting: [],
        consumedBids: new Map(),
        consumedAsks: new Map(),
        l3Orders: new Map(),
        l3Bids: new Map(),
        l3Asks: new Map(),
        markouts: [[], [], []],
        markoutHeads: [0, 0, 0],
        pendingMarkouts: 0,
        funding: undefined,
        lastSettledFundingTs: Number.NEGATIVE_INFINITY,
        bookValid: true,
      });
    }
  }

  /** Sets who hears about order updates and fills. */
  setListener(listener: VenueListener): void {
    this.listener = listener;
  }

  /** Symbols traded here. */
  symbolList(): string[] {
    return [...this.symbols.keys()];
  }

  /** @throws VenueInstrumentError for a symbol this venue does not trade. */
  instrument(symbol: string): TradableInstrument {
    return this.state(symbol).instrument;
  }

  /** The venue's book for `symbol` (displayed market quantities). */
  book(symbol: string): VenueBook {
    return this.state(symbol).book;
  }

  /** True when the symbol is configured here. */
  trades(symbol: string): boolean {
    return this.symbols.has(symbol);
  }

  /** An order by id (open or closed), or undefined. */
  order(orderId: string): SimOrder | undefined {
    return this.openOrders.get(orderId) ?? this.closedOrders.get(orderId);
  }

  /** Open orders, optionally of one symbol, in arrival order. */
  open(symbol?: string): SimOrder[] {
    const out: SimOrder[] = [];
    for (const o of this.openOrders.values()) if (symbol === undefined || o.symbol === symbol) out.push(o);
    return out;
  }

  /** Closed orders still retained (filled, cancelled, rejected; see `closedOrderRetention`), in closing order. */
  closed(): SimOrder[] {
    return [...this.closedOrders.values()];
  }

  /**
   * Lots at `priceTicks` on the side a taker would hit, less what we already took there
   * (market impact, decayed to `atUs`).
   */
  availableLots(symbol: string, side: 'bid' | 'ask', priceTicks: number, atUs: number): number {
    const st = this.state(symbol);
    const bookSide = side === 'bid' ? st.book.bids : st.book.asks;
    const consumed = side === 'bid' ? st.consumedBids : st.consumedAsks;
    return Math.max(0, bookSide.qtyAt(priceTicks) - this.consumedAt(consumed, priceTicks, atUs));
  }

  private state(symbol: string): SymbolState {
    const st = this.symbols.get(symbol);
    if (st === undefined)
      throw new VenueInstrumentError(
        `venue '${this.venueId}' does not trade ${symbol} (trades: ${[...this.symbols.keys()].join(', ')})`,
      );
    return st;
  }

  // ---------------------------------------------------------------- orders

  /**
   * Handles an order request arriving at `arrivalUs` (venue time): validates it (rejecting with a
   * reason as the venue would), acknowledges it, takes what crosses, and rests or cancels the
   * rest according to its type.
   *
   * @throws DuplicateOrderIdError when `orderId` was already used on this venue.
   */
  submit(request: OrderRequest, orderId: string, sentUs: number, arrivalUs: number): SimOrder {
    if (this.openOrders.has(orderId) || this.closedOrders.has(orderId))
      throw new DuplicateOrderIdError(`order id ${orderId} used twice on ${this.venueId}`);
    const st = this.symbols.get(request.symbol);
    let priceTicks = request.priceTicks;
    let qtyLots = request.qtyLots;
    let reason: RejectReason | undefined;
    if (st === undefined) reason = RejectReason.UnknownSymbol;
    else {
      const inst = st.instrument;
      if (request.price !== undefined) priceTicks = inst.toTicks(request.price) ?? Number.NaN;
      if (request.qty !== undefined) qtyLots = inst.toLots(request.qty) ?? Number.NaN;
      if (request.type !== 'market' && priceTicks === undefined) reason = RejectReason.MissingPrice;
      else if (priceTicks !== undefined && (!Number.isSafeInteger(priceTicks) || priceTicks <= 0))
        reason = RejectReason.OffTickGrid;
      else if (qtyLots === undefined || !Number.isSafeInteger(qtyLots)) reason = RejectReason.OffLotGrid;
      else if (qtyLots < inst.minQtyLots || qtyLots <= 0) reason = RejectReason.BelowMinSize;
    }
    const order = new SimOrder({
      orderId,
      venue: this.venueId,
      symbol: request.symbol,
      side: request.side,
      type: request.type,
      priceTicks: priceTicks !== undefined && Number.isFinite(priceTicks) ? priceTicks : 0,
      qtyLots: qtyLots !== undefined && Number.isFinite(qtyLots) ? qtyLots : 0,
      tag: request.tag,
      sentUs,
      arrivalUs,
    });
    if (reason === undefined && st !== undefined) reason = this.validateAgainstMarket(st, order, arrivalUs);
    if (reason !== undefined) {
      order.rejectReason = reason;
      order.transition('rejected', arrivalUs);
      this.retainClosed(order);
      this.listener.onOrderUpdate(order, arrivalUs);
      return order;
    }
    const s = st as SymbolState;
    order.transition('acknowledged', arrivalUs);
    this.openOrders.set(orderId, order);
    this.listener.onOrderUpdate(order, arrivalUs);
    const isBuy = order.side === 'buy';
    const limit = order.type === 'market' ? (isBuy ? NO_ASK : NO_BID) : order.priceTicks;
    if (order.type === 'fok' && this.sweepable(s, isBuy, limit, arrivalUs) < order.qtyLots) {
      order.rejectReason = RejectReason.NoLiquidity;
      this.close(order, 'cancelled', arrivalUs);
      return order;
    }
    if (order.type !== 'post_only') this.sweep(s, order, limit, arrivalUs, 'taker');
    if (order.leavesLots === 0) return order;
    if (order.type === 'limit' || order.type === 'post_only') {
      this.rest(s, order, arrivalUs);
    } else {
      if (order.filledLots === 0) order.rejectReason = RejectReason.NoLiquidity;
      this.close(order, 'cancelled', arrivalUs);
    }
    return order;
  }

  /**
   * Handles a cancel arriving at `arrivalUs`. Returns undefined when the order was cancelled, or
   * the reason the cancel failed (the order filled or was never known: a cancel that loses the
   * race against a fill).
   */
  cancel(orderId: string, arrivalUs: number): RejectReason | undefined {
    const order = this.openOrders.get(orderId);
    if (order === undefined) {
      const reason = this.closedOrders.has(orderId) ? RejectReason.OrderAlreadyClosed : RejectReason.UnknownOrder;
      this.listener.onCancelReject(orderId, reason, arrivalUs);
      return reason;
    }
    this.close(order, 'cancelled', arrivalUs);
    return undefined;
  }

  private retainClosed(order: SimOrder): void {
    this.closedOrders.set(order.orderId, order);
    if (this.closedOrders.size > this.config.closedOrderRetention) {
      // Oldest first (Map keeps insertion order): a long run does not keep every order alive.
      const oldest = this.closedOrders.keys().next().value;
      if (oldest !== undefined) this.closedOrders.delete(oldest);
    }
  }

  private close(order: SimOrder, status: 'cancelled' | 'filled', atUs: number): void {
    if (status === 'cancelled') order.transition('cancelled', atUs);
    this.openOrders.delete(order.orderId);
    this.retainClosed(order);
    const st = this.symbols.get(order.symbol);
    if (st !== undefined) {
      const i = st.resting.indexOf(order);
      if (i >= 0) st.resting.splice(i, 1);
    }
    if (status === 'cancelled') this.listener.onOrderUpdate(order, atUs);
  }

  private validateAgainstMarket(st: SymbolState, order: SimOrder, atUs: number): RejectReason | undefined {
    const inst = st.instrument;
    const isBuy = order.side === 'buy';
    const book = st.book;
    let notional: bigint;
    if (order.type === 'market') {
      const best = isBuy ? book.bestAsk() : book.bestBid();
      if (best === NO_ASK || best === NO_BID || !st.bookValid) return RejectReason.NoLiquidity;
      notional = this.walkNotional(st, isBuy, order.qtyLots, atUs);
    } else {
      notional = inst.notionalAtoms(order.priceTicks, order.qtyLots);
      if (order.type === 'post_only') {
        const crosses = isBuy ? order.priceTicks >= book.bestAsk() : order.priceTicks <= book.bestBid();
        if (crosses) return RejectReason.PostOnlyWouldCross;
      }
    }
    if (notional < inst.minNotionalAtoms) return RejectReason.BelowMinNotional;
    if (!this.portfolio.hasAccount(this.venueId)) return RejectReason.InsufficientBalance;
    const pos = this.portfolio.position(inst);
    if (inst.perpetual) {
      const reducing =
        (isBuy && pos.qtyLots < 0 && order.qtyLots <= -pos.qtyLots) ||
        (!isBuy && pos.qtyLots > 0 && order.qtyLots <= pos.qtyLots);
      if (reducing) return undefined;
      const free = this.portfolio.cashAtoms(this.venueId, inst.quote) - this.reservedQuote(inst.quote, true);
      const lev = BigInt(Math.round(this.config.maxLeverage * 1000));
      if (free * lev < notional * 1000n) return RejectReason.InsufficientBalance;
      return undefined;
    }
    if (isBuy) {
      const fee = this.config.feeModel.feeAtoms(notional, 'taker');
      const need = notional + (fee > 0n ? fee : 0n);
      const free = this.portfolio.cashAtoms(this.venueId, inst.quote) - this.reservedQuote(inst.quote, false);
      if (free < need) return RejectReason.InsufficientBalance;
    } else {
      let reservedLots = 0;
      for (const o of this.openOrders.values())
        if (o.symbol === order.symbol && o.side === 'sell') reservedLots += o.leavesLots;
      if (pos.qtyLots - reservedLots < order.qtyLots) return RejectReason.InsufficientBalance;
    }
    return undefined;
  }

  /** Quote reserved by open orders: buys (spot), or both sides (perpetuals, margin at 1×). */
  private reservedQuote(quote: string, bothSides: boolean): bigint {
    let total = 0n;
    for (const o of this.openOrders.values()) {
      const st = this.symbols.get(o.symbol);
      if (st === undefined || st.instrument.quote !== quote || st.instrument.perpetual !== bothSides) continue;
      if (o.side === 'buy' || bothSides) total += st.instrument.notionalAtoms(o.priceTicks, o.leavesLots);
    }
    return total;
  }

  private walkNotional(st: SymbolState, isBuy: boolean, qtyLots: number, atUs: number): bigint {
    const side = isBuy ? st.book.asks : st.book.bids;
    const consumed = isBuy ? st.consumedAsks : st.consumedBids;
    let left = qtyLots;
    let total = 0n;
    let lastPrice = 0;
    for (let i = 0; i < side.size && left > 0; i++) {
      const price = side.priceAt(i);
      const avail = side.qtyAtIndex(i) - this.consumedAt(consumed, price, atUs);
      lastPrice = price;
      if (avail <= 0) continue;
      const lots = Math.min(avail, left);
      total += st.instrument.notionalAtoms(price, lots);
      left -= lots;
    }
    if (left > 0) total += st.instrument.notionalAtoms(lastPrice, left);
    return total;
  }

  private consumedAt(map: Map<number, Consumed>, priceTicks: number, atUs: number): number {
    if (map.size === 0) return 0;
    const c = map.get(priceTicks);
    if (c === undefined) return 0;
    if (this.halfLifeUs === Number.POSITIVE_INFINITY || atUs <= c.atUs) return c.lots;
    return Math.floor(c.lots * 2 ** (-(atUs - c.atUs) / this.halfLifeUs));
  }

  private consume(map: Map<number, Consumed>, priceTicks: number, lots: number, atUs: number): void {
    const prev = this.consumedAt(map, priceTicks, atUs);
    const c = map.get(priceTicks);
    if (c === undefined) map.set(priceTicks, { lots: prev + lots, atUs });
    else {
      c.lots = prev + lots;
      c.atUs = atUs;
    }
  }

  /** Lots a taker could take within `limit` right now. */
  private sweepable(st: SymbolState, isBuy: boolean, limit: number, atUs: number): number {
    if (!st.bookValid) return 0;
    const side = isBuy ? st.book.asks : st.book.bids;
    const consumed = isBuy ? st.consumedAsks : st.consumedBids;
    let total = 0;
    for (let i = 0; i < side.size; i++) {
      const price = side.priceAt(i);
      if (isBuy ? price > limit : price < limit) break;
      const avail = side.qtyAtIndex(i) - this.consumedAt(consumed, price, atUs);
      if (avail > 0) total += avail;
    }
    return total;
  }

  /**
   * Fills `order` against displayed opposite liquidity within `limit`, level by level, marking
   * what it takes as consumed. Takers fill at each level's price; a resting order that the
   * market moved through (`maker`) fills at its own price.
   */
  private sweep(st: SymbolState, order: SimOrder, limit: number, atUs: number, liquidity: Liquidity): void {
    if (!st.bookValid) return;
    const isBuy = order.side === 'buy';
    const side: BookSide = isBuy ? st.book.asks : st.book.bids;
    const consumed = isBuy ? st.consumedAsks : st.consumedBids;
    for (let i = 0; i < side.size && order.leavesLots > 0; i++) {
      const price = side.priceAt(i);
      if (isBuy ? price > limit : price < limit) break;
      const avail = side.qtyAtIndex(i) - this.consumedAt(consumed, price, atUs);
      if (avail <= 0) continue;
      const lots = Math.min(avail, order.leavesLots);
      this.consume(consumed, price, lots, atUs);
      this.fill(st, order, liquidity === 'taker' ? price : order.priceTicks, lots, liquidity, atUs);
    }
  }

  private rest(st: SymbolState, order: SimOrder, atUs: number): void {
    const isBuy = order.side === 'buy';
    order.restSeq = ++this.restSeq;
    const level = (isBuy ? st.l3Bids : st.l3Asks).get(order.priceTicks);
    if (this.queue.needsL3) {
      order.l3Ahead = new Map(level ?? []);
      let lots = 0;
      for (const q of (level ?? new Map<string, number>()).values()) lots += q;
      order.queueAheadLots = lots;
      order.queueAheadOrders = level?.size ?? 0;
      order.entryQueuePosition = order.queueAheadOrders;
    } else {
      order.queueAheadLots = (isBuy ? st.book.bids : st.book.asks).qtyAt(order.priceTicks);
      order.entryQueuePosition = order.queueAheadLots / order.qtyLots;
    }
    order.tradedSinceDepthLots = 0;
    st.resting.push(order);
    void atUs;
  }

  private fill(
    st: SymbolState,
    order: SimOrder,
    priceTicks: number,
    lots: number,
    liquidity: Liquidity,
    atUs: number,
  ): void {
    const inst = st.instrument;
    const feeAtoms = this.config.feeModel.feeAtoms(inst.notionalAtoms(priceTicks, lots), liquidity);
    const position = liquidity === 'maker' ? order.entryQueuePosition : 0;
    const fill: Fill = {
      fillId: this.portfolio.nextFillId(),
      orderId: order.orderId,
      venue: this.venueId,
      symbol: order.symbol,
      side: order.side,
      priceTicks,
      qtyLots: lots,
      liquidity,
      feeAtoms,
      atUs,
      entryQueuePosition: position,
      toxic: liquidity === 'maker' && position > this.config.toxicQueuePosition,
      midAtFillTicks: st.book.mid(),
      markoutsTicks: [Number.NaN, Number.NaN, Number.NaN],
      tag: order.tag,
    };
    order.applyFill(lots, atUs);
    this.portfolio.applyFill(inst, fill);
    if (!Number.isNaN(fill.midAtFillTicks)) {
      for (let h = 0; h < 3; h++)
        st.markouts[h as 0 | 1 | 2].push({ fill, dueUs: atUs + (MARKOUT_HORIZONS_US[h] as number) });
      st.pendingMarkouts += 3;
    }
    this.listener.onFill(fill, order);
    if (order.leavesLots === 0) this.close(order, 'filled', atUs);
  }

  // ---------------------------------------------------------------- market data

  /**
   * Applies one market event for this venue: updates the book, moves queue positions, fills
   * resting orders, settles funding and resolves due markouts. Events of other venues or of
   * symbols not traded here are ignored.
   */
  onEvent(e: MarketEvent): void {
    if (e.venue !== this.venueId) return;
    const st = this.symbols.get(e.symbol);
    if (st === undefined) return;
    // Venue time, on our clock: an event cannot have happened after we received it, so the
    // largest `exchTs − localTs` seen so far is taken as the venue clock running ahead of ours.
    let t = e.exchTs - this.clockSkewUs;
    if (t > e.localTs) {
      this.clockSkewUs = e.exchTs - e.localTs;
      t = e.localTs;
    }
    // A funding time that has passed settles at the rate announced for it, before anything replaces it.
    if (st.funding !== undefined && t >= st.funding.fundingTs && st.lastSettledFundingTs < st.funding.fundingTs)
      this.settleFunding(st);
    switch (e.kind) {
      case 'book_snapshot': {
        // Snapshots are rare: remember what each resting order saw at its price before the reset.
        const before = st.resting.map((o) => (o.side === 'buy' ? st.book.bids : st.book.asks).qtyAt(o.priceTicks));
        st.book.bids.clear();
        st.book.asks.clear();
        st.consumedBids.clear();
        st.consumedAsks.clear();
        st.bookValid = true;
        for (let i = 0; i < e.bids.length; i++) {
          const l = e.bids[i] as { priceTicks: number; qtyLots: number };
          st.book.bids.set(l.priceTicks, l.qtyLots);
        }
        for (let i = 0; i < e.asks.length; i++) {
          const l = e.asks[i] as { priceTicks: number; qtyLots: number };
          st.book.asks.set(l.priceTicks, l.qtyLots);
        }
        if (st.resting.length > 0) {
          for (let i = 0; i < st.resting.length; i++) {
            const o = st.resting[i] as SimOrder;
            const next = (o.side === 'buy' ? st.book.bids : st.book.asks).qtyAt(o.priceTicks);
            this.depthChanged(o, before[i] ?? next, next, t);
          }
          this.crossCheck(st, t);
        }
        break;
      }
      case 'book_delta': {
        const hasResting = st.resting.length > 0;
        for (let i = 0; i < e.bids.length; i++) {
          const l = e.bids[i] as { priceTicks: number; qtyLots: number };
          const prev = st.book.bids.set(l.priceTicks, l.qtyLots);
          if (st.consumedBids.size > 0) this.capConsumed(st.consumedBids, l.priceTicks, l.qtyLots, t);
          if (hasResting) this.levelChanged(st, 'buy', l.priceTicks, prev, l.qtyLots, t);
        }
        for (let i = 0; i < e.asks.length; i++) {
          const l = e.asks[i] as { priceTicks: number; qtyLots: number };
          const prev = st.book.asks.set(l.priceTicks, l.qtyLots);
          if (st.consumedAsks.size > 0) this.capConsumed(st.consumedAsks, l.priceTicks, l.qtyLots, t);
          if (hasResting) this.levelChanged(st, 'sell', l.priceTicks, prev, l.qtyLots, t);
        }
        if (hasResting) this.crossCheck(st, t);
        break;
      }
      case 'trade':
        if (st.resting.length > 0) this.onTrade(st, e);
        break;
      case 'order_added':
      case 'order_changed':
      case 'order_removed':
        this.onL3(st, e);
        break;
      case 'funding_rate':
        st.funding = { rate: parseRate(e.rate), fundingTs: e.fundingTs, markTicks: e.markPriceTicks };
        break;
      case 'gap_detected':
      case 'checksum_mismatch':
      case 'disconnected':
        st.bookValid = false;
        break;
      case 'resynced':
        st.bookValid = true;
        break;
      default:
        break;
    }
    if (st.funding !== undefined && t >= st.funding.fundingTs && st.lastSettledFundingTs < st.funding.fundingTs)
      this.settleFunding(st);
    if (st.pendingMarkouts > 0) this.resolveMarkouts(st, t);
  }

  /** The book reported a new quantity where we took liquidity: what we took cannot exceed it. */
  private capConsumed(map: Map<number, Consumed>, priceTicks: number, qtyLots: number, atUs: number): void {
    const c = map.get(priceTicks);
    if (c === undefined) return;
    if (qtyLots <= 0) {
      map.delete(priceTicks);
      return;
    }
    const now = this.consumedAt(map, priceTicks, atUs);
    c.lots = Math.min(now, qtyLots);
    if (atUs > c.atUs) c.atUs = atUs;
  }

  private levelChanged(
    st: SymbolState,
    side: 'buy' | 'sell',
    priceTicks: number,
    prev: number,
    next: number,
    t: number,
  ): void {
    const resting = st.resting;
    for (let i = 0; i < resting.length; i++) {
      const o = resting[i] as SimOrder;
      if (o.side === side && o.priceTicks === priceTicks) this.depthChanged(o, prev, next, t);
    }
  }

  private depthChanged(o: SimOrder, prev: number, next: number, t: number): void {
    if (t < o.arrivalUs) {
      // This change happened before we arrived: we join behind what was there at arrival.
      if (!this.queue.needsL3) {
        o.queueAheadLots = next;
        o.entryQueuePosition = next / o.qtyLots;
      }
      o.tradedSinceDepthLots = 0;
      return;
    }
    this.queue.onDepthChange(o, prev, next);
  }

  /** Resting orders the book has moved through fill against the displayed liquidity at or through their price. */
  private crossCheck(st: SymbolState, t: number): void {
    if (!st.bookValid) return;
    const bestBid = st.book.bestBid();
    const bestAsk = st.book.bestAsk();
    for (let i = 0; i < st.resting.length; i++) {
      const o = st.resting[i] as SimOrder;
      if (t < o.arrivalUs) continue;
      const crossed = o.side === 'buy' ? bestAsk <= o.priceTicks : bestBid >= o.priceTicks;
      if (!crossed) continue;
      const before = st.resting.length;
      this.sweep(st, o, o.priceTicks, t, 'maker');
      if (st.resting.length < before) i--;
    }
  }

  private onTrade(st: SymbolState, e: Trade): void {
    if (e.aggressor === 'unknown') return;
    const t = e.exchTs;
    const hitsBids = e.aggressor === 'sell';
    const resting = st.resting;
    // Our orders at the trade price share its volume in time priority.
    let ourAheadLots = 0;
    let ourFilledLots = 0;
    for (let i = 0; i < resting.length; i++) {
      const o = resting[i] as SimOrder;
      if ((o.side === 'buy') !== hitsBids) continue;
      if (t < o.arrivalUs) continue;
      const through = hitsBids ? e.priceTicks < o.priceTicks : e.priceTicks > o.priceTicks;
      if (through) {
        // The market traded through our price: everything resting there would have filled first.
        this.fill(st, o, o.priceTicks, o.leavesLots, 'maker', t);
        i--;
        continue;
      }
      if (o.priceTicks !== e.priceTicks) continue;
      o.tradedSinceDepthLots += e.qtyLots;
      const leaves = o.leavesLots;
      const ahead = o.queueAheadLots;
      const reach = Math.min(e.qtyLots, ahead + ourAheadLots);
      const marketPart = Math.max(0, reach - ourFilledLots);
      const nextAhead = ahead - marketPart;
      o.queueAheadLots = Math.max(nextAhead, 0);
      if (o.l3Ahead !== undefined) this.consumeL3Ahead(o, marketPart);
      let lots = Math.floor(e.qtyLots - ahead - ourAheadLots);
      if (lots > leaves) lots = leaves;
      ourAheadLots += leaves;
      if (lots > 0) {
        ourFilledLots += lots;
        const before = resting.length;
        this.fill(st, o, o.priceTicks, lots, 'maker', t);
        if (resting.length < before) i--;
      }
    }
  }

  private consumeL3Ahead(o: SimOrder, lots: number): void {
    const ahead = o.l3Ahead;
    if (ahead === undefined) return;
    let left = lots;
    for (const [id, q] of ahead) {
      if (left <= 0) break;
      if (q <= left) {
        ahead.delete(id);
        left -= q;
        o.queueAheadOrders--;
      } else {
        ahead.set(id, q - left);
        left = 0;
      }
    }
  }

  private onL3(st: SymbolState, e: MarketEvent & { kind: 'order_added' | 'order_changed' | 'order_removed' }): void {
    const t = e.exchTs;
    if (e.kind === 'order_added') {
      st.l3Orders.set(e.orderId, { side: e.side, priceTicks: e.priceTicks, qtyLots: e.qtyLots });
      const levels = e.side === 'bid' ? st.l3Bids : st.l3Asks;
      let lv = levels.get(e.priceTicks);
      if (lv === undefined) {
        lv = new Map();
        levels.set(e.priceTicks, lv);
      }
      lv.set(e.orderId, e.qtyLots);
      const side = e.side === 'bid' ? st.book.bids : st.book.asks;
      side.set(e.priceTicks, side.qtyAt(e.priceTicks) + e.qtyLots);
      // Added before our arrival (delivered late): it is ahead of us.
      for (const o of st.resting) {
        if (
          o.l3Ahead !== undefined &&
          t < o.arrivalUs &&
          o.priceTicks === e.priceTicks &&
          (o.side === 'buy') === (e.side === 'bid')
        ) {
          o.l3Ahead.set(e.orderId, e.qtyLots);
          o.queueAheadLots += e.qtyLots;
          o.queueAheadOrders++;
          o.entryQueuePosition = o.queueAheadOrders;
        }
      }
      if (st.resting.length > 0) this.crossCheck(st, t);
      return;
    }
    const prev = st.l3Orders.get(e.orderId);
    if (prev === undefined) return;
    const levels = prev.side === 'bid' ? st.l3Bids : st.l3Asks;
    const side = prev.side === 'bid' ? st.book.bids : st.book.asks;
    const lv = levels.get(prev.priceTicks);
    const newQty = e.kind === 'order_changed' ? e.qtyLots : 0;
    // A size decrease in place keeps its priority; a move, an increase or a removal does not.
    const samePlace =
      e.kind === 'order_changed' && newQty > 0 && e.priceTicks === prev.priceTicks && newQty <= prev.qtyLots;
    side.set(prev.priceTicks, Math.max(0, side.qtyAt(prev.priceTicks) - prev.qtyLots));
    if (samePlace) {
      lv?.set(e.orderId, newQty);
      prev.qtyLots = newQty;
      side.set(prev.priceTicks, side.qtyAt(prev.priceTicks) + newQty);
    } else {
      lv?.delete(e.orderId);
      if (lv !== undefined && lv.size === 0) levels.delete(prev.priceTicks);
      if (e.kind === 'order_changed' && newQty > 0) {
        st.l3Orders.set(e.orderId, { side: prev.side, priceTicks: e.priceTicks, qtyLots: newQty });
        let nl = levels.get(e.priceTicks);
        if (nl === undefined) {
          nl = new Map();
          levels.set(e.priceTicks, nl);
        }
        nl.set(e.orderId, newQty);
        side.set(e.priceTicks, side.qtyAt(e.priceTicks) + newQty);
      } else {
        st.l3Orders.delete(e.orderId);
      }
    }
    for (const o of st.resting) {
      const ahead = o.l3Ahead;
      if (ahead === undefined) continue;
      const tracked = ahead.get(e.orderId);
      if (tracked === undefined) continue;
      if (samePlace) {
        if (newQty < tracked) {
          o.queueAheadLots -= tracked - newQty;
          ahead.set(e.orderId, newQty);
        }
      } else {
        o.queueAheadLots -= tracked;
        ahead.delete(e.orderId);
        o.queueAheadOrders--;
      }
      if (o.queueAheadLots < 0) o.queueAheadLots = 0;
    }
    if (st.resting.length > 0) this.crossCheck(st, t);
  }

  private settleFunding(st: SymbolState): void {
    const f = st.funding;
    if (f === undefined) return;
    st.lastSettledFundingTs = f.fundingTs;
    if (!st.instrument.perpetual) return;
    const mid = st.book.mid();
    const mark = f.markTicks ?? (Number.isNaN(mid) ? undefined : Math.round(mid));
    if (mark === undefined) return;
    this.portfolio.applyFunding(st.instrument, f.rate, mark);
  }

  private resolveMarkouts(st: SymbolState, t: number): void {
    const mid = st.book.mid();
    if (Number.isNaN(mid)) return;
    for (let h = 0 as 0 | 1 | 2; h < 3; h = (h + 1) as 0 | 1 | 2) {
      const list = st.markouts[h];
      let head = st.markoutHeads[h];
      while (head < list.length && (list[head] as PendingMarkout).dueUs <= t) {
        const { fill } = list[head] as PendingMarkout;
        const move = mid - fill.midAtFillTicks;
        fill.markoutsTicks[h] = fill.side === 'buy' ? move : -move;
        head++;
        st.pendingMarkouts--;
      }
      if (head > 1024 && head * 2 > list.length) {
        list.splice(0, head);
        head = 0;
      }
      st.markoutHeads[h] = head;
    }
  }
}
