import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock, UnknownInstrumentError } from '@tickerml/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { everyKind, instruments, numberedTrades, trade } from '../test/events.js';
import {
  CorruptDatabaseError,
  DatabaseOpenError,
  InvalidRowError,
  MissingSchemaError,
  SchemaVersionError,
} from './errors.js';
import { type FillRow, SCHEMA_VERSION } from './schema.js';
import { SqliteStore } from './sqlite.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tickerml-sqlite-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('transaction: store inserts and an application table commit together or not at all', () => {
    const store = SqliteStore.open(join(dir, 'tx.db'), { instruments });
    store.transaction((db) => db.exec('CREATE TABLE app_marks (n INTEGER)'));
    const row = {
      timestamp: 1,
      cash_balance: '10000',
      total_value: '10000',
      positions: {},
      daily_pnl: '0',
      max_drawdown: 0,
      sharpe_ratio: null,
    };
    expect(() =>
      store.transaction((db) => {
        store.insert('portfolio_state', [row]);
        db.prepare('INSERT INTO app_marks (n) VALUES (?)').run(1);
        throw new Error('crash between the two writes');
      }),
    ).toThrow('crash between');
    expect(store.count('portfolio_state')).toBe(0);
    store.transaction((db) => {
      store.insert('portfolio_state', [row]);
      db.prepare('INSERT INTO app_marks (n) VALUES (?)').run(2);
    });
    expect(store.count('portfolio_state')).toBe(1);
    store.close();
  });

  it('round-trips every event kind through a file, identical after reopening', () => {
    const path = join(dir, 'rt.db');
    const events = everyKind();
    const store = SqliteStore.open(path, { instruments });
    store.writeEvents(events);
    store.close();

    const reopened = SqliteStore.open(path);
    const back = [
      ...reopened.readBookSnapshots(),
      ...reopened.readTrades(),
      ...reopened.readFundingRates(),
      ...reopened.readMarketEvents(),
    ];
    back.sort((a, b) => a.exchTs - b.exchTs);
    expect(back).toEqual(events);
    reopened.close();
  });

  it('stores book snapshots in the seed shape with exact decimal text', () => {
    const store = SqliteStore.open(join(dir, 'seed.db'), { instruments });
    store.writeEvents(everyKind());
    const [row] = store.query('order_books');
    expect(row).toMatchObject({
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      bids: [
        ['65083.66', '1.50000', 0],
        ['65083.65', '0.00007', 1],
      ],
      asks: [
        ['65083.67', '0.20000', 0],
        ['65083.70', '0.00001', 1],
      ],
      mid_price: '65083.665',
      spread: '0.01',
    });
    expect(row?.imbalance).toBeCloseTo((150_007 - 20_001) / (150_007 + 20_001), 12);
    const [trade] = store.query('trades', { exchange: 'binanceus' });
    expect(trade).toMatchObject({
      price: '65083.67',
      quantity: '0.12345',
      price_ticks: 6_508_367,
      qty_lots: 12_345,
      side: 'buy',
    });
    store.close();
  });

  it('keeps book levels queryable in plain SQL: JSONB that json_extract and json() read as the seed shape', () => {
    const path = join(dir, 'sql.db');
    const store = SqliteStore.open(path, { instruments });
    store.writeEvents(everyKind());
    // An older row written as JSON text through insert() sits beside the JSONB ones.
    const [first] = store.query('order_books');
    if (first === undefined) throw new Error('no book row was written');
    store.insert('order_books', [{ ...first, id: 99, timestamp: 2 }]);
    store.close();
    const db = new Database(path, { readonly: true });
    const rows = db
      .prepare(
        `SELECT typeof(bids) AS stored, json_extract(bids, '$[0][0]') AS best_bid, json_extract(asks, '$[1][1]') AS ask_qty,
                json(bids) AS bids_text FROM order_books ORDER BY id`,
      )
      .all();
    db.close();
    const seedBids = '[["65083.66","1.50000",0],["65083.65","0.00007",1]]';
    expect(rows).toEqual([
      { stored: 'blob', best_bid: '65083.66', ask_qty: '0.00001', bids_text: seedBids },
      { stored: 'text', best_bid: '65083.66', ask_qty: '0.00001', bids_text: seedBids },
    ]);
  });

  it('creates new databases with 16 KiB pages, a 40 MiB WAL checkpoint and a 2 MiB cache, and rejects bad sizes', () => {
    const store = SqliteStore.open(join(dir, 'pages.db'));
    store.transaction((db) => {
      expect(db.pragma('page_size', { simple: true })).toBe(16_384);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(2_560);
      expect(db.pragma('cache_size', { simple: true })).toBe(-2_048);
    });
    store.close();
    const bigger = SqliteStore.open(join(dir, 'pages.db'), { cacheSizeKiB: 65_536 });
    bigger.transaction((db) => expect(db.pragma('cache_size', { simple: true })).toBe(-65_536));
    bigger.close();
    expect(() => SqliteStore.open(join(dir, 'bad.db'), { pageSizeBytes: 5000 })).toThrow(/power of two/);
    expect(() => SqliteStore.open(join(dir, 'bad.db'), { cacheSizeKiB: 0 })).toThrow(
      /cacheSizeKiB must be a positive integer, was 0/,
    );
  });

  it('queries by venue, symbol and time range, and returns the latest N newest first', () => {
    const store = SqliteStore.open(':memory:', { instruments });
    store.writeEvents([...numberedTrades(100)]);
    store.writeEvents(everyKind());
    const all = store.query('trades', { exchange: 'binanceus', symbol: 'BTC/USDT' });
    expect(all).toHaveLength(101);
    const first = all[0]?.timestamp as number;
    const range = store.query('trades', {
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      fromUs: first + 10,
      toUs: first + 20,
    });
    expect(range.map((r) => r.trade_id)).toEqual(['10', '11', '12', '13', '14', '15', '16', '17', '18', '19']);
    expect(store.query('trades', { exchange: 'kraken' }).map((r) => r.trade_id)).toEqual(['k-1']);
    const latest = store.latest('trades', 3, { exchange: 'binanceus', symbol: 'BTC/USDT' });
    expect(latest.map((r) => r.trade_id)).toEqual(['3772041', '99', '98']);
    store.close();
  });

  it('deletes market data older than a cutoff and keeps the account history unless asked', () => {
    const store = SqliteStore.open(':memory:', { instruments });
    store.writeEvents([...numberedTrades(10)]);
    store.insert('portfolio_state', [
      {
        timestamp: 1,
        cash_balance: '1',
        total_value: '1',
        positions: {},
        daily_pnl: '0',
        max_drawdown: 0,
        sharpe_ratio: null,
      },
    ]);
    const cutoff = (store.query('trades')[4]?.timestamp ?? 0) as number;
    expect(store.deleteOlderThan(cutoff)).toMatchObject({ trades: 4, order_books: 0 });
    expect(store.query('trades').map((r) => r.trade_id)).toEqual(['4', '5', '6', '7', '8', '9']);
    expect(store.count('portfolio_state')).toBe(1);
    expect(store.deleteOlderThan(cutoff, ['portfolio_state'])).toEqual({ portfolio_state: 1 });
    store.close();
  });

  it('runs retention on a schedule with an injected clock, deleting market data only', async () => {
    const store = SqliteStore.open(join(dir, 'retention.db'), { instruments });
    const day = 86_400_000_000;
    const now = 1_700_000_000_000_000;
    store.writeEvents([
      { ...trade(1), exchTs: now - 3 * day },
      { ...trade(2), exchTs: now - day },
    ]);
    const passes: (readonly string[])[] = [];
    const stop = store.startRetentionJob({
      retentionUs: 2 * day,
      intervalMs: 60_000,
      clock: new TestClock(now),
      onPass: (p) => passes.push(p),
    });
    stop();
    expect(passes[0]).toContain('trades: 1 rows');
    expect(passes[0]?.some((line) => line.startsWith('fills'))).toBe(false);
    expect(store.query('trades').map((r) => r.trade_id)).toEqual(['2']);
    store.close();
  });

  it('keeps money exact in orders, fills and portfolio_state', () => {
    const store = SqliteStore.open(':memory:');
    store.insert('portfolio_state', [
      {
        timestamp: 1,
        cash_balance: '10000.10',
        total_value: '10000.30',
        positions: { 'BTC/USDT': { qty: '0.00001', avg_price: '65000.01' } },
        daily_pnl: '0.30',
        max_drawdown: 0.012,
        sharpe_ratio: null,
      },
    ]);
    store.insert('fills', [
      {
        timestamp: 2,
        exchange: 'binanceus',
        symbol: 'BTC/USDT',
        order_id: 'a',
        fill_id: 'f1',
        side: 'buy',
        price: '0.1',
        quantity: '0.2',
        fee: '-0.0000001',
        fee_currency: 'USDT',
        liquidity: 'maker',
      },
    ]);
    expect(store.latest('portfolio_state', 1)[0]).toMatchObject({
      cash_balance: '10000.10',
      positions: { 'BTC/USDT': { qty: '0.00001' } },
    });
    expect(store.query('fills')[0]).toMatchObject({ price: '0.1', fee: '-0.0000001' });
    expect(() =>
      store.insert('fills', [{ ...(store.query('fills')[0] as FillRow), id: 9, price: 0.1 as unknown as string }]),
    ).toThrow(InvalidRowError);
    expect(() => store.insert('fills', [{ ...(store.query('fills')[0] as FillRow), id: 9, price: '1e5' }])).toThrow(
      /fills\.price: expected a plain decimal/,
    );
    store.close();
  });

  it('writes a batch all or none: a bad event rolls back the whole transaction', () => {
    const store = SqliteStore.open(':memory:', { instruments });
    const bad = { ...trade(0), symbol: 'DOGE/USDT' };
    expect(() => store.writeEvents([...numberedTrades(5), bad])).toThrow(UnknownInstrumentError);
    expect(() => store.writeEvents([...numberedTrades(5), bad])).toThrow(/DOGE\/USDT on binanceus/);
    expect(store.count('trades')).toBe(0);
    store.close();
  });

  it('applies migrations once and records the version', () => {
    const path = join(dir, 'v.db');
    SqliteStore.open(path).close();
    const store = SqliteStore.open(path);
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    store.close();
  });

  it('upgrades a version-1 database to the news table, and stores news rows with both timestamps', async () => {
    const path = join(dir, 'v1.db');
    SqliteStore.open(path).close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.exec('DROP TABLE news');
    db.prepare('DELETE FROM schema_migrations WHERE version = 2').run();
    db.close();
    const store = SqliteStore.open(path);
    expect(store.schemaVersion()).toBe(2);
    store.insert('news', [
      {
        timestamp: 1_765_584_000_000_000,
        published_ts: 1_765_583_000_000_000,
        source: 'coindesk',
        url: 'https://www.coindesk.com/x',
        title: 'Bitcoin rallies',
        summary: '',
        assets: ['BTC'],
        content_hash: 'ab',
        scores: [{ asset: 'BTC', sentiment: 0.4, relevance: 1, reason: 'r', scorer: 'vader' }],
      },
    ]);
    expect(store.count('news')).toBe(1);
    expect(store.rowsAfter('news', 0, 10)[0]).toMatchObject({
      source: 'coindesk',
      assets: '["BTC"]',
      published_ts: 1_765_583_000_000_000,
    });
    store.close();
  });

  it('refuses a database written by a newer schema version', async () => {
    const path = join(dir, 'new.db');
    SqliteStore.open(path).close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 0)").run();
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(SchemaVersionError);
  });

  it('names a corrupt file in one typed error', () => {
    const path = join(dir, 'corrupt.db');
    writeFileSync(path, Buffer.from('this is not a sqlite database, just some bytes'.repeat(200)));
    const error = (() => {
      try {
        SqliteStore.open(path);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CorruptDatabaseError);
    expect((error as Error).message).toContain(path);
    expect((error as CorruptDatabaseError).name).toBe('CorruptDatabaseError');
  });

  it('refuses to read a SQLite file that holds no TickerML schema', async () => {
    const path = join(dir, 'other.db');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(() => SqliteStore.open(path, { readonly: true })).toThrow(MissingSchemaError);
    expect(() => SqliteStore.open(path, { readonly: true })).toThrow(/not a TickerML one/);
  });

  it('creates missing parent directories, and names a file it cannot open', () => {
    SqliteStore.open(join(dir, 'data', 'nested', 'x.db')).close();
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    expect(() => SqliteStore.open(join(dir, 'a-file', 'x.db'))).toThrow(DatabaseOpenError);
    expect(() => SqliteStore.open(join(dir, 'a-file', 'x.db'))).toThrow(/a-file\/x\.db/);
    expect(() => SqliteStore.open(join(dir, 'missing.db'), { readonly: true })).toThrow(DatabaseOpenError);
  });
});
