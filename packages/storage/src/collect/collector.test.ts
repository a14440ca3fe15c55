import type { BookSnapshot, MarketEvent, Trade } from '@tickerml/core';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentMap } from '../rows.js';
import { SqliteStore } from '../sqlite.js';
import { type FeatureSource, MarketCollector, type RowSink } from './collector.js';

const S = 1_000_000;
const instruments = instrumentMap({ 'binance:BTC/USDT': { tickSize: '0.01', lotSize: '0.001' } });
const book = (localTs: number, bid: number, ask: number): BookSnapshot => ({
  kind: 'book_snapshot',
  venue: 'binance',
  symbol: 'BTC/USDT',
  exchTs: localTs - 10,
  localTs,
  bids: [
    { priceTicks: bid, qtyLots: 3000 },
    { priceTicks: bid - 1, qtyLots: 1000 },
  ],
  asks: [{ priceTicks: ask, qtyLots: 1000 }],
});
const trade = (localTs: number, priceTicks: number, id: string, symbol = 'BTC/USDT'): Trade => ({
  kind: 'trade',
  venue: 'binance',
  symbol,
  exchTs: localTs - 10,
  localTs,
  tradeId: id,
  priceTicks,
  qtyLots: 1500,
  aggressor: 'buy',
});

/** A feature source of one value, the last best bid seen, with its mask (the encoder's layout). */
class LastBid implements FeatureSource {
  readonly version = 'test-v1';
  readonly columns = ['best_bid', 'best_bid__mask'];
  readonly seen: number[] = [];
  #bid: number | undefined;
  onEvent(e: MarketEvent): void {
    if (e.kind === 'book_snapshot') this.#bid = e.bids[0]?.priceTicks;
  }
  encode(nowUs: number): Float32Array {
    this.seen.push(nowUs);
    return Float32Array.of(this.#bid ?? 0, this.#bid === undefined ? 0 : 1);
  }
}

let store: SqliteStore | undefined;
afterEach(() => store?.close());

describe('MarketCollector', () => {
  it('writes sampled books, trades, bars and feature rows to a real SQLite database', async () => {
    store = SqliteStore.open(':memory:');
    const source = new LastBid();
    const collector = new MarketCollector({
      sink: store,
      instruments,
      orderBooks: { intervalUs: S, levels: 1 },
      features: { intervalUs: S },
    });
    collector.addFeatures('binance', 'BTC/USDT', source);
    const t0 = 1_700_000_040 * S; // a minute boundary
    collector.onEvent(book(t0 + 100, 6_500_000, 6_500_010));
    collector.onEvent(trade(t0 + 200, 6_500_010, 'a'));
    collector.onEvent(book(t0 + 300, 6_500_001, 6_500_010)); // same second: not sampled
    collector.onEvent(book(t0 + S, 6_500_002, 6_500_010)); // exactly on the boundary: in the row of t0+1s
    collector.onEvent(trade(t0 + 61 * S, 6_500_020, 'b')); // next minute: the first bar closes
    await collector.flush();

    const books = store.query('order_books');
    expect(books.map((r) => [r.local_ts, r.bids, r.mid_price, r.spread, r.depth])).toEqual([
      [t0 + 100, [['65000.00', '3.000', 0]], '65000.050', '0.10', 1],
      [t0 + S, [['65000.02', '3.000', 0]], '65000.060', '0.08', 1],
    ]);
    // Imbalance over the stored levels only: (3 - 1) / (3 + 1).
    expect(books[0]?.imbalance).toBe(0.5);
    expect(store.query('trades').map((r) => [r.trade_id, r.price, r.quantity])).toEqual([
      ['a', '65000.10', '1.500'],
      ['b', '65000.20', '1.500'],
    ]);
    const bars = store.query('ohlcv');
    expect(bars.map((r) => [r.timestamp, r.interval_s, r.open, r.close, r.volume, r.trade_count])).toEqual([
      [t0, 60, '65000.10', '65000.10', '1.500', 1],
    ]);
    // Feature rows at t0+1s (it sees the book at exactly t0+1s), …, up to the last boundary before t0+61s.
    const features = store.query('features');
    expect(features[0]).toMatchObject({
      timestamp: t0 + S,
      exchange: 'binance',
      symbol: 'BTC/USDT',
      feature_set: 'test-v1',
      values: { best_bid: 6_500_002, best_bid__mask: 1 },
    });
    expect(features.at(-1)?.timestamp).toBe(t0 + 60 * S);
    expect(features).toHaveLength(60);

    await collector.close(); // the forming bar of minute 2 is written with its one trade
    expect(store.query('ohlcv').map((r) => r.timestamp)).toEqual([t0, t0 + 60 * S]);
    expect(collector.stats().written).toEqual({ order_books: 2, trades: 2, ohlcv: 2, features: 60 });
    const db = store.transaction((d) => d.prepare('SELECT symbol, COUNT(*) AS n FROM ohlcv GROUP BY symbol').all());
    expect(db).toEqual([{ symbol: 'BTC/USDT', n: 2 }]);
  });

  it('writes only the feature rows of the last 60 boundaries after a long silence', async () => {
    store = SqliteStore.open(':memory:');
    const source = new LastBid();
    const collector = new MarketCollector({
      sink: store,
      instruments,
      trades: false,
      ohlcv: false,
      features: { intervalUs: S },
    });
    collector.addFeatures('binance', 'BTC/USDT', source);
    collector.onEvent(book(10 * S, 100, 101));
    collector.onEvent(book(1_000 * S + 1, 100, 101));
    await collector.close();
    const ts = store.query('features').map((r) => r.timestamp);
    expect(ts).toHaveLength(60);
    expect(ts[0]).toBe(941 * S);
    expect(ts.at(-1)).toBe(1_000 * S);
    // Boundaries 10 s (the first event is on the grid, as DecisionSampler's first decision) … 1000 s: 991.
    expect(collector.stats().skippedFeatureRows).toBe(991 - 60);
    expect(() => collector.addFeatures('binance', 'BTC/USDT', source)).toThrow(/one source per instrument/);
    const off = new MarketCollector({ sink: store, instruments });
    expect(() => off.addFeatures('binance', 'BTC/USDT', source)).toThrow(/features/);
    expect(store.count('order_books')).toBe(0);
  });

  it('keeps rows the database refused and writes them at the next flush; unknown instruments are reported once', async () => {
    store = SqliteStore.open(':memory:');
    const real = store;
    let refuse = true;
    const sink: RowSink = {
      insert(table, rows) {
        if (refuse) throw new Error('disk full');
        real.insert(table, rows);
      },
    };
    const errors: unknown[] = [];
    const collector = new MarketCollector({ sink, instruments, onError: (e) => errors.push(e) });
    collector.onEvent(trade(S, 100, 'x'));
    collector.onEvent(trade(S + 1, 100, 'y', 'DOGE/USDT'));
    collector.onEvent(trade(S + 2, 100, 'z', 'DOGE/USDT'));
    await collector.flush();
    expect(collector.stats()).toMatchObject({ buffered: 1, writeFailures: 1, unknownInstrument: 2 });
    refuse = false;
    await collector.flush();
    expect(store.query('trades').map((r) => r.trade_id)).toEqual(['x']);
    expect(errors.map((e) => (e as Error).name)).toEqual(['UnknownInstrumentError', 'Error']);
  });
});
