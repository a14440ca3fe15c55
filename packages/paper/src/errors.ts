/**
 * Errors of the paper trader, one class per condition.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/**
 * Re-processing the input up to the last checkpoint did not rebuild the checkpointed account:
 * the input, the configuration or the seed differ from the run that wrote the checkpoint.
 *
 * @example
 * ```ts
 * // resumed with another seed: "recovery rebuilt cash binance/USDT = 9990.1 at event 12000, the checkpoint says 9990.2"
 * ```
 */
export class RecoveryMismatchError extends BaseError {
  override name = 'RecoveryMismatchError' as const;
}

/**
 * A checkpoint in the database cannot be used (unknown format version, malformed JSON, or a
 * venue, symbol or currency this run does not configure).
 *
 * @example
 * ```ts
 * PaperStore.open(store).latest(); // throws CheckpointFormatError for a checkpoint written by a newer version
 * ```
 */
export class CheckpointFormatError extends BaseError {
  override name = 'CheckpointFormatError' as const;
}

/**
 * Misuse of the paper trader: events after `stop()`, or a bad option value.
 *
 * @example
 * ```ts
 * new PaperTrader({ ...options, checkpointEveryEvents: 0 }); // throws PaperTraderError
 * ```
 */
export class PaperTraderError extends BaseError {
  override name = 'PaperTraderError' as const;
}
