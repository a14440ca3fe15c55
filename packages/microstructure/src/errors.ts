/**
 * Errors thrown by @tickerml/microstructure: one subclass per condition, each with a literal `name`.
 *
 * @module
 */

import { BaseError, type BaseErrorOptions, OutOfOrderError } from '@tickerml/core';

/**
 * Base class of every error thrown by this package (a core `BaseError`, non-retryable: the same
 * input fails the same way).
 *
 * @example
 * ```ts
 * try { book.applyLevel('bid', 1.5, 1); } catch (e) { if (e instanceof MicrostructureError) console.log(e.shortMessage); }
 * ```
 */
export class MicrostructureError extends BaseError {
  override name = 'MicrostructureError';
  constructor(shortMessage: string, options: BaseErrorOptions = {}) {
    super(shortMessage, options);
  }
}

/** A price or quantity given to a book is not a non-negative safe integer (ticks/lots). */
export class InvalidLevelError extends MicrostructureError {
  override name = 'InvalidLevelError' as const;
  constructor(what: string, value: number, expected = 'a non-negative safe integer') {
    super(`Invalid ${what}: expected ${expected}, was ${String(value)}.`);
  }
}

/** A side other than `'bid'` or `'ask'` was given. */
export class InvalidSideError extends MicrostructureError {
  override name = 'InvalidSideError' as const;
  constructor(side: unknown) {
    super(`Invalid side: expected 'bid' or 'ask', was ${JSON.stringify(side)}.`);
  }
}

/** The book is crossed or locked where the caller required a sane book ({@link L2Book.assertNotCrossed}). */
export class CrossedBookError extends MicrostructureError {
  override name = 'CrossedBookError' as const;
  /** Best bid in ticks at the time of the check. */
  readonly bestBidTicks: number;
  /** Best ask in ticks at the time of the check. */
  readonly bestAskTicks: number;
  constructor(state: string, bestBidTicks: number, bestAskTicks: number, context?: string) {
    super(`Order book is ${state}: best bid ${bestBidTicks} ticks >= best ask ${bestAskTicks} ticks.`, {
      ...(context === undefined ? {} : { details: context }),
    });
    this.bestBidTicks = bestBidTicks;
    this.bestAskTicks = bestAskTicks;
  }
}

/** An L3 order id was added twice. */
export class DuplicateOrderError extends MicrostructureError {
  override name = 'DuplicateOrderError' as const;
  constructor(orderId: string) {
    super(`Order ${JSON.stringify(orderId)} is already in the book.`);
  }
}

/** An L3 change or removal named an order the book does not hold. */
export class UnknownOrderError extends MicrostructureError {
  override name = 'UnknownOrderError' as const;
  constructor(orderId: string, action: string) {
    super(`Cannot ${action} order ${JSON.stringify(orderId)}: it is not in the book.`);
  }
}

/** A feature or checksum was configured with an invalid option. */
export class InvalidOptionError extends MicrostructureError {
  override name = 'InvalidOptionError' as const;
  constructor(option: string, expected: string, value: unknown) {
    super(`Invalid option ${option}: expected ${expected}, was ${JSON.stringify(value)}.`);
  }
}

/**
 * The core {@link OutOfOrderError} a windowed feature throws when an event's `localTs` goes
 * backwards (internal: not exported from the package).
 * @internal
 */
export function featureOutOfOrder(feature: string, previousTs: number, ts: number): OutOfOrderError {
  return new OutOfOrderError(feature, previousTs, ts, { note: '; features need events in localTs order' });
}
