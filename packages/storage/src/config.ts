/**
 * The `storage:` section of `config/config.yaml` (validated by core) turned into store options.
 *
 * @module
 */

import type { AppConfig } from '@tickerml/core';
import type { PostgresStoreOptions } from './postgres.js';

/** The `storage:` section as core's `loadConfig` returns it (camelCase keys, defaults applied). */
export type StorageConfig = AppConfig['storage'];

const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;

/** What {@link storageSettings} derives from the configuration. */
export interface StorageSettings {
  /** `sqlite` or `postgres` (resolved by core: `postgres` when only a URL was given). */
  readonly backend: 'sqlite' | 'postgres';
  readonly sqlitePath: string;
  readonly postgresUrl: string | undefined;
  /** Partitioning and TimescaleDB options for `PostgresStore.connect`. */
  readonly postgres: Pick<PostgresStoreOptions, 'partitionUs' | 'timescale'>;
  /** Options for either store's `startRetentionJob` (add the app's `clock`), or `undefined` when `retention_days` is 0 (keep everything). */
  readonly retention: { readonly retentionUs: number; readonly intervalMs: number } | undefined;
}

/**
 * Converts the validated `storage:` configuration into store options, in the stores' units
 * (µs, ms). The ranges were checked when the file was loaded.
 *
 * @example
 * const settings = storageSettings(loadConfig('config').app.storage);
 * const store = await PostgresStore.connect(url, { ...settings.postgres, instruments });
 * if (settings.retention) store.startRetentionJob({ ...settings.retention, clock }); // the app's LiveClock
 */
export function storageSettings(config: StorageConfig): StorageSettings {
  const retentionUs = config.retentionDays === 0 ? null : config.retentionDays * DAY_US;
  return {
    backend: config.backend,
    sqlitePath: config.sqlitePath,
    postgresUrl: config.postgresUrl,
    postgres: {
      partitionUs: config.partitionIntervalHours * HOUR_US,
      timescale: {
        chunkIntervalUs: config.timescale.chunkIntervalHours * HOUR_US,
        compressAfterUs: config.timescale.compressAfterDays === 0 ? null : config.timescale.compressAfterDays * DAY_US,
        retentionUs,
      },
    },
    retention: retentionUs === null ? undefined : { retentionUs, intervalMs: config.retentionCheckMinutes * 60_000 },
  };
}
