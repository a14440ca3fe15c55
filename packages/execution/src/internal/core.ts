/**
 * The pieces of `@tickerml/core` this package uses.
 *
 * TODO(core): core's public index does not export these yet (only `events.ts` and `errors.ts`
 * exist in its sources). Every other file in this package imports them from here, so switching
 * to `@tickerml/core` is a change to this one file.
 *
 * @module
 */

export type TimestampUs = number;
export type VenueId = string;
export type Side = 'bid' | 'ask';
export type AggressorSide = 'buy' | 'sell' | 'unknown';

export interface EventHeader {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly exchTs: TimestampUs;
  readonly localTs: TimestampUs;
  readonly seq?: number;
}
export interface Level {
  readonly priceTicks: number;
  readonly qtyLots: number;
}
export interface BookSnapshot extends EventHeader {
  readonly kind: 'book_snapshot';
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly depth?: number;
}
export interface BookDelta extends EventHeader {
  readonly kind: 'book_delta';
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly firstSeq?: number;
  readonly checksum?: number;
}
export interface OrderAdded extends EventHeader {
  readonly kind: 'order_added';
  readonly orderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly qtyLots: number;
}
export interface OrderChanged extends EventHeader {
  readonly kind: 'order_changed';
  readonly orderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly qtyLots: number;
}
export interface OrderRemoved extends EventHeader {
  readonly kind: 'order_removed';
  readonly orderId: string;
  readonly side: Side;
}
export interface Trade extends EventHeader {
  readonly kind: 'trade';
  readonly tradeId: string;
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly aggressor: AggressorSide;
}
export interface FundingRate extends EventHeader {
  readonly kind: 'funding_rate';
  readonly rate: string;
  readonly fundingTs: TimestampUs;
  readonly markPriceTicks?: number;
}
export interface Connected extends EventHeader {
  readonly kind: 'connected';
}
export interface Disconnected extends EventHeader {
  readonly kind: 'disconnected';
  readonly reason: string;
}
export interface GapDetected extends EventHeader {
  readonly kind: 'gap_detected';
  readonly expectedSeq?: number;
  readonly receivedSeq?: number;
  readonly reason: string;
}
export interface Resynced extends EventHeader {
  readonly kind: 'resynced';
}
export interface ChecksumMismatch extends EventHeader {
  readonly kind: 'checksum_mismatch';
  readonly expected: number;
  readonly computed: number;
}
export type MarketEvent =
  | BookSnapshot
  | BookDelta
  | OrderAdded
  | OrderChanged
  | OrderRemoved
  | Trade
  | FundingRate
  | Connected
  | Disconnected
  | GapDetected
  | Resynced
  | ChecksumMismatch;

/** Options accepted by {@link BaseError}. */
export interface BaseErrorOptions {
  readonly cause?: unknown;
  readonly details?: string;
  readonly kind?: 'retryable' | 'non_retryable' | 'fatal';
}

/** TODO(core): core's BaseError (packages/core/src/errors.ts) is not exported yet; same shape. */
export class BaseError extends Error {
  override name = 'BaseError';
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly kind: 'retryable' | 'non_retryable' | 'fatal';
  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    const details = options.details ?? (options.cause instanceof Error ? options.cause.message : undefined);
    super(
      details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${details}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.shortMessage = shortMessage;
    this.details = details;
    this.kind = options.kind ?? 'non_retryable';
  }
}

/**
 * A seeded pseudo-random generator (SplitMix32 mixing over a 32-bit Weyl sequence): the same seed
 * gives the same sequence on every platform. TODO(core): replace with core's SeededRandom.
 */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** A clock read by the engine. TODO(core): core's Clock. */
export interface Clock {
  /** Current time, microseconds since the epoch. */
  nowUs(): number;
}

/** A clock moved by hand; refuses to go backwards. TODO(core): core's TestClock. */
export class TestClock implements Clock {
  private now: number;
  constructor(startUs = 0) {
    this.now = startUs;
  }
  nowUs(): number {
    return this.now;
  }
  advanceTo(toUs: number): void {
    if (toUs < this.now) throw new BaseError(`clock cannot go backwards: now ${this.now} µs, asked for ${toUs} µs`, { kind: 'fatal' });
    this.now = toUs;
  }
}
