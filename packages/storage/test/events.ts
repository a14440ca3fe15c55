// Sample events of every kind, and the instruments they need, shared by the storage tests.
import type { MarketEvent, Trade } from '@tickerml/core';
import { instrumentMap } from '../src/rows.js';

export const instruments = instrumentMap({
  'binanceus:BTC/USDT': { tickSize: '0.01', lotSize: '0.00001' },
  'kraken:ETH/USD': { tickSize: '0.05', lotSize: '0.0001' },
  'binanceusdm:BTC/USDT:USDT': { tickSize: '0.1', lotSize: '0.001' },
});

const T0 = 1_723_161_240_000_000;
const h = (venue: string, symbol: string, i: number, seq?: number) => ({
  venue,
  symbol,
  exchTs: T0 + i * 1000,
  localTs: T0 + i * 1000 + 350,
  ...(seq === undefined ? {} : { seq }),
});

/** One event of every kind, in time order. */
export function everyKind(): MarketEvent[] {
  return [
    { kind: 'connected', ...h('binanceus', 'BTC/USDT', 0) },
    {
      kind: 'book_snapshot',
      ...h('binanceus', 'BTC/USDT', 1, 100),
      bids: [
        { priceTicks: 6_508_366, qtyLots: 150_000 },
        { priceTicks: 6_508_365, qtyLots: 7 },
      ],
      asks: [
        { priceTicks: 6_508_367, qtyLots: 20_000 },
        { priceTicks: 6_508_370, qtyLots: 1 },
      ],
      depth: 20,
    },
    {
      kind: 'book_delta',
      ...h('binanceus', 'BTC/USDT', 2, 102),
      firstSeq: 101,
      bids: [{ priceTicks: 6_508_366, qtyLots: 0 }],
      asks: [{ priceTicks: 6_508_368, qtyLots: 3 }],
    },
    {
      kind: 'book_delta',
      ...h('kraken', 'ETH/USD', 3),
      bids: [],
      asks: [{ priceTicks: 60_001, qtyLots: 12 }],
      checksum: 3_310_070_434,
    },
    {
      kind: 'trade',
      ...h('binanceus', 'BTC/USDT', 4, 103),
      tradeId: '3772041',
      priceTicks: 6_508_367,
      qtyLots: 12_345,
      aggressor: 'buy',
    },
    {
      kind: 'trade',
      ...h('kraken', 'ETH/USD', 5),
      tradeId: 'k-1',
      priceTicks: 60_000,
      qtyLots: 1,
      aggressor: 'unknown',
    },
    {
      kind: 'order_added',
      ...h('kraken', 'ETH/USD', 6, 7),
      orderId: 'o1',
      side: 'bid',
      priceTicks: 59_990,
      qtyLots: 40,
    },
    {
      kind: 'order_changed',
      ...h('kraken', 'ETH/USD', 7, 8),
      orderId: 'o1',
      side: 'bid',
      priceTicks: 59_990,
      qtyLots: 25,
    },
    { kind: 'order_removed', ...h('kraken', 'ETH/USD', 8, 9), orderId: 'o1', side: 'bid' },
    {
      kind: 'funding_rate',
      ...h('binanceusdm', 'BTC/USDT:USDT', 9),
      rate: '0.00010000',
      fundingTs: T0 + 3_600_000_000,
      markPriceTicks: 650_831,
    },
    {
      kind: 'funding_rate',
      ...h('binanceusdm', 'ETH/USDT:USDT', 10),
      rate: '-0.0000125',
      fundingTs: T0 + 3_600_000_000,
    },
    {
      kind: 'gap_detected',
      ...h('binanceus', 'BTC/USDT', 11, 110),
      expectedSeq: 104,
      receivedSeq: 110,
      reason: 'U != prev u + 1',
    },
    { kind: 'checksum_mismatch', ...h('kraken', 'ETH/USD', 12), expected: 1, computed: 2 },
    { kind: 'resynced', ...h('binanceus', 'BTC/USDT', 13) },
    { kind: 'disconnected', ...h('binanceus', 'BTC/USDT', 14), reason: 'closed by peer (1006)' },
  ];
}

/** `n` trades numbered 0..n-1 (the trade id is the number), for ingest and crash tests. */
export function* numberedTrades(n: number, start = 0): Generator<Trade> {
  for (let i = start; i < start + n; i++) {
    yield {
      kind: 'trade',
      venue: 'binanceus',
      symbol: 'BTC/USDT',
      exchTs: T0 + i,
      localTs: T0 + i + 200,
      seq: i,
      tradeId: String(i),
      priceTicks: 6_500_000 + (i % 1000),
      qtyLots: 1 + (i % 97),
      aggressor: i % 2 ? 'buy' : 'sell',
    };
  }
}

/** The trade numbered `i` (see {@link numberedTrades}). */
export function trade(i: number): Trade {
  return numberedTrades(1, i).next().value as Trade;
}
