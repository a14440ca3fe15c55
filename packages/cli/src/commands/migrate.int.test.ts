import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../../../../test/support/services.js';
import { instruments } from '../../../storage/test/events.js';
import { type ScratchDatabase, scratchDatabase } from '../../../storage/test/pg.js';
import { populate } from '../../../storage/test/populate.js';
import { migrateCommand } from './migrate.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) }, out, err };
}

await describeWithService('postgres', 'tickerml migrate (real PostgreSQL)', (service) => {
  let db: ScratchDatabase;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tickerml-cli-migrate-'));
    file = join(dir, 'ticks.db');
    const store = SqliteStore.open(file, { instruments });
    populate(store, 1_200);
    store.close();
    db = await scratchDatabase(service.url);
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies every table, shows progress, prints the verification, and a rerun copies nothing', async () => {
    const first = capture();
    expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', db.url, '--batch-rows', '500'], first.io)).toBe(0);
    const progress = first.err.join('');
    expect(progress).toMatch(/native range partitioning/);
    expect(progress).toContain('migrate: trades 500/1202 (41%)');
    expect(progress).toContain('migrate: portfolio_state 1200/1200 (100%)');
    const table = first.out.join('');
    expect(table).toMatch(/^trades\s+1202\s+1202\s+1202\s+ok [0-9a-f]{12}$/m);
    expect(table).toContain('verified: every table matches');

    const second = capture();
    expect(await migrateCommand([`--from=sqlite:${file}`, `--to=${db.url}`], second.io)).toBe(0);
    expect(second.out.join('')).toMatch(/^trades\s+1202\s+1202\s+0\s+ok/m);
  });

  it('exits 1 naming what failed: missing file, wrong scheme, unreachable server', async () => {
    const missing = capture();
    expect(await migrateCommand(['--from', `sqlite:${join(dir, 'nope.db')}`, '--to', db.url], missing.io)).toBe(1);
    expect(missing.err.join('')).toMatch(/nope\.db' does not exist/);

    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'SQLite format 3\u0000'.padEnd(4096, 'garbage'));
    const broken = capture();
    expect(await migrateCommand(['--from', `sqlite:${corrupt}`, '--to', db.url], broken.io)).toBe(1);
    expect(broken.err.join('')).toContain(`SQLite database '${corrupt}' is corrupt or not a SQLite database`);

    const scheme = capture();
    expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', 'mysql://x@127.0.0.1/db'], scheme.io)).toBe(1);
    expect(scheme.err.join('')).toMatch(/scheme 'mysql' is not postgres/);

    const down = capture();
    expect(
      await migrateCommand(['--from', `sqlite:${file}`, '--to', 'postgres://postgres@127.0.0.1:1/test'], down.io),
    ).toBe(1);
    expect(down.err.join('')).toMatch(/cannot connect to PostgreSQL at 'postgres:\/\/postgres@127\.0\.0\.1:1\/test'/);
  });

  it('exits 2 with usage on bad arguments', async () => {
    const bad = capture();
    expect(await migrateCommand(['--from', `sqlite:${file}`], bad.io)).toBe(2);
    expect(bad.err.join('')).toContain('--to postgres://... is required');
    const table = capture();
    expect(
      await migrateCommand(['--from', `sqlite:${file}`, '--to', db.url, '--tables', 'trades,candles'], table.io),
    ).toBe(2);
    expect(table.err.join('')).toContain("unknown table 'candles'");
  });
});
