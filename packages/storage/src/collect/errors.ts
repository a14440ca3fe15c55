/**
 * Errors of the market-data collector.
 *
 * @module
 */

import { StorageError } from '../errors.js';

/** An option of the collector, its book sampler or its bar builder is out of range. */
export class CollectOptionError extends StorageError {
  override name = 'CollectOptionError' as const;
  constructor(
    readonly option: string,
    expected: string,
    value: unknown,
  ) {
    super(`collect option ${option}: expected ${expected}, was ${JSON.stringify(value) ?? String(value)}`);
  }
}

/** The feature source handed to the collector returned a vector whose length does not match its column names. */
export class FeatureVectorError extends StorageError {
  override name = 'FeatureVectorError' as const;
  constructor(venue: string, symbol: string, expected: number, found: number) {
    super(
      `features of ${venue} ${symbol}: expected a vector of ${expected} values (one per column name), was ${found}`,
    );
  }
}
