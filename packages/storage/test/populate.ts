// Fills a SQLite store with rows in every table, for the migration tests and benchmarks.
import type { SqliteStore } from '../src/sqlite.js';
import { everyKind, numberedTrades } from './events.js';

const T0 = 1_723_161_240_000_000;
const HOUR = 3_600_000_000;

/** Writes `n` rows or so into each table (events spread over ~3 days, so several partitions). */
export function populate(store: SqliteStore, n: number): void {
  store.writeEvents(everyKind());
  store.writeEvents([...numberedTrades(n)].map((t, i) => ({ ...t, exchTs: T0 + i * ((72 * HOUR) / n) })));
  const books = [];
  for (let i = 0; i < n; i++) {
    books.push({
      kind: 'book_snapshot' as const,
      venue: 'binanceus',
      symbol: 'BTC/USDT',
      exchTs: T0 + i * 1_000_000,
      localTs: T0 + i * 1_000_000 + 120,
      seq: i,
      bids: [
        { priceTicks: 6_500_000 - i, qtyLots: 100 + i },
        { priceTicks: 6_499_999 - i, qtyLots: 7 },
      ],
      asks: [{ priceTicks: 6_500_001 - i, qtyLots: 50 }],
    });
  }
  store.writeEvents(books);
  const rows = Array.from({ length: n }, (_, i) => i);
  store.insert(
    'ohlcv',
    rows.map((i) => ({
      timestamp: T0 + i * 60_000_000,
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      interval_s: 60,
      open: '65000.01',
      high: '65010.50',
      low: '64990.00',
      close: `650${String(i % 100).padStart(2, '0')}.00`,
      volume: '1.23456',
      trade_count: i,
    })),
  );
  store.insert(
    'features',
    rows.map((i) => ({
      timestamp: T0 + i * 1_000_000,
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      feature_set: 'micro_v1',
      values: { spread_bps: 0.1 + i / 7, imbalance: -1 / 3, microprice_dev: i * 1e-9 },
    })),
  );
  store.insert(
    'orders',
    rows.map((i) => ({
      timestamp: T0 + i * 5_000_000,
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      order_id: `o${i}`,
      side: i % 2 ? 'buy' : 'sell',
      order_type: 'limit',
      price: '65000.10',
      quantity: '0.00100',
      status: 'filled',
      reason: i % 10 ? null : 'kelly: size capped at 25 %',
    })),
  );
  store.insert(
    'fills',
    rows.map((i) => ({
      timestamp: T0 + i * 5_000_000 + 1,
      exchange: 'binanceus',
      symbol: 'BTC/USDT',
      order_id: `o${i}`,
      fill_id: `f${i}`,
      side: i % 2 ? 'buy' : 'sell',
      price: '65000.10',
      quantity: '0.00100',
      fee: i % 3 ? '0.0650001' : '-0.0130000',
      fee_currency: 'USDT',
      liquidity: i % 3 ? 'taker' : 'maker',
    })),
  );
  store.insert(
    'portfolio_state',
    rows.map((i) => ({
      timestamp: T0 + i * 60_000_000,
      cash_balance: `${10000 - i}.${String(i % 100).padStart(2, '0')}`,
      total_value: '10000.00',
      positions: { 'BTC/USDT': { qty: '0.001', avg_price: '65000.10' }, 'ETH/USD': { qty: '0' } },
      daily_pnl: '-0.10',
      max_drawdown: i / 1000,
      sharpe_ratio: i % 5 ? 1.5 + i / 3 : null,
    })),
  );
}
