import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, loadConfig } from '@tickerml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storageSettings } from './config.js';
import { DAY_US, PartitionMode, partitionModeLine } from './postgres.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickerml-storage-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR_US = 3_600_000_000;
const load = (yaml: string, env: Record<string, string> = {}) => {
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return loadConfig(dir, { env });
};

describe('storage settings from config/config.yaml', () => {
  it('defaults: SQLite, keep everything, one-day partitions and chunks, compression after 7 days', () => {
    expect(storageSettings(defaultConfig().app.storage)).toEqual({
      backend: 'sqlite',
      sqlitePath: 'data/tickerml.sqlite',
      postgresUrl: undefined,
      postgres: {
        partitionUs: DAY_US,
        timescale: { chunkIntervalUs: DAY_US, compressAfterUs: 7 * DAY_US, retentionUs: null },
      },
      retention: undefined,
    });
  });

  it('turns every key into the stores’ options, in µs and ms; the URL may come from the environment', () => {
    const config = load(
      [
        'storage:',
        '  retention_days: 30',
        '  retention_check_minutes: 15',
        '  partition_interval_hours: 12',
        '  timescale: { chunk_interval_hours: 6, compress_after_days: 0 }',
      ].join('\n'),
      { TICKERML__STORAGE__POSTGRES_URL: 'postgresql://u@db.example:5432/ticks' },
    );
    expect(storageSettings(config.app.storage)).toEqual({
      backend: 'postgres', // a URL and no backend: PostgreSQL
      sqlitePath: 'data/tickerml.sqlite',
      postgresUrl: 'postgresql://u@db.example:5432/ticks',
      postgres: {
        partitionUs: 12 * HOUR_US,
        timescale: { chunkIntervalUs: 6 * HOUR_US, compressAfterUs: null, retentionUs: 30 * DAY_US },
      },
      retention: { retentionUs: 30 * DAY_US, intervalMs: 15 * 60_000 },
    });
    expect(
      storageSettings(load('storage:\n  backend: sqlite\n  postgres_url: postgres://h/db\n').app.storage).backend,
    ).toBe('sqlite');
  });

  it('names the file, key, value and allowed range of a bad value', () => {
    expect(() => load('storage:\n  retention_days: -1\n')).toThrow(
      'config.yaml: storage.retention_days = -1 is out of range [0, 36500]',
    );
    expect(() => load('storage:\n  partition_interval_hours: 0.5\n')).toThrow(
      'config.yaml: storage.partition_interval_hours = 0.5 must be an integer in [1, 8760]',
    );
    expect(() => load('storage:\n  timescale:\n    compress_after_days: lots\n')).toThrow(
      'config.yaml: storage.timescale.compress_after_days = "lots" must be a number in [0, 36500]',
    );
    expect(() => load('storage:\n  backend: mysql\n')).toThrow(
      'storage.backend = "mysql" must be one of sqlite, postgres',
    );
    expect(() => load('storage:\n  backend: postgres\n')).toThrow(
      'config.yaml: storage.backend = "postgres" is postgres but postgres_url is not set',
    );
    expect(() => load('storage:\n  timescale:\n    chunk_hours: 6\n')).toThrow(/storage\.timescale\.chunk_hours/);
  });
});

describe('partitionModeLine (the line logged at connect)', () => {
  it('says native partitioning, its width and why TimescaleDB is not used', () => {
    const native = { mode: PartitionMode.Native, database: 'ticks', partitionUs: 6 * HOUR_US } as const;
    expect(partitionModeLine({ ...native, timescaleVersion: undefined })).toBe(
      "@tickerml/storage: PostgreSQL database 'ticks' uses native range partitioning on timestamp, 6 h per partition (TimescaleDB is not installed); old partitions are dropped by the retention job",
    );
    expect(partitionModeLine({ ...native, timescaleVersion: '2.17.2' })).toMatch(/\(TimescaleDB not enabled\)/);
  });

  it('says TimescaleDB with the configured chunk, compression and retention', () => {
    const line = partitionModeLine({
      mode: PartitionMode.Timescale,
      database: 'ticks',
      timescaleVersion: '2.17.2',
      partitionUs: DAY_US,
      timescale: { chunkIntervalUs: 6 * HOUR_US, compressAfterUs: 2 * DAY_US, retentionUs: 30 * DAY_US },
    });
    expect(line).toBe(
      "@tickerml/storage: PostgreSQL database 'ticks' uses TimescaleDB 2.17.2 hypertables, 6 h chunks, compression after 2 d, market data dropped after 30 d",
    );
    expect(
      partitionModeLine({
        mode: PartitionMode.Timescale,
        database: 'ticks',
        timescaleVersion: '2.17.2',
        partitionUs: DAY_US,
        timescale: { compressAfterUs: null },
      }),
    ).toMatch(/24 h chunks, no compression, no retention policy$/);
  });
});
