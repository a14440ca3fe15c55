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
  it('re-anchors each loop on the mid the last one ended with and hides the planned restart, so the price does not jump back', async () => {
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
    const firstBook = first.find((e) => e.kind === 'book_snapshot');
    const secondBook = second.find((e) => e.kind === 'book_snapshot');
    if (lastTrade?.kind !== 'trade' || firstBook === undefined || secondBook === undefined)
      throw new Error('a loop without trades or book');
    // Unshifted, loop 2 would start where loop 1 started: a jump of the recording's whole move.
    expect(Math.abs(lastTrade.priceTicks - mid(firstBook))).toBeGreaterThan(5_000);
    // Re-anchored, its first book's mid is where loop 1 ended (within a few ticks of its last trade)…
    expect(Math.abs(mid(secondBook) - lastTrade.priceTicks)).toBeLessThan(200);
    // …and the trades around it (those that came before it were held back for the shift) are shifted alike.
    for (const e of second.slice(0, 50))
      if (e.kind === 'trade') expect(Math.abs(e.priceTicks - mid(secondBook))).toBeLessThan(2_000);
  }, 120_000);
});
