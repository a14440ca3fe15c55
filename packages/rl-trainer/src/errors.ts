/**
 * Errors of the trainer, one class per condition a caller can act on.
 *
 * @module
 */
import { BaseError } from '@tickerml/core';

/** A backend named with `--backend` could not be loaded or initialised. */
export class BackendUnavailableError extends BaseError {
  override name = 'BackendUnavailableError' as const;
  /**
   * @param backend - the backend asked for.
   * @param reason - why it could not be used (the import or initialisation error).
   */
  constructor(backend: string, reason: string) {
    super(`backend "${backend}" is not available: ${reason}`);
  }
}

/** Training input that cannot be used: wrong shapes, no rows, labels out of range. */
export class TrainingDataError extends BaseError {
  override name = 'TrainingDataError' as const;
}

/** A registry entry or checkpoint that is missing, malformed, or does not fit the model asked for. */
export class ModelRegistryError extends BaseError {
  override name = 'ModelRegistryError' as const;
}
