/**
 * `storage.postgres_url`: the orders, fills and portfolio states written to SQLite are mirrored
 * into a real PostgreSQL database, exactly (same rows, verified by the migration's checksums).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@tickerml/storage';
import { PostgresStore } from '@tickerml/storage/postgres';
import { afterAll, expect, it } from 'vitest';
import { scratchDatabase } from '../../../packages/storage/test/pg.js';
import { describeWithService } from '../../../test/support/services.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const TSX = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-pg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

await describeWithService('postgres', 'pnpm pi-trader with storage.postgres_url', (service) => {
  it('mirrors orders, fills and portfolio states into PostgreSQL by shutdown', async () => {
    const db = await scratchDatabase(service.url);
    try {
      const sqlitePath = join(dir, 'pi.sqlite');
      const child = spawn(
        process.execPath,
        [
          '--conditions=@tickerml/source',
          '--import',
          TSX,
          join(APP, 'src/main.ts'),
          '--config',
          CONFIG,
          '--duration',
          '6',
          '--port',
          '0',
          '--metrics-port',
          '0',
          '--db',
          sqlitePath,
          '--speed',
          '20',
          '--status-every',
          '0',
          // a baseline that trades within seconds (the default demo model mostly holds)
          '--strategy',
          'obi-momentum',
        ],
        {
          cwd: dir,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, TICKERML__STORAGE__POSTGRES_URL: db.url },
        },
      );
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code, err).toBe(0);
      const sqlite = SqliteStore.open(sqlitePath, { readonly: true });
      const pg = await PostgresStore.connect(db.url);
      try {
        expect(sqlite.count('portfolio_state')).toBeGreaterThan(0);
        for (const table of ['orders', 'fills', 'portfolio_state'] as const)
          expect(await pg.count(table)).toBe(sqlite.count(table));
        const last = sqlite.latest('portfolio_state', 1)[0];
        const [pgLast] = (
          await pg.execute('SELECT total_value::text AS v FROM portfolio_state ORDER BY id DESC LIMIT 1')
        ).rows as { v: string }[];
        expect(Number(pgLast?.v)).toBe(Number(last?.total_value));
      } finally {
        sqlite.close();
        await pg.close();
      }
    } finally {
      await db.drop();
    }
  }, 120_000);
});
