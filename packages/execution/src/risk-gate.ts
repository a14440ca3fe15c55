/**
 * The risk gate: a {@link Strategy} wrapper that sends every order the inner strategy places
 * through {@link RiskEngine.evaluate}, feeds the risk engine from the market (mids, quotes, feed
 * health) and from the account (equity), and runs the drawdown emergency stop.
 *
 * The inner strategy sees the ordinary {@link StrategyContext}; only `placeOrder` and
 * `replaceOrder` are gated. An accepted order goes out unchanged, a resized one goes out with the
 * allowed size, a rejected one never reaches the venue: the strategy hears about it as an
 * `onOrderUpdate` with status `rejected` and `rejectReason` `risk_<rule>` (e.g.
 * `risk_max_position`), delivered right after the callback that placed it returns.
 *
 * @module
 */
import { BaseError, type MarketEvent } from '@tickerml/core';
import {
  EdgeEstimator,
  fundingCostFraction,
  type OrderIntent,
  positionKey,
  type RiskDecision,
  type RiskEngine,
} from '@tickerml/risk';
import { NO_ASK, NO_BID, type VenueBook } from './book.js';
import type { OrderUpdate, Strategy, StrategyContext, TimerFired } from './kernel.js';
import type { OrderRequest, RejectReason } from './orders.js';
import type { Fill, PortfolioView } from './portfolio.js';

/** One decision of the gate, for logs and metrics. */
export interface GateDecision {
  /** Id of the order as sent (or, when rejected, the id reported to the strategy). */
  readonly orderId: string;
  readonly request: OrderRequest;
  readonly decision: RiskDecision;
  /** Strategy time of the decision, µs. */
  readonly atUs: number;
  /** `localTs` of the market event being handled when the order was placed (µs), or `undefined` from a timer or report. */
  readonly eventLocalTs: number | undefined;
}

/** What happened when the drawdown emergency stop tripped. */
export interface EmergencyStopReport {
  readonly atUs: number;
  /** Drawdown from the equity peak, a fraction. */
  readonly drawdown: number;
  /** Orders a cancel was sent for. */
  readonly cancelledOrderIds: readonly string[];
  /** Market orders sent to flatten (empty unless `flattenOnEmergencyStop`). */
  readonly flattenOrderIds: readonly string[];
}

/** Options of {@link RiskGate}. */
export interface RiskGateOptions {
  readonly risk: RiskEngine;
  /** On the emergency stop, also close every position with market orders. Default false (cancel only). */
  readonly flattenOnEmergencyStop?: boolean;
  /** How often equity is re-marked and fed to the drawdown guard, µs of strategy time. Default 100 ms. */
  readonly equityCheckUs?: number;
  /** Every gate decision (accepted, resized, rejected). */
  readonly onDecision?: (decision: GateDecision) => void;
  /**
   * Refused orders get ids `<venue>-risk-<n>`, `n` counting from this number + 1: the highest `n`
   * already stored, so ids stay unique across restarts. Default 0.
   */
  readonly firstRejectSeq?: number;
  readonly onEmergencyStop?: (report: EmergencyStopReport) => void;
  /**
   * Fractional Kelly sizing (the risk engine's `kelly` rule, `kellyFraction` of the limits). On by
   * default: the edge is an order's own {@link OrderRequest.edge} when the strategy sets one, else
   * the edge estimated from the strategy's realised fills ({@link EdgeEstimator}: a prior, and no
   * estimate before `minTrades` closed trades, when the rule does not act). `false` turns it off.
   */
  readonly kelly?: GateKellyOptions | false;
}

/** Options of the gate's Kelly sizing. */
export interface GateKellyOptions {
  /** Where the estimated edge comes from. Default `new EdgeEstimator()` (prior 0, 30 trades minimum). */
  readonly estimator?: EdgeEstimator;
  /** Expected holding time of a position, µs: the funding a perpetual pays over it is a cost. Default 8 h. */
  readonly holdingUs?: number;
  /** Funding interval of the perpetuals, µs. Default 8 h. */
  readonly fundingIntervalUs?: number;
}

/** A strategy attached an edge that is not a finite number with a positive variance. */
export class InvalidEdgeError extends BaseError {
  override name = 'InvalidEdgeError' as const;
}

const ATOMS_PER_UNIT = 1e18;

/** Maps a risk rule to the reject reason the strategy sees. */
function rejectReasonOf(rule: string | undefined): RejectReason {
  return `risk_${rule ?? 'min_size'}` as RejectReason;
}

/**
 * Account equity with every position marked at the current book mid, in quote atoms. The
 * portfolio's own marks move only when the engine samples equity (each second); the gate needs
 * the drawdown now. Positions on a book with no two-sided quote keep their last mark.
 */
export function liveEquityAtoms(
  portfolio: PortfolioView,
  book: (venue: string, symbol: string) => VenueBook | undefined,
): bigint {
  let equity = portfolio.equityAtoms();
  for (const pos of portfolio.positions()) {
    if (pos.qtyLots === 0) continue;
    const b = book(pos.venue, pos.symbol);
    if (b === undefined) continue;
    const bid = b.bestBid();
    const ask = b.bestAsk();
    if (bid === NO_BID || ask === NO_ASK) continue;
    equity += (BigInt(pos.qtyLots) * BigInt(bid + ask - pos.markSumTicks) * pos.instrument.tickLotAtoms) / 2n;
  }
  return equity;
}

/**
 * Wraps a strategy so that every order goes through the risk engine.
 *
 * @example
 * ```ts
 * const risk = new RiskEngine(resolveRiskLimits({ maxDrawdown: 0.25 }));
 * const gated = new RiskGate(obiMomentum({ venue: 'binance', symbol: 'BTC/USDT', qtyLots: 100_000, maxPositionLots: 300_000 }), {
 *   risk,
 *   onDecision: (d) => d.decision.action !== 'accepted' && log.warn({ rule: d.decision.decidedBy }, d.decision.reason),
 * });
 * new Engine({ venues, portfolio, strategy: gated, clock: new TestClock() });
 * ```
 */
export class RiskGate implements Strategy {
  readonly name: string;
  readonly risk: RiskEngine;
  /** Orders refused so far, by rule. */
  readonly rejectedByRule = new Map<string, number>();
  /** Orders resized so far. */
  resizedCount = 0;
  /** Orders accepted unchanged so far. */
  acceptedCount = 0;
  /** The last decision's one-line reason (for dashboards). */
  lastReason: string | undefined;
  /** Emergency stops handled. */
  readonly emergencyStops: EmergencyStopReport[] = [];
  /** The edge estimated from the strategy's fills (`undefined` with `kelly: false`). */
  readonly edge: EdgeEstimator | undefined;
  readonly #holdingUs: number;
  readonly #fundingIntervalUs: number;
  /** Last funding rate per `venue|symbol`, per interval. */
  readonly #funding = new Map<string, number>();

  readonly #inner: Strategy;
  readonly #flatten: boolean;
  readonly #equityCheckUs: number;
  readonly #onDecision: ((d: GateDecision) => void) | undefined;
  readonly #onEmergencyStop: ((r: EmergencyStopReport) => void) | undefined;
  #ctx: StrategyContext | undefined;
  #gated: StrategyContext | undefined;
  readonly #pending: OrderUpdate[] = [];
  #rejectSeq = 0;
  #nextEquityCheckUs = Number.NEGATIVE_INFINITY;
  #eventLocalTs: number | undefined;
  /** venue → symbol → book, or null for venues the engine does not simulate. */
  readonly #books = new Map<string, Map<string, VenueBook | null>>();
  /** Set while a callback of the inner strategy runs (rejections wait for it to return). */
  #depth = 0;

  constructor(inner: Strategy, options: RiskGateOptions) {
    this.#inner = inner;
    this.name = inner.name;
    this.risk = options.risk;
    this.#flatten = options.flattenOnEmergencyStop ?? false;
    this.#equityCheckUs = options.equityCheckUs ?? 100_000;
    this.#rejectSeq = options.firstRejectSeq ?? 0;
    this.#onDecision = options.onDecision;
    this.#onEmergencyStop = options.onEmergencyStop;
    const kelly = options.kelly === false ? undefined : (options.kelly ?? {});
    this.edge = kelly === undefined ? undefined : (kelly.estimator ?? new EdgeEstimator());
    this.#holdingUs = kelly?.holdingUs ?? 8 * 3_600_000_000;
    this.#fundingIntervalUs = kelly?.fundingIntervalUs ?? 8 * 3_600_000_000;
  }

  /** The strategy being gated. */
  get inner(): Strategy {
    return this.#inner;
  }

  #gatedContext(ctx: StrategyContext): StrategyContext {
    if (this.#ctx === ctx && this.#gated !== undefined) return this.#gated;
    this.#ctx = ctx;
    const gated: StrategyContext = {
      nowUs: () => ctx.nowUs(),
      book: (venue, symbol) => ctx.book(venue, symbol),
      instrument: (venue, symbol) => ctx.instrument(venue, symbol),
      placeOrder: (request) => this.#place(ctx, request),
      cancelOrder: (venue, orderId) => ctx.cancelOrder(venue, orderId),
      replaceOrder: (venue, orderId, request) => this.#replace(ctx, venue, orderId, request),
      openOrders: (venue, symbol) => ctx.openOrders(venue, symbol),
      portfolio: ctx.portfolio,
      setTimer: (name, intervalUs) => ctx.setTimer(name, intervalUs),
      setAlert: (name, atUs) => ctx.setAlert(name, atUs),
      cancelTimer: (name) => ctx.cancelTimer(name),
      random: ctx.random,
    };
    this.#gated = gated;
    return gated;
  }

  #book(ctx: StrategyContext, venue: string, symbol: string): VenueBook | undefined {
    let bySymbol = this.#books.get(venue);
    if (bySymbol === undefined) {
      bySymbol = new Map();
      this.#books.set(venue, bySymbol);
    }
    let b = bySymbol.get(symbol);
    if (b === undefined) {
      try {
        b = ctx.book(venue, symbol);
      } catch {
        b = null; // a venue or symbol the engine does not trade (e.g. a funding feed)
      }
      bySymbol.set(symbol, b);
    }
    return b ?? undefined;
  }

  /** The decision for `request` at strategy time `atUs`. */
  #evaluate(ctx: StrategyContext, request: OrderRequest, atUs: number): RiskDecision | undefined {
    const inst = ctx.instrument(request.venue, request.symbol);
    const qtyLots = request.qtyLots ?? (request.qty === undefined ? undefined : inst.toLots(request.qty));
    // Malformed sizes are the venue's to reject (off_lot_grid), as they would be without the gate.
    if (qtyLots === undefined) return undefined;
    let priceTicks = request.priceTicks ?? (request.price === undefined ? undefined : inst.toTicks(request.price));
    const b = this.#book(ctx, request.venue, request.symbol);
    if (priceTicks === undefined && b !== undefined) {
      const touch = request.side === 'buy' ? b.bestAsk() : b.bestBid();
      if (touch !== NO_ASK && touch !== NO_BID) priceTicks = touch;
    }
    if (priceTicks === undefined) return undefined; // no price, no book: the venue rejects it (missing_price / no_liquidity)
    const tickSize = Number(inst.spec.tickSize);
    const lotSize = Number(inst.spec.lotSize);
    const positions = new Map<string, number>();
    for (const pos of ctx.portfolio.positions()) {
      if (pos.qtyLots !== 0)
        positions.set(positionKey(pos.venue, pos.symbol), pos.qtyLots * Number(pos.instrument.spec.lotSize));
    }
    const equity = Number(liveEquityAtoms(ctx.portfolio, (v, s) => this.#book(ctx, v, s))) / ATOMS_PER_UNIT;
    const kelly = this.#kellyInputs(request);
    return this.risk.evaluate(
      {
        venue: request.venue,
        symbol: request.symbol,
        side: request.side,
        qtyLots,
        lotSize,
        price: priceTicks * tickSize,
        ...(kelly === undefined ? {} : { kelly }),
      },
      { tsUs: atUs, equity, positions },
    );
  }

  /** The Kelly rule's inputs for `request`, or `undefined` when there is no edge to size by. */
  #kellyInputs(request: OrderRequest): OrderIntent['kelly'] {
    if (this.edge === undefined) return undefined;
    let edge: { edge: number; variance: number } | undefined = request.edge;
    if (edge !== undefined) {
      if (!Number.isFinite(edge.edge) || !(edge.variance > 0) || !Number.isFinite(edge.variance))
        throw new InvalidEdgeError(
          `order on ${request.venue} ${request.symbol}: edge must be finite with a positive finite variance, was edge ${edge.edge}, variance ${edge.variance}`,
        );
    } else edge = this.edge.estimate();
    if (edge === undefined) return undefined;
    // A perpetual (BTC/USDT:USDT) pays or receives funding while held: a cost on the edge.
    const rate = request.symbol.includes(':')
      ? this.#funding.get(positionKey(request.venue, request.symbol))
      : undefined;
    const fundingCost =
      rate === undefined
        ? 0
        : fundingCostFraction(rate, request.side === 'buy' ? 1 : -1, this.#holdingUs, this.#fundingIntervalUs);
    return { edge: edge.edge, variance: edge.variance, fundingCost };
  }

  #place(ctx: StrategyContext, request: OrderRequest): string {
    const atUs = ctx.nowUs();
    const decision = this.#evaluate(ctx, request, atUs);
    if (decision === undefined) return ctx.placeOrder(request);
    let orderId: string;
    if (decision.action === 'rejected') {
      orderId = this.#reject(request, decision, atUs);
    } else if (decision.action === 'resized') {
      orderId = ctx.placeOrder(resized(request, decision.qtyLots));
      this.resizedCount++;
    } else {
      orderId = ctx.placeOrder(request);
      this.acceptedCount++;
    }
    this.#report(orderId, request, decision, atUs);
    return orderId;
  }

  #replace(ctx: StrategyContext, venue: string, orderId: string, request: OrderRequest): string {
    const atUs = ctx.nowUs();
    const decision = this.#evaluate(ctx, request, atUs);
    if (decision === undefined) return ctx.replaceOrder(venue, orderId, request);
    let newId: string;
    if (decision.action === 'rejected') {
      // The strategy wanted the old order gone either way: cancel it, refuse the new one.
      ctx.cancelOrder(venue, orderId);
      newId = this.#reject(request, decision, atUs);
    } else if (decision.action === 'resized') {
      newId = ctx.replaceOrder(venue, orderId, resized(request, decision.qtyLots));
      this.resizedCount++;
    } else {
      newId = ctx.replaceOrder(venue, orderId, request);
      this.acceptedCount++;
    }
    this.#report(newId, request, decision, atUs);
    return newId;
  }

  #reject(request: OrderRequest, decision: RiskDecision, atUs: number): string {
    const orderId = `${request.venue}-risk-${++this.#rejectSeq}`;
    const rule = decision.decidedBy ?? 'min_size';
    this.rejectedByRule.set(rule, (this.rejectedByRule.get(rule) ?? 0) + 1);
    this.#pending.push({
      orderId,
      venue: request.venue,
      symbol: request.symbol,
      status: 'rejected',
      filledLots: 0,
      leavesLots: 0,
      priceTicks: request.priceTicks ?? 0,
      side: request.side,
      rejectReason: rejectReasonOf(rule),
      venueUs: atUs,
      tag: request.tag,
    });
    return orderId;
  }

  #report(orderId: string, request: OrderRequest, decision: RiskDecision, atUs: number): void {
    this.lastReason = decision.reason;
    this.#onDecision?.({ orderId, request, decision, atUs, eventLocalTs: this.#eventLocalTs });
  }

  /** Delivers the rejections queued by the callback that just returned (they may queue more). */
  #flush(ctx: StrategyContext): void {
    if (this.#depth > 0) return;
    while (this.#pending.length > 0) {
      const update = this.#pending.shift() as OrderUpdate;
      this.#call(() => this.#inner.onOrderUpdate?.(update, this.#gatedContext(ctx)));
    }
  }

  #call(fn: () => void): void {
    this.#depth++;
    try {
      fn();
    } finally {
      this.#depth--;
    }
  }

  /** Feeds the risk engine from one market event (after the engine applied it to the venue book). */
  #observe(e: MarketEvent, ctx: StrategyContext): void {
    const breakers = this.risk.breakers;
    const t = ctx.nowUs();
    switch (e.kind) {
      case 'gap_detected':
      case 'checksum_mismatch':
        breakers.onGap(e.venue, t);
        return;
      case 'disconnected':
        breakers.onDisconnected(e.venue, t, e.reason);
        return;
      case 'connected':
        breakers.onConnected(e.venue, t);
        return;
      case 'funding_rate': {
        const rate = Number(e.rate);
        if (Number.isFinite(rate)) this.#funding.set(positionKey(e.venue, e.symbol), rate);
        return;
      }
      case 'resynced':
        // The book was rebuilt (or a replay re-anchored): its step is not a market move.
        this.risk.rebase(e.venue, e.symbol);
        return;
      default: {
        const b = this.#book(ctx, e.venue, e.symbol);
        if (b === undefined) {
          breakers.onMarketEvent(e.venue, e.symbol, t);
          return;
        }
        const bid = b.bestBid();
        const ask = b.bestAsk();
        if (bid === NO_BID || ask === NO_ASK) {
          breakers.onMarketEvent(e.venue, e.symbol, t);
          return;
        }
        const tick = Number(ctx.instrument(e.venue, e.symbol).spec.tickSize);
        const bidPx = bid * tick;
        const askPx = ask * tick;
        breakers.onQuote(e.venue, e.symbol, bidPx, askPx, t);
        this.risk.observeMid(e.venue, e.symbol, (bidPx + askPx) / 2, t);
      }
    }
  }

  #checkEquity(ctx: StrategyContext): void {
    const t = ctx.nowUs();
    if (t < this.#nextEquityCheckUs) return;
    this.#nextEquityCheckUs = t + this.#equityCheckUs;
    const equity = Number(liveEquityAtoms(ctx.portfolio, (v, s) => this.#book(ctx, v, s))) / ATOMS_PER_UNIT;
    const status = this.risk.updateEquity(equity, t);
    if (status.trippedNow) this.#emergencyStop(ctx, status.drawdown, t);
  }

  /** Cancels every open order and, when configured, flattens every position (reductions pass the risk engine). */
  #emergencyStop(ctx: StrategyContext, drawdown: number, atUs: number): void {
    const cancelled: string[] = [];
    for (const o of ctx.openOrders()) {
      if (o.cancelPending) continue;
      ctx.cancelOrder(o.venue, o.orderId);
      cancelled.push(o.orderId);
    }
    const flattened: string[] = [];
    if (this.#flatten) {
      for (const pos of ctx.portfolio.positions()) {
        if (pos.qtyLots === 0) continue;
        flattened.push(
          ctx.placeOrder({
            venue: pos.venue,
            symbol: pos.symbol,
            side: pos.qtyLots > 0 ? 'sell' : 'buy',
            type: 'market',
            qtyLots: Math.abs(pos.qtyLots),
            tag: 'emergency-flatten',
          }),
        );
      }
    }
    const report: EmergencyStopReport = { atUs, drawdown, cancelledOrderIds: cancelled, flattenOrderIds: flattened };
    this.emergencyStops.push(report);
    this.lastReason = `emergency stop: drawdown ${(drawdown * 100).toFixed(2)} %, ${cancelled.length} orders cancelled${this.#flatten ? `, ${flattened.length} positions flattened` : ''}`;
    this.#onEmergencyStop?.(report);
  }

  onStart(ctx: StrategyContext): void {
    const g = this.#gatedContext(ctx);
    if (this.#inner.onStart !== undefined) this.#call(() => this.#inner.onStart?.(g));
    this.#flush(ctx);
  }

  onEvent(event: MarketEvent, ctx: StrategyContext): void {
    this.#observe(event, ctx);
    this.#checkEquity(ctx);
    const g = this.#gatedContext(ctx);
    this.#eventLocalTs = event.localTs;
    this.#depth++;
    try {
      this.#inner.onEvent(event, g);
    } finally {
      this.#depth--;
      this.#eventLocalTs = undefined;
    }
    if (this.#pending.length > 0) this.#flush(ctx);
  }

  onTimer(timer: TimerFired, ctx: StrategyContext): void {
    this.#checkEquity(ctx);
    if (this.#inner.onTimer === undefined) return;
    const g = this.#gatedContext(ctx);
    this.#call(() => this.#inner.onTimer?.(timer, g));
    this.#flush(ctx);
  }

  onOrderUpdate(update: OrderUpdate, ctx: StrategyContext): void {
    if (this.#inner.onOrderUpdate === undefined) return;
    const g = this.#gatedContext(ctx);
    this.#call(() => this.#inner.onOrderUpdate?.(update, g));
    this.#flush(ctx);
  }

  onFill(fill: Fill, ctx: StrategyContext): void {
    if (this.edge !== undefined) {
      const notional = fill.priceTicks * fill.qtyLots * Number(ctx.instrument(fill.venue, fill.symbol).tickLotAtoms);
      const feeRate = notional > 0 ? Number(fill.feeAtoms) / notional : 0;
      this.edge.onFill(positionKey(fill.venue, fill.symbol), fill.side, fill.qtyLots, fill.priceTicks, feeRate);
    }
    if (this.#inner.onFill === undefined) return;
    const g = this.#gatedContext(ctx);
    this.#call(() => this.#inner.onFill?.(fill, g));
    this.#flush(ctx);
  }

  onCancelReject(reject: Parameters<NonNullable<Strategy['onCancelReject']>>[0], ctx: StrategyContext): void {
    if (this.#inner.onCancelReject === undefined) return;
    const g = this.#gatedContext(ctx);
    this.#call(() => this.#inner.onCancelReject?.(reject, g));
    this.#flush(ctx);
  }

  onEnd(ctx: StrategyContext): void {
    if (this.#inner.onEnd === undefined) return;
    const g = this.#gatedContext(ctx);
    this.#call(() => this.#inner.onEnd?.(g));
    this.#flush(ctx);
  }
}

function resized(request: OrderRequest, qtyLots: number): OrderRequest {
  const { qty: _qty, ...rest } = request;
  return { ...rest, qtyLots };
}
