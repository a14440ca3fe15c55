import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, TestClock } from '@tickerml/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';
import { everyKind, instruments, numberedTrades, trade } from '../test/events.js';
import { type ScratchDatabase, scratchDatabase } from '../test/pg.js';
import { storageSettings } from './config.js';
import { DatabaseUnreachableError, InvalidConnectionStringError, InvalidRowError } from './errors.js';
import { openStore } from './open.js';
import { DAY_US, PostgresStore } from './postgres.js';
import { SCHEMA_VERSION } from './schema.js';
import { EventWriter } from './writer.js';

await describeWithService('postgres', 'PostgresStore (real PostgreSQL)', (service) => {
  let db: ScratchDatabase;
  let store: PostgresStore;
  const logged: string[] = [];

  beforeAll(async () => {
    db = await scratchDatabase(service.url);
    store = await PostgresStore.connect(db.url, { instruments, log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('logs which partitioning is in use (native here: TimescaleDB is not installed)', () => {
    expect(store.mode).toBe('native');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/native range partitioning/);
  });

  it('round-trips every event kind, identical after reading back', async () => {
    const events = everyKind();
    await store.writeEvents(events);
    const back = [
      ...(await store.readBookSnapshots()),
      ...(await store.readTrades()),
      ...(await store.readFundingRates()),
      ...(await store.readMarketEvents()),
    ].sort((a, b) => a.exchTs - b.exchTs);
    expect(back).toEqual(events);
    const [book] = await store.query('order_books');
    expect(book).toMatchObject({
      mid_price: '65083.665',
      spread: '0.01',
      bids: [
        ['65083.66', '1.50000', 0],
        ['65083.65', '0.00007', 1],
      ],
    });
  });

  it('keeps money exact in numeric columns', async () => {
    await store.insert('portfolio_state', [
      {
        timestamp: 1_723_161_240_000_000,
        cash_balance: '12345678901234567890.123456789',
        total_value: '0.30',
        positions: { 'BTC/USDT': { qty: '0.00001' } },
        daily_pnl: '-0.1',
        max_drawdown: 0.1 + 0.2,
        sharpe_ratio: null,
      },
    ]);
    const [row] = await store.latest('portfolio_state', 1);
    expect(row).toMatchObject({
      cash_balance: '12345678901234567890.123456789',
      total_value: '0.30',
      daily_pnl: '-0.1',
      max_drawdown: 0.1 + 0.2,
    });
  });

  it('queries by venue, symbol and time range and returns the latest N', async () => {
    await store.writeEvents([...numberedTrades(50)]);
    const all = await store.query('trades', { exchange: 'binanceus', symbol: 'BTC/USDT' });
    const t0 = (all.find((r) => r.trade_id === '0')?.timestamp ?? 0) as number;
    const range = await store.query('trades', {
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      fromUs: t0 + 5,
      toUs: t0 + 8,
    });
    expect(range.map((r) => r.trade_id)).toEqual(['5', '6', '7']);
    const latest = await store.latest('trades', 2, { exchange: 'binanceus', symbol: 'BTC/USDT' });
    expect(latest.map((r) => r.trade_id)).toEqual(['3772041', '49']);
  });

  it('rejects a bad row naming the column, and stores nothing of its batch', async () => {
    const before = await store.count('fills');
    const fill = {
      timestamp: 1,
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      order_id: 'a',
      fill_id: 'f',
      side: 'buy',
      price: '1.0',
      quantity: '2',
      fee: '0',
      fee_currency: 'USDT',
      liquidity: 'taker',
    };
    await expect(store.insert('fills', [fill, { ...fill, fee: 'NaN' }])).rejects.toThrow(InvalidRowError);
    expect(await store.count('fills')).toBe(before);
  });

  it('partitions by day and the retention job drops whole old partitions only', async () => {
    const day0 = 1_700_006_400_000_000 - (1_700_006_400_000_000 % DAY_US);
    const trades = [0, 1, 2].map((d) => ({
      ...trade(900_000 + d),
      exchTs: day0 + d * DAY_US + 5,
      tradeId: `day${d}`,
    }));
    await store.writeEvents(trades);
    const dropped = await store.dropPartitionsOlderThan(day0 + 2 * DAY_US);
    expect(dropped.filter((name) => name.startsWith('trades_'))).toEqual([
      `trades_p${day0}`,
      `trades_p${day0 + DAY_US}`,
    ]);
    // fills_p0 (empty: its batch was rejected above) is older too, but the account's history is
    // kept unless named.
    expect(dropped.filter((name) => !name.startsWith('trades_'))).toEqual([]);
    expect(await store.dropPartitionsOlderThan(day0 + 2 * DAY_US, ['fills'])).toEqual(['fills_p0']);
    const left = (await store.query('trades', { fromUs: day0, toUs: day0 + 3 * DAY_US })).map((r) => r.trade_id);
    expect(left).toEqual(['day2']);
    // A dropped range can be written again: the partition is recreated.
    await store.writeEvents(trades.slice(0, 1));
    expect((await store.query('trades', { fromUs: day0, toUs: day0 + DAY_US })).map((r) => r.trade_id)).toEqual([
      'day0',
    ]);
  });

  it('runs the retention job on a schedule with an injected clock', async () => {
    const day = 1_600_000_000_000_000 - (1_600_000_000_000_000 % DAY_US);
    await store.writeEvents([
      { ...trade(700_000), exchTs: day + 1 },
      { ...trade(700_001), exchTs: day + DAY_US + 1 },
    ]);
    const passes: (readonly string[])[] = [];
    const errors: unknown[] = [];
    const stop = store.startRetentionJob({
      retentionUs: 10 * DAY_US,
      intervalMs: 60_000,
      clock: new TestClock(day + 11 * DAY_US), // cutoff = day + DAY_US: only the first day is wholly older
      onPass: (dropped) => passes.push(dropped),
      onError: (error) => errors.push(error),
    });
    await expect.poll(() => passes.length + errors.length).toBeGreaterThan(0);
    stop();
    expect(errors).toEqual([]);
    expect(passes[0]).toContain(`trades_p${day}`);
    expect(passes[0]).not.toContain(`trades_p${day + DAY_US}`);
    expect((await store.query('trades', { fromUs: day, toUs: day + 2 * DAY_US })).map((r) => r.trade_id)).toEqual([
      '700001',
    ]);
  });

  it('takes partition width and retention from config/config.yaml, and its retention job drops by the configured days', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tickerml-storage-config-'));
    const configured = await scratchDatabase(service.url);
    const lines: string[] = [];
    let other: PostgresStore | undefined;
    try {
      writeFileSync(
        join(dir, 'config.yaml'),
        'storage:\n  backend: postgres\n  retention_days: 3\n  retention_check_minutes: 5\n  partition_interval_hours: 6\n',
      );
      const settings = storageSettings(
        loadConfig(dir, { env: { TICKERML__STORAGE__POSTGRES_URL: configured.url } }).app.storage,
      );
      expect(settings.postgresUrl).toBe(configured.url);
      expect(settings.retention).toEqual({ retentionUs: 3 * DAY_US, intervalMs: 300_000 });
      other = await PostgresStore.connect(settings.postgresUrl ?? '', {
        ...settings.postgres,
        instruments,
        log: (line) => lines.push(line),
      });
      expect(lines).toEqual([expect.stringMatching(/native range partitioning on timestamp, 6 h per partition/)]);
      const sixHours = DAY_US / 4;
      const now = 1_650_000_000_000_000 - (1_650_000_000_000_000 % DAY_US);
      // 4 days old, 3 days + 7 h old (its 6-hour partition ends 3 days + 1 h ago), 2 days old.
      const ages = [4 * DAY_US, 3 * DAY_US + 7 * 3_600_000_000, 2 * DAY_US];
      await other.writeEvents(ages.map((age, i) => ({ ...trade(500_000 + i), exchTs: now - age })));
      const passes: (readonly string[])[] = [];
      const stop = other.startRetentionJob({
        ...(settings.retention ?? { retentionUs: 0, intervalMs: 1 }),
        clock: new TestClock(now),
        onPass: (d) => passes.push(d),
      });
      await expect.poll(() => passes.length).toBeGreaterThan(0);
      stop();
      expect(passes[0]).toEqual([`trades_p${now - 4 * DAY_US}`, `trades_p${now - 3 * DAY_US - 2 * sixHours}`]);
      expect((await other.query('trades')).map((r) => r.trade_id)).toEqual(['500002']);
    } finally {
      await other?.close();
      await configured.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('acknowledges writer events only once PostgreSQL committed them', async () => {
    const writer = new EventWriter(store, { maxBatchEvents: 250 });
    const before = await store.count('trades');
    await writer.pipeFrom(numberedTrades(2000, 10_000));
    expect(writer.committedCount).toBe(2000);
    expect(await store.count('trades')).toBe(before + 2000);
  });

  it('is what openStore returns for a postgres URL in the storage config', async () => {
    const opened = await openStore({ sqlitePath: 'unused.db', postgresUrl: db.url }, { log: () => {} });
    expect(opened).toBeInstanceOf(PostgresStore);
    expect(await (opened as PostgresStore).schemaVersion()).toBe(SCHEMA_VERSION);
    await (opened as PostgresStore).close();
  });

  it('names a wrong connection string in one typed error', async () => {
    await expect(PostgresStore.connect('mysql://root@127.0.0.1/x')).rejects.toThrow(InvalidConnectionStringError);
    await expect(PostgresStore.connect('mysql://root@127.0.0.1/x')).rejects.toThrow(/scheme 'mysql' is not postgres/);
    await expect(PostgresStore.connect('postgres://127.0.0.1:5432')).rejects.toThrow(/no database name/);
    await expect(PostgresStore.connect('not a url')).rejects.toThrow(InvalidConnectionStringError);
  });

  it('names an unreachable port and an unknown database in one typed error', async () => {
    const closed = new URL(db.url);
    closed.port = '1';
    const error = await PostgresStore.connect(closed.toString()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnreachableError);
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    const missing = new URL(db.url);
    missing.pathname = '/tickerml_no_such_database';
    await expect(PostgresStore.connect(missing.toString())).rejects.toThrow(/tickerml_no_such_database/);
  });
});
