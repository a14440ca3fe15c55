/**
 * Normalized market events: one shape for every venue.
 *
 * Prices are integer ticks and quantities integer lots of the event's instrument
 * (see {@link Instrument}); timestamps are integer microseconds since the Unix epoch.
 * Every event is immutable once built.
 *
 * @module
 */

/** Microseconds since the Unix epoch, an integer (safe in a `number` until the year 2255). */
export type TimestampUs = number;

/** Venue identifiers known to TickerML. Adapters for other venues may use any lower-case id. */
export const Venue = {
  BinanceUs: 'binanceus',
  Binance: 'binance',
  BinanceUsdm: 'binanceusdm',
  Coinbase: 'coinbase',
  Kraken: 'kraken',
  KrakenFutures: 'krakenfutures',
  Kucoin: 'kucoin',
  KucoinFutures: 'kucoinfutures',
} as const;
/** A venue id such as `binanceus` or `kraken`. */
export type VenueId = (typeof Venue)[keyof typeof Venue] | (string & {});

/** Side of a book or an order. */
export const Side = { Bid: 'bid', Ask: 'ask' } as const;
export type Side = (typeof Side)[keyof typeof Side];

/** The side of the taker (aggressor) of a trade, normalized across venues. */
export const AggressorSide = { Buy: 'buy', Sell: 'sell', Unknown: 'unknown' } as const;
export type AggressorSide = (typeof AggressorSide)[keyof typeof AggressorSide];

/** Fields carried by every market event. */
export interface EventHeader {
  /** Venue id, e.g. `binanceus`. */
  readonly venue: VenueId;
  /** Canonical symbol, `BASE/QUOTE` (spot) or `BASE/QUOTE:SETTLE` (perpetuals), e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** The venue's own timestamp, microseconds since the epoch (equal to `localTs` where the venue sends none). */
  readonly exchTs: TimestampUs;
  /** When we received it, microseconds since the epoch. */
  readonly localTs: TimestampUs;
  /** The venue's sequence number for this stream, where it has one. */
  readonly seq?: number;
}

/** One price level: price in ticks, quantity in lots. */
export interface Level {
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** A full (or top-N) book replacing whatever was held before. */
export interface BookSnapshot extends EventHeader {
  readonly kind: 'book_snapshot';
  /** Bids, best (highest) first. */
  readonly bids: readonly Level[];
  /** Asks, best (lowest) first. */
  readonly asks: readonly Level[];
  /** Depth the venue maintains for this subscription (Kraken truncates to it), if bounded. */
  readonly depth?: number;
}

/** Changes to some levels; quantities are absolute, and 0 deletes the level. */
export interface BookDelta extends EventHeader {
  readonly kind: 'book_delta';
  /** Bid levels that changed, each with its new absolute quantity in lots (0 deletes the level); in no particular order. */
  readonly bids: readonly Level[];
  /** Ask levels that changed, each with its new absolute quantity in lots (0 deletes the level); in no particular order. */
  readonly asks: readonly Level[];
  /** First venue sequence covered by this delta (Binance `U`, KuCoin `sequenceStart`). */
  readonly firstSeq?: number;
  /** Venue checksum sent with this message (Kraken CRC32), to verify after applying. */
  readonly checksum?: number;
}

/** L3: a new resting order. */
export interface OrderAdded extends EventHeader {
  readonly kind: 'order_added';
  readonly orderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** L3: a resting order changed price or size. */
export interface OrderChanged extends EventHeader {
  readonly kind: 'order_changed';
  readonly orderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly qtyLots: number;
}

/** L3: a resting order left the book (cancelled or fully filled). */
export interface OrderRemoved extends EventHeader {
  readonly kind: 'order_removed';
  readonly orderId: string;
  readonly side: Side;
}

/** A public trade, with the aggressor normalized (Binance `m`, Coinbase maker `side`, Kraken taker `side`). */
export interface Trade extends EventHeader {
  readonly kind: 'trade';
  /** The venue's trade id, as text. */
  readonly tradeId: string;
  /** Trade price in ticks of the instrument's tick size (price = priceTicks × tickSize). */
  readonly priceTicks: number;
  /** Traded quantity in lots of the instrument's lot size (quantity = qtyLots × lotSize). */
  readonly qtyLots: number;
  /** The side that crossed the spread (taker), normalized across venues. */
  readonly aggressor: AggressorSide;
}

/** Funding of a perpetual: the rate (a fraction, e.g. 0.0001 = 1 bp) applying at `fundingTs`. */
export interface FundingRate extends EventHeader {
  readonly kind: 'funding_rate';
  /** Funding rate as a decimal string exactly as the venue sent it. */
  readonly rate: string;
  /** When this rate is applied to positions, microseconds since the epoch. */
  readonly fundingTs: TimestampUs;
  /** Mark price in ticks, where the venue sends it. */
  readonly markPriceTicks?: number;
}

/** Feed health: the connection carrying this stream opened. */
export interface Connected extends EventHeader {
  readonly kind: 'connected';
}
/** Feed health: the connection closed; `reason` says why. */
export interface Disconnected extends EventHeader {
  readonly kind: 'disconnected';
  readonly reason: string;
}
/** Feed health: a sequence gap; the book is invalid until {@link Resynced}. */
export interface GapDetected extends EventHeader {
  readonly kind: 'gap_detected';
  readonly expectedSeq?: number;
  readonly receivedSeq?: number;
  readonly reason: string;
}
/** Feed health: the book was rebuilt from a fresh snapshot. */
export interface Resynced extends EventHeader {
  readonly kind: 'resynced';
}
/** Feed health: the book's checksum differs from the venue's; the book is invalid until {@link Resynced}. */
export interface ChecksumMismatch extends EventHeader {
  readonly kind: 'checksum_mismatch';
  readonly expected: number;
  readonly computed: number;
}

/** Order-book events. */
export type BookEvent = BookSnapshot | BookDelta;
/** Level-3 (order-level) events. */
export type L3Event = OrderAdded | OrderChanged | OrderRemoved;
/** Feed-health events. */
export type FeedHealthEvent = Connected | Disconnected | GapDetected | Resynced | ChecksumMismatch;
/** Every normalized market event. */
export type MarketEvent = BookEvent | L3Event | Trade | FundingRate | FeedHealthEvent;
/** The `kind` discriminator of a {@link MarketEvent}. */
export type MarketEventKind = MarketEvent['kind'];

/** Every event kind, in a stable order (useful for reports and serializers). */
export const MARKET_EVENT_KINDS = [
  'book_snapshot',
  'book_delta',
  'order_added',
  'order_changed',
  'order_removed',
  'trade',
  'funding_rate',
  'connected',
  'disconnected',
  'gap_detected',
  'resynced',
  'checksum_mismatch',
] as const satisfies readonly MarketEventKind[];
