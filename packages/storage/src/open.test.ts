import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tickerml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/services.js';
import { InvalidConnectionStringError } from './errors.js';
import { openStore, type StorageTarget } from './open.js';
import { SqliteStore } from './sqlite.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickerml-open-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('opens SQLite from sqlite:<path>, a plain path, or the config section', async () => {
    for (const target of [`sqlite:${join(dir, 'a.db')}`, join(dir, 'b.db'), { sqlitePath: join(dir, 'c.db') }]) {
      const store = await openStore(target);
      expect(store).toBeInstanceOf(SqliteStore);
      (store as SqliteStore).close();
    }
  });

  it("opens what core's default config names (config/config.yaml: storage.sqlite_path)", async () => {
    const config = await loadConfig(join(REPO_ROOT, 'config'));
    const section: StorageTarget = config.app.storage;
    expect(section.sqlitePath).toMatch(/\.sqlite$/);
    const store = await openStore({ sqlitePath: join(dir, section.sqlitePath ?? 'x.sqlite') });
    expect(store).toBeInstanceOf(SqliteStore);
    (store as SqliteStore).close();
  });

  it('names a target it cannot use', async () => {
    await expect(openStore('mysql://root@127.0.0.1/db')).rejects.toThrow(InvalidConnectionStringError);
    await expect(openStore('mysql://root@127.0.0.1/db')).rejects.toThrow(
      /scheme 'mysql' is neither sqlite nor postgres/,
    );
    await expect(openStore({})).rejects.toThrow(/no sqlite path and no postgres URL/);
    await expect(openStore('sqlite:')).rejects.toThrow(/no file after sqlite:/);
  });
});
