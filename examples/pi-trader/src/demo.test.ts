import type { MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { DemoSource } from './demo.js';

const mid = (e: MarketEvent): number => {
  if (e.kind !== 'book_snapshot') throw new Error(`expected a book snapshot, got ${e.kind}`);
  const bid = Math.max(...e.bids.map((l) => l.priceTicks));
  const ask = Math.min(...e.asks.map((l) => l.priceTicks));
  return (bid + ask) / 2;
};

describe('DemoSource loop boundary', () => {
  it('re-anchors each loop on the last traded price and hides the planned restart, so the price does not jump back', async () => {
    const byLoop: MarketEvent[][] = [];
    let loop = 0;
    let done: () => void = () => {};
    const third = new Promise<void>((resolve) => {
      done = resolve;
    });
    const demo = new DemoSource({
      speed: 0,
      emit: (e) => byLoop[loop - 1]?.push(e),
      onLoop: (n) => {
        loop = n;
        byLoop.push([]);
        if (n === 3) done();
      },
    });
    await demo.start();
    await third;
    await demo.stop();
    const [first, second] = byLoop as [MarketEvent[], MarketEvent[]];
    const health = byLoop.flat().filter((e) => e.kind === 'connected' || e.kind === 'disconnected');
    // One connect at the very start; the restarts between loops are not passed on.
    expect(health.map((e) => e.kind)).toEqual(['connected']);
    const lastTrade = first.filter((e) => e.kind === 'trade').at(-1);
    const firstPrice = second.find((e) => e.kind === 'trade' || e.kind === 'book_snapshot');
    const secondBook = second.find((e) => e.kind === 'book_snapshot');
    if (lastTrade?.kind !== 'trade' || firstPrice === undefined || secondBook === undefined)
      throw new Error('a loop without trades or book');
    const firstOf = (e: MarketEvent) => (e.kind === 'trade' ? e.priceTicks : mid(e));
    const rawStart = firstOf(first.find((e) => e.kind === 'trade' || e.kind === 'book_snapshot') as MarketEvent);
    // Unshifted, loop 2 would start where loop 1 started: a jump of the recording's whole move.
    expect(Math.abs(lastTrade.priceTicks - rawStart)).toBeGreaterThan(100);
    // Re-anchored, it starts at loop 1's last trade, and its book carries the same shift.
    expect(Math.abs(firstOf(firstPrice) - lastTrade.priceTicks)).toBeLessThanOrEqual(1);
    const tradeAfterBook = second.slice(second.indexOf(secondBook)).find((e) => e.kind === 'trade');
    expect(tradeAfterBook?.kind).toBe('trade');
    if (tradeAfterBook?.kind === 'trade')
      expect(Math.abs(mid(secondBook) - tradeAfterBook.priceTicks)).toBeLessThan(2_000);
  }, 120_000);
});
