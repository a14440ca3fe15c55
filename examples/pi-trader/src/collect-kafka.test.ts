/**
 * startCollection's division of work: on the in-process bus it writes every table; with
 * `--bus kafka` it leaves books, trades and bars to `tickerml collect` and writes the raw frames
 * and its own feature rows only.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type MarketEvent, TestClock } from '@tickerml/core';
import { Portfolio } from '@tickerml/execution';
import { SqliteStore, storageSettings } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { startCollection } from './collect.js';

const S = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'pi-collect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = {
  venue: 'binance',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.00001',
};
const t0 = 1_765_000_000 * S;
const events: MarketEvent[] = [];
for (let i = 0; i < 8; i++) {
  const localTs = t0 + i * 400_000 + 1;
  events.push({
    kind: 'book_snapshot',
    venue: 'binance',
    symbol: 'BTC/USDT',
    exchTs: localTs,
    localTs,
    bids: [{ priceTicks: 6_500_000 + i, qtyLots: 100 }],
    asks: [{ priceTicks: 6_500_010 + i, qtyLots: 100 }],
  });
  events.push({
    kind: 'trade',
    venue: 'binance',
    symbol: 'BTC/USDT',
    exchTs: localTs,
    localTs: localTs + 1,
    tradeId: `${i}`,
    priceTicks: 6_500_005,
    qtyLots: 10,
    aggressor: 'buy',
  });
}

async function run(bus: 'memory' | 'kafka') {
  const sqlite = SqliteStore.open(':memory:');
  const recordings = join(dir, bus);
  const collection = await startCollection({
    settings: {
      rawFrames: true,
      orderBooks: { intervalUs: S, levels: 5 },
      trades: true,
      ohlcv: true,
      features: { intervalUs: S },
    },
    storage: storageSettings({
      backend: 'sqlite',
      sqlitePath: ':memory:',
      recordingsDir: recordings,
      retentionDays: 0,
      retentionCheckMinutes: 60,
      partitionIntervalHours: 24,
      timescale: { chunkIntervalHours: 24, compressAfterDays: 7 },
    } as Parameters<typeof storageSettings>[0]),
    recordingsDir: recordings,
    sqlite,
    clock: new TestClock(t0),
    logger: createLogger({ level: 'silent' }),
    bus,
  });
  collection.addInstruments([spec]);
  collection.enableFeatures([spec], [spec], () => new Portfolio());
  collection.onRawFrame('binance', { localTs: t0, kind: 'recv', connId: 'binance', data: '{"e":"trade"}' });
  for (const e of events) collection.onEvent(e);
  await collection.stop();
  const counts = Object.fromEntries(
    (['order_books', 'trades', 'ohlcv', 'features'] as const).map((t) => [t, sqlite.count(t)]),
  );
  sqlite.close();
  return { counts, files: readdirSync(recordings) };
}

describe('startCollection', () => {
  it('writes every table on the in-process bus, and only raw frames and features with --bus kafka', async () => {
    const memory = await run('memory');
    expect(memory.counts).toEqual({ order_books: 3, trades: 8, ohlcv: 1, features: 2 });
    expect(memory.files).toHaveLength(1);
    const kafka = await run('kafka');
    expect(kafka.counts).toEqual({ order_books: 0, trades: 0, ohlcv: 0, features: 2 });
    expect(kafka.files).toHaveLength(1);
    expect(kafka.files[0]).toMatch(/^binance-\d{4}-\d{2}-\d{2}-0\.tmrec\.gz$/);
  });
});
