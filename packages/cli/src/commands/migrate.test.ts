import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@tickerml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { formatStorageSettings, loadMigrateConfig } from './migrate.js';

const HOUR_US = 3_600_000_000;
const DAY_US = 24 * HOUR_US;

describe('loadMigrateConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tickerml-migrate-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('turns the storage: section into the PostgreSQL store options, TimescaleDB ones included', () => {
    const file = write(
      'ts.yaml',
      'storage:\n  partition_interval_hours: 12\n  retention_days: 30\n  timescale:\n    chunk_interval_hours: 6\n    compress_after_days: 0\n',
    );
    const config = loadMigrateConfig(file, {});
    expect(config.file).toBe(file);
    expect(config.settings.postgres).toEqual({
      partitionUs: 12 * HOUR_US,
      timescale: { chunkIntervalUs: 6 * HOUR_US, compressAfterUs: null, retentionUs: 30 * DAY_US },
    });
    expect(formatStorageSettings(config)).toBe(
      `migrate: storage settings from ${file}: partition_interval_hours 12, timescale.chunk_interval_hours 6, ` +
        'timescale.compress_after_days 0 (no compression), retention_days 30',
    );
  });

  it('reads config.yaml from a directory, and applies only the storage overrides of the environment', () => {
    const sub = join(dir, 'conf');
    mkdirSync(sub);
    writeFileSync(join(sub, 'config.yaml'), 'storage:\n  partition_interval_hours: 12\n');
    const config = loadMigrateConfig(sub, {
      TICKERML__STORAGE__PARTITION_INTERVAL_HOURS: '3',
      TICKERML__DASHBOARD__PORT: 'not a port', // not migrate's business
    });
    expect(config.file).toBe(join(sub, 'config.yaml'));
    expect(config.overrides).toEqual(['TICKERML__STORAGE__PARTITION_INTERVAL_HOURS']);
    expect(config.settings.postgres.partitionUs).toBe(3 * HOUR_US);
    expect(formatStorageSettings(config)).toContain(
      `from ${join(sub, 'config.yaml')} with TICKERML__STORAGE__PARTITION_INTERVAL_HOURS from the environment: partition_interval_hours 3,`,
    );
  });

  it('names the real file, the key and the value of a bad setting', () => {
    const file = write('bad.yaml', 'storage:\n  timescale:\n    compress_after_days: -1\n');
    const error = (() => {
      try {
        loadMigrateConfig(file, {});
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(file);
    expect((error as ConfigError).keyPath).toBe('storage.timescale.compress_after_days');
    expect((error as ConfigError).shortMessage).toBe(
      `${file}: storage.timescale.compress_after_days = -1 is out of range [0, 36500]`,
    );
  });

  it('validates the whole file as the apps do: an unknown key is an error too', () => {
    const file = write('typo.yaml', 'storag:\n  partition_interval_hours: 6\n');
    expect(() => loadMigrateConfig(file, {})).toThrow(`${file}: unknown key storag`);
  });
});

describe('migrateCommand arguments', () => {
  it('exits 2, as its help says for bad arguments, when --to is not a PostgreSQL URL', async () => {
    const { migrateCommand } = await import('./migrate.js');
    for (const to of ['notaurl', 'mysql://u@h/db', 'postgres://']) {
      let err = '';
      const code = await migrateCommand(['--from', 'sqlite:nothing.db', '--to', to], {
        stdout: () => undefined,
        stderr: (line: string) => {
          err += line;
        },
        env: {},
      });
      expect(code, to).toBe(2);
      expect(err, to).toContain('--to');
    }
    let err = '';
    await migrateCommand(['--from', 'sqlite:x.db', '--to', 'mysql://user:hunter2@host/db'], {
      stdout: () => undefined,
      stderr: (line: string) => {
        err += line;
      },
      env: {},
    });
    expect(err).not.toContain('hunter2');
  });
});
