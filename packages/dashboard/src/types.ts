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

/** An alert of the box's alert engine. Times are µs since the epoch. */
export interface AlertView {
  readonly key: string;
  readonly rule: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly summary: string;
  /** `firing` while active; `resolved` or `notice` among the recent ones. */
  readonly status: 'firing' | 'resolved' | 'notice';
  readonly startedAtUs: number;
  /** When it was resolved (or the notice sent); null while firing. */
  readonly endedAtUs: number | null;
}

/** Alerts firing now (oldest first) and recent resolved ones and notices (newest first). */
export interface AlertsView {
  readonly active: readonly AlertView[];
  readonly recent: readonly AlertView[];
}

/** The last funding rate of a perpetual. */
export interface FundingView {
  readonly venue: string;
  readonly symbol: string;
  /** Funding rate per interval as the venue sent it, decimal string (e.g. "0.0001" = 1 bp). */
  readonly rate: string;
  /** When that rate is applied to positions, µs since the epoch. */
  readonly fundingTs: number;
  /** When we received it, µs since the epoch. */
  readonly receivedTs: number;
}

/** One news headline with its sentiment (docs/news.md). */
export interface HeadlineView {
  readonly source: string;
  readonly title: string;
  readonly url: string;
  /** When the box first saw it, µs since the epoch (the only time features use). */
  readonly localTs: number;
  /** The publisher's timestamp, µs since the epoch, or null. */
  readonly publishedTs: number | null;
  /** Assets mentioned (`BTC`, `ETH`, …). */
  readonly assets: readonly string[];
  /** Sentiment in [−1, 1] towards the first asset mentioned; null until scored. */
  readonly sentiment: number | null;
  /** Relevance in [0, 1]; null until scored. */
  readonly relevance: number | null;
  /** `ollama:<model>` or `vader`; null until scored. */
  readonly scorer: string | null;
}

/** The causal sentiment feature of one asset now. */
export interface SentimentView {
  readonly asset: string;
  /** Relevance-weighted, time-decayed sentiment in [−1, 1]. */
  readonly sentiment: number;
  /** Items counted (seen at or before now, within the window). */
  readonly count: number;
  readonly scorers: readonly string[];
}

/** Latest headlines, newest first, and the sentiment feature per asset. */
export interface NewsView {
  readonly headlines: readonly HeadlineView[];
  readonly sentiment: readonly SentimentView[];
}

/** Performance figures of the account. */
export interface StatsView {
  /** Annualised Sharpe ratio of the equity series; null until the series spans enough time. */
  readonly sharpeRatio: number | null;
  /** Largest drawdown from a running equity peak so far, a fraction. */
  readonly maxDrawdown: number;
  /** P&L since the start of the UTC day, quote currency, decimal string. */
  readonly dailyPnl: string;
}

/** The Decision Transformer's latest decision and the model that made it (docs/learning.md). */
export interface ModelView {
  /** Model version (from the file's metadata) and its training as-of time, µs since the epoch. */
  readonly version: string;
  readonly asOfUs: number;
  /** The policy file on the box. */
  readonly path: string;
  /** `none` (float32) or `int8-dynamic`. */
  readonly quantisation: string;
  /** True for the bundled demo model (trained on minutes of data; not a trading model). */
  readonly demo: boolean;
  /** Decision time, µs since the epoch, and the instrument. */
  readonly atUs: number;
  readonly venue: string;
  readonly symbol: string;
  /** Probabilities of sell, hold, buy. */
  readonly actionProbs: readonly number[];
  /** The model's action and the action sent (hold when sized below the minimum or capped). */
  readonly action: string;
  readonly sent: string;
  /** Size in [0, 1]. */
  readonly size: number;
  /** Most likely risk bucket and the bucket probabilities. */
  readonly riskBucket: number;
  readonly riskProbs: readonly number[];
  /** Target return-to-go left and return realised so far, fractions of starting equity. */
  readonly targetReturnToGo: number;
  readonly realisedReturn: number;
  /** Inference time of this decision and p50/p99 over recent ones, ms. */
  readonly inferenceMs: number;
  readonly inferenceP50Ms: number;
  readonly inferenceP99Ms: number;
  /** The last model file refused by hot reload, or null. */
  readonly lastError: string | null;
}

/** The inputs of the latest decision, so a browser can run the same model on them. */
export interface ModelContextView {
  /** Model version that decided. */
  readonly version: string;
  /** Context length K and state length. */
  readonly context: number;
  readonly stateDim: number;
  /** Raw encoder vectors `K × stateDim`, one-hot actions `K × 3`, returns-to-go `K`, mask `K`, row-major. */
  readonly states: readonly number[];
  readonly actions: readonly number[];
  readonly returnsToGo: readonly number[];
  readonly mask: readonly number[];
  /** What the box's onnxruntime-node gave: probabilities of sell, hold, buy, and the action index. */
  readonly actionProbs: readonly number[];
  readonly action: number;
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
  readonly alerts: AlertsView;
  readonly funding: readonly FundingView[];
  readonly stats: StatsView | null;
  readonly news: NewsView;
  /** The Decision Transformer panel; null when a baseline strategy decides. */
  readonly model: ModelView | null;
  /** The latest decision's inputs (for the in-browser model page); null before the first. */
  readonly modelContext: ModelContextView | null;
}

/** A change pushed to the page; fields present replace (lists) or append (equity points, fills). */
export interface DashboardUpdate {
  readonly equity?: readonly EquityPoint[];
  readonly positions?: readonly PositionView[];
  readonly openOrders?: readonly OrderView[];
  readonly fills?: readonly FillView[];
  readonly risk?: RiskView;
  readonly feeds?: readonly FeedView[];
  readonly alerts?: AlertsView;
  readonly funding?: readonly FundingView[];
  readonly stats?: StatsView;
  readonly news?: NewsView;
  readonly model?: ModelView;
  readonly modelContext?: ModelContextView;
}
