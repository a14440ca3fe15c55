import type { MarketEvent } from '@tickerml/core';

const header = {
  venue: 'binanceus',
  symbol: 'BTC/USDT',
  exchTs: 1_723_161_240_123_000,
  localTs: 1_723_161_240_125_417,
};

/** One event of every market event kind, with every optional field set somewhere. */
export const SAMPLE_EVENTS: readonly MarketEvent[] = [
  {
    kind: 'book_snapshot',
    ...header,
    seq: 51_293_442_211,
    bids: [
      { priceTicks: 6_508_366, qtyLots: 120_000 },
      { priceTicks: 6_508_365, qtyLots: 3 },
    ],
    asks: [{ priceTicks: 6_508_367, qtyLots: 44_000_000 }],
    depth: 1000,
  },
  {
    kind: 'book_delta',
    ...header,
    seq: 51_293_442_215,
    firstSeq: 51_293_442_212,
    bids: [{ priceTicks: 6_508_366, qtyLots: 0 }],
    asks: [],
    checksum: 3_310_070_434,
  },
  { kind: 'order_added', ...header, venue: 'coinbase', orderId: 'a1b2', side: 'bid', priceTicks: 10, qtyLots: 5 },
  { kind: 'order_changed', ...header, venue: 'coinbase', orderId: 'a1b2', side: 'bid', priceTicks: 10, qtyLots: 2 },
  { kind: 'order_removed', ...header, venue: 'coinbase', orderId: 'a1b2', side: 'ask' },
  { kind: 'trade', ...header, seq: 7, tradeId: '3731840871', priceTicks: 6_508_366, qtyLots: 1_500, aggressor: 'sell' },
  {
    kind: 'funding_rate',
    ...header,
    venue: 'binanceusdm',
    symbol: 'BTC/USDT:USDT',
    rate: '0.00010000',
    fundingTs: 1_723_190_400_000_000,
    markPriceTicks: 6_508_000,
  },
  { kind: 'connected', ...header },
  { kind: 'disconnected', ...header, reason: 'close 1006 (abnormal)' },
  { kind: 'gap_detected', ...header, expectedSeq: 10, receivedSeq: 12, reason: 'U 12 > previous u + 1 (10)' },
  { kind: 'resynced', ...header, seq: 13 },
  { kind: 'checksum_mismatch', ...header, venue: 'kraken', symbol: 'BTC/USD', expected: 1, computed: 2 },
];
