import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@tickerml/storage';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../../../../test/support/services.js';
import { instruments } from '../../../storage/test/events.js';
import { type ScratchDatabase, scratchDatabase } from '../../../storage/test/pg.js';
import { populate } from '../../../storage/test/populate.js';
import { migrateCommand } from './migrate.js';

function capture(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), env }, out, err };
}

const HOUR_US = 3_600_000_000;

/** Runs one query against `url` on a connection of its own. */
async function query<R>(url: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** The [from, to) bounds, µs, of every native partition of `table`, in order. */
async function partitionBounds(url: string, table: string): Promise<[number, number][]> {
  const rows = await query<{ bound: string }>(
    url,
    `SELECT pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = $1::regclass`,
    [table],
  );
  return rows
    .map(({ bound }) => {
      const m = /FROM \('?(\d+)'?\) TO \('?(\d+)'?\)/.exec(bound);
      if (m === null) throw new Error(`unexpected partition bound ${bound}`);
      return [Number(m[1]), Number(m[2])] as [number, number];
    })
    .sort((a, b) => a[0] - b[0]);
}

/** Tables in the target's public schema. */
async function publicTables(url: string): Promise<string[]> {
  const rows = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  return rows.map((r) => r.tablename);
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
    // No --config: the repository's config/config.yaml (tests run from the repository root).
    expect(progress).toMatch(/^migrate: storage settings from config\/config\.yaml: partition_interval_hours \d+/m);
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

  it('exits 1 naming what failed (missing file, corrupt file, unreachable server), 2 for a wrong scheme', async () => {
    const missing = capture();
    expect(await migrateCommand(['--from', `sqlite:${join(dir, 'nope.db')}`, '--to', db.url], missing.io)).toBe(1);
    expect(missing.err.join('')).toMatch(/nope\.db' does not exist/);

    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'SQLite format 3\u0000'.padEnd(4096, 'garbage'));
    const broken = capture();
    expect(await migrateCommand(['--from', `sqlite:${corrupt}`, '--to', db.url], broken.io)).toBe(1);
    expect(broken.err.join('')).toContain(`SQLite database '${corrupt}' is corrupt or not a SQLite database`);

    const scheme = capture();
    // A --to that is not a postgres:// URL is a usage error (exit 2, as the help says).
    expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', 'mysql://x@127.0.0.1/db'], scheme.io)).toBe(2);
    expect(scheme.err.join('')).toMatch(/--to must be a postgres:\/\/ or postgresql:\/\/ URL/);

    const down = capture();
    expect(
      await migrateCommand(['--from', `sqlite:${file}`, '--to', 'postgres://postgres@127.0.0.1:1/test'], down.io),
    ).toBe(1);
    expect(down.err.join('')).toMatch(/cannot connect to PostgreSQL at 'postgres:\/\/postgres@127\.0\.0\.1:1\/test'/);
  });

  it('sets the target up as the config says: partitions partition_interval_hours wide, settings printed', async () => {
    const config = join(dir, 'six-hours.yaml');
    writeFileSync(config, 'storage:\n  partition_interval_hours: 6\n  retention_days: 30\n');
    const target = await scratchDatabase(service.url);
    try {
      const run = capture();
      expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', target.url, '--config', config], run.io)).toBe(
        0,
      );
      const log = run.err.join('');
      expect(log).toContain(
        `migrate: storage settings from ${config}: partition_interval_hours 6, timescale.chunk_interval_hours 24, ` +
          'timescale.compress_after_days 7, retention_days 30\n',
      );
      expect(log).toMatch(/native range partitioning on timestamp, 6 h per partition/);
      expect(log).toContain('retention_days 30 is not applied while copying');
      expect(run.out.join('')).toContain('verified: every table matches');

      // One 6 h partition for every 6 h bucket the source's trades fall in, and no other.
      const source = SqliteStore.open(file, { readonly: true });
      const buckets = new Set(
        source.rowsAfter('trades', 0, 100_000).map((r) => Math.floor((r.timestamp as number) / (6 * HOUR_US))),
      );
      source.close();
      const bounds = await partitionBounds(target.url, 'trades');
      expect(bounds.length).toBeGreaterThan(1);
      expect(bounds.map(([from, to]) => to - from)).toEqual(bounds.map(() => 6 * HOUR_US));
      expect(bounds.map(([from]) => from / (6 * HOUR_US))).toEqual([...buckets].sort((a, b) => a - b));
    } finally {
      await target.drop();
    }
  });

  it('refuses, before copying, a width other than the target already has (here set from the environment)', async () => {
    const config = join(dir, 'six-hours-again.yaml');
    writeFileSync(config, 'storage:\n  partition_interval_hours: 6\n');
    const target = await scratchDatabase(service.url);
    try {
      const first = capture();
      expect(
        await migrateCommand(
          ['--from', `sqlite:${file}`, '--to', target.url, '--config', config, '--tables', 'trades'],
          first.io,
        ),
      ).toBe(0);
      const rerun = capture({ TICKERML__STORAGE__PARTITION_INTERVAL_HOURS: '12' });
      expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', target.url, '--config', config], rerun.io)).toBe(
        1,
      );
      const log = rerun.err.join('');
      expect(log).toContain(
        'with TICKERML__STORAGE__PARTITION_INTERVAL_HOURS from the environment: partition_interval_hours 12',
      );
      expect(log).toMatch(
        new RegExp(
          `${config.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}: storage\\.partition_interval_hours = 12 does not match the target: its partition trades_p\\d+ of trades is 6 h wide`,
        ),
      );
      expect(rerun.out.join('')).toBe('');
      const [orders] = await query<{ n: string }>(target.url, 'SELECT count(*) AS n FROM orders');
      expect(orders?.n).toBe('0');
    } finally {
      await target.drop();
    }
  });

  it('exits 1 on a bad config, naming file, key and value, before the target is touched', async () => {
    const target = await scratchDatabase(service.url);
    try {
      const zero = join(dir, 'zero-width.yaml');
      writeFileSync(zero, 'storage:\n  partition_interval_hours: 0\n');
      const bad = capture();
      expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', target.url, '--config', zero], bad.io)).toBe(1);
      expect(bad.err.join('')).toBe(
        `tickerml migrate: ${zero}: storage.partition_interval_hours = 0 is out of range [1, 8760]\n`,
      );

      const env = capture({ TICKERML__STORAGE__TIMESCALE__COMPRESS_AFTER_DAYS: 'weekly' });
      expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', target.url, '--config', zero], env.io)).toBe(1);
      expect(env.err.join('')).toContain(`${zero}: storage.partition_interval_hours = 0`);
      expect(env.err.join('')).toContain(
        `TICKERML__STORAGE__TIMESCALE__COMPRESS_AFTER_DAYS (environment, over ${zero}): storage.timescale.compress_after_days = "weekly"`,
      );

      const yaml = join(dir, 'broken.yaml');
      writeFileSync(yaml, 'storage: [unclosed\n');
      const broken = capture();
      expect(await migrateCommand(['--from', `sqlite:${file}`, '--to', target.url, '--config', yaml], broken.io)).toBe(
        1,
      );
      expect(broken.err.join('')).toContain(`tickerml migrate: ${yaml}: is not valid YAML`);

      const missing = capture();
      const nowhere = join(dir, 'nowhere.yaml');
      expect(
        await migrateCommand(['--from', `sqlite:${file}`, '--to', target.url, '--config', nowhere], missing.io),
      ).toBe(1);
      expect(missing.err.join('')).toContain(`tickerml migrate: ${nowhere}: does not exist`);

      expect(await publicTables(target.url)).toEqual([]);
    } finally {
      await target.drop();
    }
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
