/**
 * The `collect:` section of `config/config.yaml` (validated by core) turned into collector
 * settings, in the collector's units (µs).
 *
 * @module
 */

import { type AppConfig, parseDuration } from '@tickerml/core';

/** The `collect:` section as core's `loadConfig` returns it (camelCase keys, defaults applied). */
export type CollectConfig = AppConfig['collect'];

/** What {@link collectSettings} derives from the configuration; `false` means "not collected". */
export interface CollectSettings {
  /** Raw frames through the recorder. */
  readonly rawFrames: boolean;
  /** Book samples: cadence (µs) and levels per side. */
  readonly orderBooks: { readonly intervalUs: number; readonly levels: number } | false;
  readonly trades: boolean;
  readonly ohlcv: boolean;
  /** Feature rows: cadence, µs. */
  readonly features: { readonly intervalUs: number } | false;
}

/**
 * Converts the validated `collect:` configuration into collector settings.
 *
 * @throws {InvalidDurationError} (from core) for an interval that is not a whole number of µs.
 * @example
 * const settings = collectSettings(loadConfig('config').app.collect);
 * settings.orderBooks; // { intervalUs: 1_000_000, levels: 20 } with the defaults
 */
export function collectSettings(config: CollectConfig): CollectSettings {
  return {
    rawFrames: config.rawFrames,
    orderBooks: config.orderBooks
      ? { intervalUs: parseDuration(config.orderBooksInterval), levels: config.orderBooksLevels }
      : false,
    trades: config.trades,
    ohlcv: config.ohlcv,
    features: config.features ? { intervalUs: parseDuration(config.featuresInterval) } : false,
  };
}
