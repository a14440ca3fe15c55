/**
 * The collector's four tables on the real PostgreSQL of `pnpm services:up`: the same rows as on
 * SQLite (COPY instead of INSERT), feature values back bit for bit as float32.
 */
import type { BookSnapshot, MarketEvent, Trade } from '@tickerml/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../../../../test/support/services.js';
import { type ScratchDatabase, scratchDatabase } from '../../test/pg.js';
import { migrateSqliteToPostgres } from '../migrate.js';
import { PostgresStore } from '../postgres.js';
import { instrumentMap } from '../rows.js';
import { SqliteStore } from '../sqlite.js';
import { type FeatureSource, MarketCollector, type RowSink } from './collector.js';

const S = 1_000_000;
const instruments = instrumentMap({ 'kraken:BTC/USD': { tickSize: '0.1', lotSize: '0.00000001' } });
const t0 = 1_765_000_020 * S; // a minute boundary
const events: MarketEvent[] = [];
for (let i = 0; i < 150; i++) {
  const localTs = t0 + i * 500_000 + 7;
  const mid = 900_000 + (i % 13);
  const book: BookSnapshot = {
    kind: 'book_snapshot',
    venue: 'kraken',
    symbol: 'BTC/USD',
    exchTs: localTs - 3,
    localTs,
    seq: i,
    bids: [
      { priceTicks: mid - 1, qtyLots: 12_345_678 },
      { priceTicks: mid - 2, qtyLots: 1 },
    ],
    asks: [{ priceTicks: mid + 1, qtyLots: 100_000_000 }],
  };
  events.push(book);
  if (i % 4 === 0) {
    const trade: Trade = {
      kind: 'trade',
      venue: 'kraken',
      symbol: 'BTC/USD',
      exchTs: localTs,
      localTs: localTs + 1,
      tradeId: `t${i}`,
      priceTicks: mid + (i % 2),
      qtyLots: 5_000 + i,
      aggressor: i % 8 === 0 ? 'buy' : 'sell',
    };
    events.push(trade);
  }
}

/** A feature with values float32 cannot hold exactly in few digits: 1/3 of the best bid, and a mask. */
function source(): FeatureSource {
  let bid = Number.NaN;
  return {
    version: 'test-v1',
    columns: ['third', 'third__mask'],
    onEvent: (e) => {
      if (e.kind === 'book_snapshot') bid = e.bids[0]?.priceTicks ?? Number.NaN;
    },
    encode: () => Float32Array.of(Number.isNaN(bid) ? 0 : bid / 3, Number.isNaN(bid) ? 0 : 1),
  };
}

async function collect(sink: RowSink): Promise<void> {
  const c = new MarketCollector({
    sink,
    instruments,
    orderBooks: { intervalUs: S, levels: 2 },
    features: { intervalUs: S },
  });
  c.addFeatures('kraken', 'BTC/USD', source());
  for (const e of events) c.onEvent(e);
  await c.close();
  expect(c.stats().writeFailures).toBe(0);
}

await describeWithService('postgres', 'MarketCollector on PostgreSQL', (service) => {
  let db: ScratchDatabase;
  let migrated: ScratchDatabase;
  beforeAll(async () => {
    db = await scratchDatabase(service.url);
    migrated = await scratchDatabase(service.url);
  });
  afterAll(async () => {
    await db?.drop();
    await migrated?.drop();
  });

  it('writes the same order_books, trades, ohlcv and features rows as on SQLite', async () => {
    const pg = await PostgresStore.connect(db.url, { log: () => {} });
    const sqlite = SqliteStore.open(':memory:');
    try {
      await collect(pg);
      await collect(sqlite);
      for (const table of ['order_books', 'trades', 'ohlcv', 'features'] as const) {
        const fromPg = (await pg.query(table)).map(({ id: _, ...row }) => row);
        const fromSqlite = sqlite.query(table).map(({ id: _, ...row }) => row);
        expect(fromPg.length, table).toBeGreaterThan(0);
        expect(fromPg, table).toEqual(fromSqlite);
      }
      // 75 s of books every 0.5 s: one sample per second; bars of minute 0 and minute 1.
      expect(await pg.count('order_books')).toBe(75);
      const bars = await pg.query('ohlcv');
      expect(bars.map((b) => [b.timestamp, b.trade_count])).toEqual([
        [t0, 30],
        [t0 + 60 * S, 8],
      ]);
      // float32 values survive JSON and jsonb: the stored double rounds back to the same float32.
      const features = await pg.query('features');
      expect(features[0]?.timestamp).toBe(t0 + S);
      for (const f of features) {
        const third = f.values.third as number;
        expect(Math.fround(third)).toBe(third);
      }
      const first = features[0]?.values.third as number;
      expect(first).toBe(Math.fround((900_000 + 1 - 1) / 3));
    } finally {
      sqlite.close();
      await pg.close();
    }
  });

  it('tickerml migrate copies the collected rows from SQLite into PostgreSQL and verifies them', async () => {
    const sqlite = SqliteStore.open(':memory:');
    const pg = await PostgresStore.connect(migrated.url, { log: () => {} });
    try {
      await collect(sqlite);
      const report = await migrateSqliteToPostgres(sqlite, pg, {
        tables: ['order_books', 'trades', 'ohlcv', 'features'],
      });
      expect(report.ok, JSON.stringify(report.tables)).toBe(true);
      for (const table of ['order_books', 'trades', 'ohlcv', 'features'] as const) {
        expect(await pg.count(table), table).toBe(sqlite.count(table));
        expect(await pg.query(table), table).toEqual(sqlite.query(table));
      }
    } finally {
      sqlite.close();
      await pg.close();
    }
  });
});
