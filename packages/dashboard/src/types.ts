/**
 * What the dashboard shows. Producers (the paper trader) push these; the page renders them.
 * Money is sent as decimal strings (exact, from the ledger); times are µs since the epoch.
 *
 * @module
 */

/** One point of the equity curve. */
export interface EquityPoint {
  /** µs since the epoch. */
  readonly tsUs: number;
  /** Total account value in the quote currency, decimal string. */
  readonly equity: string;
  /** Realised + unrealised P&L since the start, decimal string. */
  readonly pnl: string;
}

/** A held position. */
export interface PositionView {
  readonly venue: string;
  readonly symbol: string;
  /** Signed base quantity, decimal string. */
  readonly qty: string;
  readonly avgPrice: string;
  readonly unrealizedPnl: string;
  readonly realizedPnl: string;
}

/** A resting order. */
export interface OrderView {
  readonly id: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: string;
  readonly price: string;
  readonly qty: string;
  readonly filledQty: string;
  readonly status: string;
}

/** A fill with its adverse-selection measures. */
export interface FillView {
  readonly id: string;
  readonly tsUs: number;
  readonly venue: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly qty: string;
  readonly fee: string;
  readonly liquidity: 'maker' | 'taker';
  /** Signed mid move after the fill, in basis points, at +1 s, +10 s, +60 s (null until known). */
  readonly markoutsBps: readonly [number | null, number | null, number | null];
  /** Queue position at entry was over the toxic threshold. */
  readonly toxic: boolean;
}

/** Risk engine state. */
export interface RiskView {
  /** Drawdown from the equity peak, a fraction. */
  readonly drawdown: number;
  readonly emergencyStop: boolean;
  readonly halts: readonly {
    readonly rule: string;
    readonly venue: string;
    readonly symbol?: string;
    readonly detail: string;
  }[];
  readonly lastDecision?: string;
}

/** Feed health of one venue. */
export interface FeedView {
  readonly venue: string;
  readonly connected: boolean;
  readonly gaps: number;
  readonly resyncs: number;
  readonly checksumMismatches: number;
  /** Market-data latency `localTs - exchTs` of the last event, ms. */
  readonly lagMs: number | null;
  readonly frames: number;
}

/** The full picture at one moment. */
export interface DashboardSnapshot {
  readonly title: string;
  readonly startingBalance: string;
  readonly equity: readonly EquityPoint[];
  readonly positions: readonly PositionView[];
  readonly openOrders: readonly OrderView[];
  readonly fills: readonly FillView[];
  readonly risk: RiskView;
  readonly feeds: readonly FeedView[];
}

/** A change pushed to the page; fields present replace (lists) or append (equity points, fills). */
export interface DashboardUpdate {
  readonly equity?: readonly EquityPoint[];
  readonly positions?: readonly PositionView[];
  readonly openOrders?: readonly OrderView[];
  readonly fills?: readonly FillView[];
  readonly risk?: RiskView;
  readonly feeds?: readonly FeedView[];
}
