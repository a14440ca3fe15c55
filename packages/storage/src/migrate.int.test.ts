import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';
import { instruments, numberedTrades } from '../test/events.js';
import { type ScratchDatabase, scratchDatabase } from '../test/pg.js';
import { populate } from '../test/populate.js';
import { type MigrationProgress, migrateSqliteToPostgres } from './migrate.js';
import { PostgresStore } from './postgres.js';
import { TABLE_NAMES } from './schema.js';
import { SqliteStore } from './sqlite.js';

await describeWithService('postgres', 'SQLite → PostgreSQL migration (real PostgreSQL)', (service) => {
  let db: ScratchDatabase;
  let dir: string;
  let source: SqliteStore;
  let target: PostgresStore;
  const N = 3_000;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickerml-migrate-'));
    source = SqliteStore.open(join(dir, 'source.db'), { instruments });
    populate(source, N);
    db = await scratchDatabase(service.url);
    target = await PostgresStore.connect(db.url, { instruments, log: () => {} });
  });
  afterAll(async () => {
    source?.close();
    await target?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes after an interrupted run without copying anything twice', async () => {
    let batches = 0;
    const interrupted = migrateSqliteToPostgres(source, target, {
      batchRows: 500,
      onProgress: () => {
        batches++;
        if (batches === 9) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    const partly = await target.count('trades');
    expect(partly).toBeGreaterThan(0);
    expect(partly).toBeLessThan(source.count('trades'));

    const progress: MigrationProgress[] = [];
    const report = await migrateSqliteToPostgres(source, target, {
      batchRows: 500,
      onProgress: (p) => progress.push(p),
    });
    expect(report.ok).toBe(true);
    expect(report.tables.map((t) => t.table)).toEqual([...TABLE_NAMES]);
    for (const table of report.tables) {
      expect(table.targetRows).toBe(table.sourceRows);
      expect(table.targetChecksum).toBe(table.sourceChecksum);
    }
    // order_books was finished before the interruption; trades resumed from its mark.
    expect(report.tables.find((t) => t.table === 'order_books')?.copiedRows).toBe(0);
    const trades = report.tables.find((t) => t.table === 'trades');
    expect(trades?.copiedRows).toBe((trades?.sourceRows ?? 0) - partly);
    expect(progress.findLast((p) => p.table === 'portfolio_state')).toEqual({
      table: 'portfolio_state',
      doneRows: N,
      totalRows: N,
    });
  });

  it('verifies every table and a second run changes nothing', async () => {
    const before = await Promise.all(TABLE_NAMES.map((t) => target.count(t)));
    const report = await migrateSqliteToPostgres(source, target);
    expect(report.ok).toBe(true);
    expect(report.tables.every((t) => t.copiedRows === 0)).toBe(true);
    expect(await Promise.all(TABLE_NAMES.map((t) => target.count(t)))).toEqual(before);
    expect(before.reduce((a, b) => a + b, 0)).toBe(TABLE_NAMES.reduce((a, t) => a + source.count(t), 0));
  });

  it('reads back the migrated events identically', async () => {
    expect(await target.readTrades({ exchange: 'binanceus', symbol: 'BTC/USDT' })).toEqual(
      source.readTrades({ exchange: 'binanceus', symbol: 'BTC/USDT' }),
    );
    expect(await target.readMarketEvents()).toEqual(source.readMarketEvents());
    expect(await target.query('portfolio_state', { limit: 50 })).toEqual(
      source.query('portfolio_state', { limit: 50 }),
    );
  });

  it('detects a changed row in the target', async () => {
    await target.execute(`UPDATE fills SET fee = fee + 0.0000001 WHERE id = 7`);
    const report = await migrateSqliteToPostgres(source, target, { tables: ['fills', 'orders'] });
    expect(report.ok).toBe(false);
    expect(report.tables.map((t) => [t.table, t.ok])).toEqual([
      ['fills', false],
      ['orders', true],
    ]);
    await target.execute(`UPDATE fills SET fee = fee - 0.0000001 WHERE id = 7`);
  });

  it('leaves the target ready for new writes after the copied ids', async () => {
    await target.writeEvents([...numberedTrades(3, 50_000)]);
    expect(await target.count('trades')).toBe(source.count('trades') + 3);
  });
});
