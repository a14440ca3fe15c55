/**
 * The pi-trader collects what it sees: a short run on the bundled recordings leaves sampled
 * books, trades, 1-minute bars and feature rows in SQLite, and raw recordings that
 * `tickerml replay` reads back.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@tickerml/core';
import { SqliteStore } from '@tickerml/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { startPiTrader } from './app.js';
import { type PiTraderArgs, parseCliArgs } from './args.js';
import { FEATURE_SET } from './collect.js';

const CONFIG = fileURLToPath(new URL('../../../config', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../../packages/cli/src/bin.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pi-trader-collect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `probe` until it returns true (each retry waits for the next timer turn, no fixed sleep). */
async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = performance.now();
  while (!probe()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function tickerml(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@tickerml/source', '--import', 'tsx', CLI, ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Report {
  readonly format: string;
  readonly framesRead: number;
  readonly symbols: readonly {
    symbol: string;
    synced: boolean;
    gaps: number;
    checksumsMatched: number;
    snapshots: number;
    deltas: number;
    trades: number;
  }[];
}

describe('pi-trader collection', () => {
  it('persists sampled books, trades, ohlcv, features and the raw frames of a short demo run', async () => {
    const recordings = join(dir, 'recordings');
    const db = join(dir, 'collect.sqlite');
    const config = loadConfig(CONFIG, {
      env: {
        TICKERML__STORAGE__RECORDINGS_DIR: recordings,
        TICKERML__LOGGING__DIR: join(dir, 'logs'),
        TICKERML__LOGGING__LEVEL: 'warn',
        TICKERML__COLLECT__ORDER_BOOKS_INTERVAL: '250ms',
      },
    });
    const args = parseCliArgs([
      '--db',
      db,
      '--speed',
      '0',
      '--no-dashboard',
      '--metrics-port',
      '0',
      // A baseline strategy: this test is about what is collected, not which policy trades.
      '--strategy',
      'obi-momentum',
    ]) as PiTraderArgs;
    const app = await startPiTrader({ args, config: config, print: () => {} });
    try {
      // Until the rows of every venue's books and the binance trades are in (a reader beside the writer, WAL).
      let reader: SqliteStore | undefined;
      await until(
        'books of four venues and binance trades',
        () => {
          if (app.collection.stats().written.order_books === 0) return false;
          reader ??= SqliteStore.open(db, { readonly: true });
          const venues = reader.transaction((d) => d.prepare('SELECT DISTINCT exchange FROM order_books').all());
          return venues.length === 4 && reader.count('trades') > 0 && app.collection.recordingFiles().size === 4;
        },
        90_000,
      );
      (reader as SqliteStore | undefined)?.close();
    } finally {
      await app.stop('test');
    }
    const stats = app.collection.stats();
    expect(stats.unknownInstrument).toBe(0);
    expect(stats.writeFailures).toBe(0);
    expect(stats.buffered).toBe(0);

    const store = SqliteStore.open(db, { readonly: true });
    try {
      const sql = (q: string) => store.transaction((d) => d.prepare(q).all()) as Record<string, unknown>[];
      const books = sql('SELECT exchange, COUNT(*) AS n, MIN(depth) AS depth FROM order_books GROUP BY exchange');
      expect(books.map((r) => r.exchange)).toEqual(['binance', 'coinbase', 'kraken', 'kucoin']);
      for (const r of books) expect(r.depth).toBe(20);
      const binance = store.latest('order_books', 1, { exchange: 'binance', symbol: 'BTC/USDT' })[0];
      expect(binance?.bids).toHaveLength(20);
      expect(Number(binance?.spread)).toBeGreaterThan(0);
      expect(Number(binance?.mid_price)).toBeGreaterThan(10_000);
      expect(binance?.imbalance).toBeGreaterThanOrEqual(-1);
      // At most one sample per book per 250 ms interval of localTs.
      const perInterval = sql(
        'SELECT COUNT(*) AS n FROM order_books GROUP BY exchange, symbol, local_ts / 250000 ORDER BY n DESC LIMIT 1',
      );
      expect(perInterval[0]?.n).toBe(1);
      const trades = sql('SELECT exchange, COUNT(*) AS n FROM trades GROUP BY exchange');
      expect(trades.find((r) => r.exchange === 'binance')?.n).toBeGreaterThan(0);
      // The seed's question answers: 1-minute bars per symbol.
      const bars = sql('SELECT symbol, COUNT(*) AS n FROM ohlcv GROUP BY symbol');
      expect(bars.map((r) => r.symbol)).toContain('BTC/USDT');
      const bar = store.latest('ohlcv', 1, { exchange: 'binance', symbol: 'BTC/USDT' })[0];
      expect(bar?.interval_s).toBe(60);
      expect(bar?.timestamp).toBe(Math.floor((bar?.timestamp ?? 1) / 60_000_000) * 60_000_000);
      expect(Number(bar?.high)).toBeGreaterThanOrEqual(Number(bar?.low));
      // State vectors of the traded instrument at each 1 s decision boundary, values then masks.
      const features = store.query('features', { exchange: 'binance', symbol: 'BTC/USDT' });
      expect(features.length).toBeGreaterThan(0);
      for (const f of features) expect(f.timestamp % 1_000_000).toBe(0);
      const last = features.at(-1);
      expect(last?.feature_set).toBe(FEATURE_SET);
      const names = Object.keys(last?.values ?? {});
      expect(names).toContain('spread_bps');
      expect(names).toContain('spread_bps__mask');
      expect(names).toContain('xvenue_kraken_bps');
      expect(last?.values.spread_bps__mask).toBe(1);
      expect(last?.values.spread_bps).toBeGreaterThan(0);
      expect(store.count('trades')).toBe(stats.written.trades);
      expect(store.count('features')).toBe(stats.written.features);
    } finally {
      store.close();
    }

    // Raw frames: one daily file per venue, readable by `tickerml replay`.
    const files = app.collection.recordingFiles();
    expect([...files.keys()].sort()).toEqual(['binance', 'coinbase', 'kraken', 'kucoin']);
    const binanceFile = files.get('binance')?.[0] as string;
    expect(existsSync(binanceFile)).toBe(true);
    expect(statSync(binanceFile).size).toBeGreaterThan(1_000);
    // Kraken plays at its recorded pace (51 s a loop): its file of this short run has no seam and replays clean.
    const kraken = await tickerml('replay', files.get('kraken')?.[0] as string, '--json');
    expect(kraken.code, kraken.stderr).toBe(0);
    const krakenReport = JSON.parse(kraken.stdout) as Report;
    expect(krakenReport.format).toBe('tickerml');
    expect(krakenReport.symbols.find((s) => s.symbol === 'BTC/USD')).toMatchObject({ synced: true, gaps: 0 });
    expect(krakenReport.symbols[0]?.checksumsMatched).toBeGreaterThan(0);
    // Binance plays flat out and loops: each loop is a reconnect the replay reports as a gap (exit 2, not 1).
    const binance = await tickerml('replay', binanceFile, '--json');
    expect([0, 2], binance.stderr).toContain(binance.code);
    const binanceReport = JSON.parse(binance.stdout) as Report;
    expect(binanceReport.framesRead).toBeGreaterThan(100);
    // The run may stop between a loop's reconnect and its snapshot, so the final book may be unsynced.
    const btc = binanceReport.symbols.find((s) => s.symbol === 'BTC/USDT');
    expect(btc?.snapshots, JSON.stringify(btc)).toBeGreaterThan(0);
    expect(btc?.deltas).toBeGreaterThan(0);
    expect(btc?.trades).toBeGreaterThan(0);
  }, 180_000);
});
