import type { BookSnapshot, MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { capSnapshot } from './snapshot-cap.js';

function snapshot(nBids: number, nAsks: number): BookSnapshot {
  // Levels deliberately out of order: the cap must pick the best, not the first.
  const bids = Array.from({ length: nBids }, (_, i) => ({ priceTicks: 1000 - ((i * 7) % nBids), qtyLots: i + 1 }));
  const asks = Array.from({ length: nAsks }, (_, i) => ({ priceTicks: 1001 + ((i * 7) % nAsks), qtyLots: i + 1 }));
  return { kind: 'book_snapshot', venue: 'coinbase', symbol: 'BTC/USD', exchTs: 1, localTs: 2, seq: 3, bids, asks };
}

describe('capSnapshot', () => {
  it('keeps the best max levels per side, best first', () => {
    const capped = capSnapshot(snapshot(50, 40), 10);
    if (capped.kind !== 'book_snapshot') throw new Error('kind changed');
    expect(capped.bids.map((l) => l.priceTicks)).toEqual([1000, 999, 998, 997, 996, 995, 994, 993, 992, 991]);
    expect(capped.asks.map((l) => l.priceTicks)).toEqual([1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010]);
    expect(capped.seq).toBe(3);
  });

  it('returns the same event when it fits, and every other kind untouched', () => {
    const small = snapshot(10, 10);
    expect(capSnapshot(small, 10)).toBe(small);
    const trade = { kind: 'trade', venue: 'coinbase', symbol: 'BTC/USD' } as unknown as MarketEvent;
    expect(capSnapshot(trade, 1)).toBe(trade);
  });
});
