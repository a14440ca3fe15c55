/**
 * Errors raised by the venue adapters, one class per condition, each with a literal `name`.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/** Common base of every exchanges error (core's {@link BaseError}). */
export class ExchangeBaseError extends BaseError {
  override name = 'ExchangeBaseError';
}

/** A frame from the venue could not be parsed (bad JSON, wrong types, numbers off the tick grid). */
export class MalformedFrameError extends ExchangeBaseError {
  override name = 'MalformedFrameError' as const;
}

/** A decimal string could not be converted exactly to ticks or lots. */
export class DecimalConversionError extends ExchangeBaseError {
  override name = 'DecimalConversionError' as const;
}

/** An adapter's configuration is invalid (names the key and what was wrong). */
export class AdapterConfigError extends ExchangeBaseError {
  override name = 'AdapterConfigError' as const;
}

/** A REST request to the venue failed; retryable after `retryAfterMs`. */
export class VenueHttpError extends ExchangeBaseError {
  override name = 'VenueHttpError' as const;
  constructor(shortMessage: string, options: { details?: string; cause?: unknown; retryAfterMs?: number } = {}) {
    super(shortMessage, { ...options, kind: 'retryable', retryAfterMs: options.retryAfterMs ?? 1000 });
  }
}

/** Instrument metadata is neither reachable on the network nor present in the on-disk cache. */
export class InstrumentsUnavailableError extends ExchangeBaseError {
  override name = 'InstrumentsUnavailableError' as const;
}

/** The requested symbol is not listed by the venue (or not in the metadata given to the adapter). */
export class UnknownSymbolError extends ExchangeBaseError {
  override name = 'UnknownSymbolError' as const;
}

/**
 * An optional peer dependency (ccxt) is needed by the call but not installed; the message names
 * the package and how to install it.
 */
export class OptionalDependencyMissingError extends ExchangeBaseError {
  override name = 'OptionalDependencyMissingError' as const;
}
