/**
 * The venue's book against microstructure's L2Book (an independent implementation), fed the same
 * real Binance events: every read of the L2BookView interface, and the features computed on it,
 * agree after every event.
 */
import { DepthImbalance, L2Book, micropriceTicks } from '@tickerml/microstructure';
import { describe, expect, it } from 'vitest';
import { VenueBook } from '../src/book.js';
import { binanceSampleEvents } from './recordings.js';

describe('VenueBook as an L2BookView', () => {
  it('matches microstructure L2Book on the real recording, event by event', () => {
    const ours = new VenueBook();
    const ref = new L2Book();
    const di = [new DepthImbalance(10), new DepthImbalance(10)] as const;
    const pa = new Float64Array(20);
    const qa = new Float64Array(20);
    const pb = new Float64Array(20);
    const qb = new Float64Array(20);
    let checked = 0;
    for (const e of binanceSampleEvents()) {
      if (e.kind === 'book_snapshot') {
        ours.bids.clear();
        ours.asks.clear();
        ref.applySnapshot(e.bids, e.asks);
      } else if (e.kind === 'book_delta') {
        ref.applyDelta(e);
      } else continue;
      for (const l of e.bids) ours.bids.set(l.priceTicks, l.qtyLots);
      for (const l of e.asks) ours.asks.set(l.priceTicks, l.qtyLots);
      expect([ours.bestBid(), ours.bestAsk(), ours.bestBidQty(), ours.bestAskQty(), ours.state()]).toEqual([
        ref.bestBid(),
        ref.bestAsk(),
        ref.bestBidQty(),
        ref.bestAskQty(),
        ref.state(),
      ]);
      for (const side of ['bid', 'ask'] as const) {
        expect(ours.levelCount(side)).toBe(ref.levelCount(side));
        const n = ours.topLevels(side, 20, pa, qa);
        expect(ref.topLevels(side, 20, pb, qb)).toBe(n);
        expect([...pa.subarray(0, n)]).toEqual([...pb.subarray(0, n)]);
        expect([...qa.subarray(0, n)]).toEqual([...qb.subarray(0, n)]);
        expect(ours.depthToQty(side, 5_000_000_000)).toBe(ref.depthToQty(side, 5_000_000_000));
        expect(ours.depthToNotional(side, 1e15)).toBeCloseTo(ref.depthToNotional(side, 1e15), 6);
      }
      expect(di[0].update(ours)).toBe(di[1].update(ref));
      const mp = micropriceTicks(ours.bestBid(), ours.bestBidQty(), ours.bestAsk(), ours.bestAskQty());
      expect(Number.isFinite(mp)).toBe(true);
      expect(mp).toBe(micropriceTicks(ref.bestBid(), ref.bestBidQty(), ref.bestAsk(), ref.bestAskQty()));
      checked++;
    }
    expect(checked).toBeGreaterThan(3000);
  });
});
