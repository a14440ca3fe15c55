/**
 * Orders as the simulated venue sees them: types, the state machine and rejection reasons.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/** Buy or sell. */
export const OrderSide = { Buy: 'buy', Sell: 'sell' } as const;
export type OrderSide = (typeof OrderSide)[keyof typeof OrderSide];

/**
 * Order types: `market` takes at any price; `limit` rests (GTC) after taking what crosses;
 * `post_only` rests and is rejected if it would cross; `ioc` takes what it can and cancels the
 * rest; `fok` fills completely on arrival or is cancelled without any fill.
 */
export const OrderType = { Market: 'market', Limit: 'limit', PostOnly: 'post_only', Ioc: 'ioc', Fok: 'fok' } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

/**
 * Order states. Transitions: `new → acknowledged | rejected`; `acknowledged → partially_filled |
 * filled | cancelled`; `partially_filled → partially_filled | filled | cancelled`. `filled`,
 * `cancelled` and `rejected` are final.
 */
export const OrderStatus = {
  New: 'new',
  Acknowledged: 'acknowledged',
  PartiallyFilled: 'partially_filled',
  Filled: 'filled',
  Cancelled: 'cancelled',
  Rejected: 'rejected',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** Why the venue rejected an order or a cancel, as a venue would say it. */
export const RejectReason = {
  UnknownSymbol: 'unknown_symbol',
  OffTickGrid: 'off_tick_grid',
  OffLotGrid: 'off_lot_grid',
  BelowMinSize: 'below_min_size',
  BelowMinNotional: 'below_min_notional',
  MissingPrice: 'missing_price',
  PostOnlyWouldCross: 'post_only_would_cross',
  InsufficientBalance: 'insufficient_balance',
  UnknownOrder: 'unknown_order',
  OrderAlreadyClosed: 'order_already_closed',
  NoLiquidity: 'no_liquidity',
  // Refused before reaching the venue by a risk rule (the paper trader's risk gate names the rule).
  RiskEmergencyStop: 'risk_emergency_stop',
  RiskCircuitBreaker: 'risk_circuit_breaker',
  RiskVolRegime: 'risk_vol_regime',
  RiskKelly: 'risk_kelly',
  RiskMaxPosition: 'risk_max_position',
  RiskCorrelation: 'risk_correlation',
  RiskMinSize: 'risk_min_size',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Maker (rested, then filled) or taker (crossed on arrival). */
export const Liquidity = { Maker: 'maker', Taker: 'taker' } as const;
export type Liquidity = (typeof Liquidity)[keyof typeof Liquidity];

/**
 * What a strategy sends. Give the price and quantity either as integer ticks/lots
 * (`priceTicks`, `qtyLots`) or as decimal strings (`price`, `qty`); values off the instrument's
 * grid are rejected (`off_tick_grid`, `off_lot_grid`), as the venue would.
 */
export interface OrderRequest {
  readonly venue: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Limit price in ticks (not for `market`). */
  readonly priceTicks?: number;
  /** Limit price as a decimal string (alternative to `priceTicks`). */
  readonly price?: string;
  /** Quantity in lots. */
  readonly qtyLots?: number;
  /** Quantity as a decimal string (alternative to `qtyLots`). */
  readonly qty?: string;
  /** Caller's tag, echoed on every update. */
  readonly tag?: string;
  /**
   * The strategy's own estimate of this order's edge, for the risk gate's fractional Kelly rule
   * (e.g. a Decision Transformer's expected return from its action probabilities). Without it the
   * gate uses the edge estimated from the strategy's realised fills (once there are enough).
   */
  readonly edge?: OrderEdge;
}

/**
 * An edge estimate a strategy attaches to an order. Fractions per trade, not percentages.
 *
 * @example
 * ```ts
 * ctx.placeOrder({ venue, symbol, side: 'buy', type: 'limit', priceTicks, qtyLots, edge: { edge: 0.0015, variance: 0.0004 } });
 * ```
 */
export interface OrderEdge {
  /** Expected return of the trade, net of fees and slippage (e.g. 0.0015 = 15 bp). */
  readonly edge: number;
  /** Variance of that return (standard deviation squared), > 0. */
  readonly variance: number;
}

/** One transition of an order, with the venue time it happened at (microseconds). */
export interface OrderTransition {
  readonly status: OrderStatus;
  readonly atUs: number;
}

/**
 * A transition that the state machine does not allow (a bug in the caller or the venue).
 *
 * @example
 * ```ts
 * order.transition('filled', 1); // from 'new': throws InvalidOrderTransitionError
 * ```
 */
export class InvalidOrderTransitionError extends BaseError {
  override name = 'InvalidOrderTransitionError' as const;
  constructor(orderId: string, from: OrderStatus, to: OrderStatus) {
    super(`order ${orderId} cannot go from ${from} to ${to}`, { kind: 'fatal' });
  }
}

const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  new: ['acknowledged', 'rejected'],
  acknowledged: ['partially_filled', 'filled', 'cancelled'],
  partially_filled: ['partially_filled', 'filled', 'cancelled'],
  filled: [],
  cancelled: [],
  rejected: [],
};

/** True for `filled`, `cancelled` and `rejected`. */
export function isFinalStatus(status: OrderStatus): boolean {
  return status === 'filled' || status === 'cancelled' || status === 'rejected';
}

/**
 * An order inside the simulated venue. Prices in ticks, quantities in lots, times in
 * microseconds of venue time.
 */
export class SimOrder {
  readonly orderId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Limit price in ticks; for market orders the worst price walked to. */
  priceTicks: number;
  readonly qtyLots: number;
  filledLots = 0;
  status: OrderStatus = 'new';
  rejectReason: RejectReason | undefined;
  readonly tag: string | undefined;
  /** When the strategy sent it (its clock). */
  readonly sentUs: number;
  /** When it reaches the venue (sent + entry latency); it can only fill on events at or after this. */
  arrivalUs: number;
  /** Every state change with its venue time. */
  readonly transitions: OrderTransition[] = [];
  /** Estimated displayed quantity ahead of us at our price, in lots (may be fractional under the probabilistic model). */
  queueAheadLots = 0;
  /** Exact number of orders ahead of us (L3 FIFO), or -1 when unknown. */
  queueAheadOrders = -1;
  /** Queue position at entry (for the toxic flag): orders ahead on L3, else queue ahead ÷ our size. */
  entryQueuePosition = 0;
  /** Trades at our price since the last depth update, in lots (so a depth decrease is not counted twice). */
  tradedSinceDepthLots = 0;
  /** Priority among our own orders at one price (lower rests earlier). */
  restSeq = 0;
  /** L3 orders ahead of us (FIFO queue model only): id → lots still ahead, in priority order. */
  l3Ahead: Map<string, number> | undefined;

  constructor(init: {
    orderId: string;
    venue: string;
    symbol: string;
    side: OrderSide;
    type: OrderType;
    priceTicks: number;
    qtyLots: number;
    tag: string | undefined;
    sentUs: number;
    arrivalUs: number;
  }) {
    this.orderId = init.orderId;
    this.venue = init.venue;
    this.symbol = init.symbol;
    this.side = init.side;
    this.type = init.type;
    this.priceTicks = init.priceTicks;
    this.qtyLots = init.qtyLots;
    this.tag = init.tag;
    this.sentUs = init.sentUs;
    this.arrivalUs = init.arrivalUs;
    this.transitions.push({ status: 'new', atUs: init.sentUs });
  }

  /** Lots still open. */
  get leavesLots(): number {
    return this.qtyLots - this.filledLots;
  }

  /**
   * Moves the order to `to` at venue time `atUs`.
   * @throws InvalidOrderTransitionError when the state machine does not allow it.
   */
  transition(to: OrderStatus, atUs: number): void {
    if (!ALLOWED[this.status].includes(to)) throw new InvalidOrderTransitionError(this.orderId, this.status, to);
    this.status = to;
    this.transitions.push({ status: to, atUs });
  }

  /**
   * Records a fill of `lots` at `atUs`, moving to `partially_filled` or `filled`.
   * @throws InvalidOrderTransitionError when the fill exceeds the open quantity or the order is closed.
   */
  applyFill(lots: number, atUs: number): void {
    if (lots <= 0 || lots > this.leavesLots) {
      throw new InvalidOrderTransitionError(
        this.orderId,
        this.status,
        this.leavesLots === 0 ? 'filled' : 'partially_filled',
      );
    }
    this.filledLots += lots;
    this.transition(this.filledLots === this.qtyLots ? 'filled' : 'partially_filled', atUs);
  }
}
