// The synthetic book snapshots the SQLite benches write: BTC/USDT on binanceus, one every 100 ms,
// `levels` bids and asks around a mid that wanders over 500 ticks, with quantities that change
// from row to row so no two rows encode alike.
import type { BookSnapshot } from '@tickerml/core';

/** `n` snapshots of `levels` + `levels` levels, in time order. */
export function syntheticBooks(n: number, levels: number): BookSnapshot[] {
  const out: BookSnapshot[] = [];
  for (let i = 0; i < n; i++) {
    const mid = 6_500_000 + (i % 500);
    out.push({
      kind: 'book_snapshot',
      venue: 'binanceus',
      symbol: 'BTC/USDT',
      exchTs: 1_723_161_240_000_000 + i * 100_000,
      localTs: 1_723_161_240_000_000 + i * 100_000 + 300,
      seq: i,
      bids: Array.from({ length: levels }, (_, l) => ({ priceTicks: mid - l, qtyLots: 100 + ((i + l) % 977) })),
      asks: Array.from({ length: levels }, (_, l) => ({ priceTicks: mid + 1 + l, qtyLots: 90 + ((i * 7 + l) % 613) })),
    });
  }
  return out;
}
