import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelBook } from '../test/model.js';
import { BookState, type L2BookLike, NO_ASK_TICKS, NO_BID_TICKS, NO_PRICE_TICKS } from './book.js';
import { CrossedBookError, InvalidLevelError, InvalidSideError } from './errors.js';
import { L2Book } from './l2-book.js';
import { SortedL2Book } from './sorted-l2-book.js';
import type { BookSide } from './types.js';

const lv = (priceTicks: number, qtyLots: number) => ({ priceTicks, qtyLots });

function levelsOf(book: L2BookLike, side: BookSide): [number, number][] {
  const out: [number, number][] = [];
  book.forEachLevel(side, (p, q) => {
    out.push([p, q]);
  });
  return out;
}

const candidates: [string, () => L2BookLike][] = [
  ['SortedL2Book', () => new SortedL2Book({ initialCapacity: 2 })],
  ['L2Book', () => new L2Book({ roiHalfWidthTicks: 20 })],
];

describe.each(candidates)('%s', (_name, make) => {
  it('holds a deep book applied level by level, best first as venues send snapshots', () => {
    // 20,000 levels a side, mostly far outside any window: each arrives worse than all before it.
    const book = make();
    const model = new ModelBook();
    for (let i = 0; i < 20_000; i++) {
      book.applyLevel('bid', 100_000 - i, 1 + (i % 7));
      book.applyLevel('ask', 100_001 + i, 1 + (i % 5));
      model.set('bid', 100_000 - i, 1 + (i % 7));
      model.set('ask', 100_001 + i, 1 + (i % 5));
    }
    // Then changes all over the side: deletes, inserts between levels, updates.
    for (let i = 0; i < 2_000; i++) {
      const at = (i * 7919) % 20_000;
      book.applyLevel('bid', 100_000 - at, i % 3 === 0 ? 0 : 9);
      model.set('bid', 100_000 - at, i % 3 === 0 ? 0 : 9);
      book.applyLevel('ask', 100_001 + at, i % 4 === 0 ? 0 : 4);
      model.set('ask', 100_001 + at, i % 4 === 0 ? 0 : 4);
    }
    for (const side of ['bid', 'ask'] as const) expect(levelsOf(book, side)).toEqual(model.levels(side));
  });

  it('reports sentinels and empty state on an empty book', () => {
    const book = make();
    expect(book.bestBid()).toBe(NO_BID_TICKS);
    expect(book.bestAsk()).toBe(NO_ASK_TICKS);
    expect(book.bestBidQty()).toBe(0);
    expect(book.state()).toBe(BookState.Empty);
    expect(book.depthToQty('ask', 1)).toBe(NO_PRICE_TICKS);
  });

  it('applies a snapshot, deltas and deletes', () => {
    const book = make();
    expect(book.applySnapshot([lv(100, 5), lv(99, 7), lv(97, 1)], [lv(101, 3), lv(103, 4)])).toBe('ok');
    expect([book.bestBid(), book.bestBidQty(), book.bestAsk(), book.bestAskQty()]).toEqual([100, 5, 101, 3]);
    book.applyDelta({ bids: [lv(100, 0), lv(98, 2)], asks: [lv(102, 9)] });
    expect(levelsOf(book, 'bid')).toEqual([
      [99, 7],
      [98, 2],
      [97, 1],
    ]);
    expect(levelsOf(book, 'ask')).toEqual([
      [101, 3],
      [102, 9],
      [103, 4],
    ]);
    expect(book.qtyAt('ask', 102)).toBe(9);
    expect(book.qtyAt('ask', 104)).toBe(0);
    expect(book.levelCount('bid')).toBe(3);
  });

  it('answers depth queries', () => {
    const book = make();
    book.applySnapshot([lv(100, 5), lv(99, 7)], [lv(101, 3), lv(103, 4)]);
    expect(book.depthToQty('ask', 3)).toBe(101);
    expect(book.depthToQty('ask', 4)).toBe(103);
    expect(book.depthToQty('ask', 8)).toBe(NO_PRICE_TICKS);
    expect(book.depthToQty('bid', 12)).toBe(99);
    // 3 lots at 101 cost 303 tick-lots; 103 more buys 1 lot at 103.
    expect(book.depthToNotional('ask', 303 + 103)).toBe(4);
    expect(book.depthToNotional('ask', 303 + 51.5)).toBe(3.5);
    const prices = new Float64Array(4);
    const qtys = new Float64Array(4);
    expect(book.topLevels('bid', 4, prices, qtys)).toBe(2);
    expect([...prices.subarray(0, 2)]).toEqual([100, 99]);
    expect([...qtys.subarray(0, 2)]).toEqual([5, 7]);
  });

  it('reports crossed and locked books without repairing them', () => {
    const book = make();
    book.applySnapshot([lv(100, 1)], [lv(101, 1)]);
    expect(book.applyDelta({ bids: [lv(101, 2)], asks: [] })).toBe('locked');
    expect(book.applyDelta({ bids: [lv(102, 2)], asks: [] })).toBe('crossed');
    expect(book.bestBid()).toBe(102);
    expect(book.bestAsk()).toBe(101);
  });

  it('truncates to a depth', () => {
    const book = make();
    book.applySnapshot([lv(100, 1), lv(99, 1), lv(98, 1)], [lv(101, 1), lv(102, 1), lv(103, 1)]);
    book.truncate(2);
    expect(levelsOf(book, 'bid').map((l) => l[0])).toEqual([100, 99]);
    expect(levelsOf(book, 'ask').map((l) => l[0])).toEqual([101, 102]);
  });

  it('rejects non-integer, negative and unsafe ticks/lots with a named error', () => {
    const book = make();
    book.applySnapshot([lv(100, 1)], [lv(101, 1)]);
    expect(() => book.applyLevel('bid', 100.5, 1)).toThrow(InvalidLevelError);
    expect(() => book.applyLevel('bid', 100, -1)).toThrow(/qtyLots/);
    expect(() => book.applyLevel('ask', 2 ** 53, 1)).toThrow(/priceTicks.*9007199254740992/);
    expect(() => book.applyLevel('middle' as BookSide, 100, 1)).toThrow(InvalidSideError);
    // A bad snapshot leaves an empty book, never half of one.
    expect(() => book.applySnapshot([lv(100, 1), lv(99, Number.NaN)], [])).toThrow(InvalidLevelError);
    expect(book.levelCount('bid') + book.levelCount('ask')).toBe(0);
  });

  it('matches a naive model on random operation sequences (property)', () => {
    const op = fc.record({
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      price: fc.integer({ min: 0, max: 120 }),
      qty: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1000 })),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 40, max: 80 }), fc.integer({ min: 1, max: 9 })), { maxLength: 30 }),
        fc.array(op, { maxLength: 200 }),
        fc.integer({ min: 1, max: 12 }),
        (snap, ops, depth) => {
          const book = make();
          const model = new ModelBook();
          const bids = snap.map(([p, q]) => lv(p, q));
          const asks = snap.map(([p, q]) => lv(p + 45, q));
          book.applySnapshot(bids, asks);
          model.snapshot(bids, asks);
          for (const [i, o] of ops.entries()) {
            // Alternate the two entry points: deltas also let L2Book move its window.
            if (i % 2 === 0) book.applyLevel(o.side, o.price, o.qty);
            else
              book.applyDelta(
                o.side === 'bid' ? { bids: [lv(o.price, o.qty)], asks: [] } : { bids: [], asks: [lv(o.price, o.qty)] },
              );
            model.set(o.side, o.price, o.qty);
            if (i % 50 === 49) {
              book.truncate(depth);
              model.truncate(depth);
            }
          }
          for (const side of ['bid', 'ask'] as const) {
            expect(levelsOf(book, side)).toEqual(model.levels(side));
            expect(book.levelCount(side)).toBe(model.levels(side).length);
            const prices = new Float64Array(depth);
            const qtys = new Float64Array(depth);
            const n = book.topLevels(side, depth, prices, qtys);
            const expected = model.levels(side).slice(0, depth);
            expect(n).toBe(expected.length);
            expect(Array.from({ length: n }, (_, i) => [prices[i], qtys[i]])).toEqual(expected);
          }
          const mb = model.levels('bid')[0];
          const ma = model.levels('ask')[0];
          expect(book.bestBid()).toBe(mb ? mb[0] : NO_BID_TICKS);
          expect(book.bestAsk()).toBe(ma ? ma[0] : NO_ASK_TICKS);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const withOptions: [string, (o?: { maxDepth?: number }) => L2BookLike][] = [
  ['SortedL2Book', (o = {}) => new SortedL2Book(o)],
  ['L2Book', (o = {}) => new L2Book({ ...o, roiHalfWidthTicks: 20 })],
];

describe.each(withOptions)('%s extras', (_name, make) => {
  it('keeps maxDepth after every delta (Kraken sends no deletes beyond its depth)', () => {
    const book = make({ maxDepth: 2 });
    book.applySnapshot([lv(100, 1), lv(99, 1)], [lv(101, 1), lv(102, 1)]);
    book.applyDelta({ bids: [lv(100, 0), lv(98, 4)], asks: [lv(103, 2)] });
    expect(book.levelCount('bid')).toBe(2);
    expect(book.levelCount('ask')).toBe(2);
    expect(book.bestAsk()).toBe(101);
  });

  it('describes a crossed book and throws CrossedBookError on request', () => {
    const book = make();
    book.applySnapshot([lv(105, 1), lv(103, 1), lv(100, 1)], [lv(102, 1), lv(104, 1)]);
    expect(book.crossedReport()).toEqual({
      state: 'crossed',
      bestBidTicks: 105,
      bestAskTicks: 102,
      bidLevelsThrough: 2,
      askLevelsThrough: 2,
    });
    expect(() => book.assertNotCrossed('seq 42')).toThrow(CrossedBookError);
    book.applyLevel('bid', 105, 0);
    book.applyLevel('bid', 103, 0);
    expect(book.crossedReport()).toBeUndefined();
  });

  it('stops iteration when the visitor returns false and honours maxLevels', () => {
    const book = make();
    book.applySnapshot([lv(100, 1), lv(99, 2), lv(98, 3)], []);
    const seen: number[] = [];
    book.forEachLevel('bid', (p) => (seen.push(p), p > 99));
    expect(seen).toEqual([100, 99]);
    const depthIdx: number[] = [];
    book.forEachLevel('bid', (_p, _q, d) => void depthIdx.push(d), 2);
    expect(depthIdx).toEqual([0, 1]);
  });
});

describe('L2Book window', () => {
  it('re-centres on each snapshot and keeps far prices exactly in its fallback', () => {
    const book = new L2Book({ roiHalfWidthTicks: 10 });
    book.applySnapshot([{ priceTicks: 100, qtyLots: 1 }], [{ priceTicks: 102, qtyLots: 1 }]);
    book.applyLevel('bid', 5, 7); // far below the window
    book.applyLevel('ask', 1_000_000, 3); // far above
    expect(book.levelCount('bid')).toBe(2);
    expect(book.depthToQty('bid', 8)).toBe(5);
    // The market moved: a new snapshot far away lands in a re-centred window.
    book.applySnapshot(
      [
        { priceTicks: 5_000, qtyLots: 2 },
        { priceTicks: 4_990, qtyLots: 1 },
      ],
      [{ priceTicks: 5_001, qtyLots: 4 }],
    );
    expect([book.bestBid(), book.bestAsk(), book.levelCount('bid')]).toEqual([5_000, 5_001, 2]);
    book.applyLevel('bid', 5_000, 0);
    expect(book.bestBid()).toBe(4_990);
  });
});

describe('L2Book window following the price', () => {
  it('moves the window when deltas walk the mid out of its middle half, holding every level exactly', () => {
    const book = new L2Book({ roiHalfWidthTicks: 64 });
    const model = new SortedL2Book();
    const snapBids = [
      { priceTicks: 1_000, qtyLots: 5 },
      { priceTicks: 990, qtyLots: 1 },
    ];
    const snapAsks = [{ priceTicks: 1_002, qtyLots: 5 }];
    book.applySnapshot(snapBids, snapAsks);
    model.applySnapshot(snapBids, snapAsks);
    // Walk the market up by 1,000 ticks, one tick at a time, leaving a trail of old bids behind.
    for (let p = 1_001; p <= 2_000; p++) {
      const delta = {
        bids: [{ priceTicks: p, qtyLots: (p % 7) + 1 }],
        asks: [
          { priceTicks: p + 1, qtyLots: 3 },
          { priceTicks: p, qtyLots: 0 },
        ],
      };
      book.applyDelta(delta);
      model.applyDelta(delta);
    }
    expect(book.windowMoves).toBeGreaterThan(5);
    for (const side of ['bid', 'ask'] as const) expect(levelsOf(book, side)).toEqual(levelsOf(model, side));
    expect([book.bestBid(), book.bestAsk()]).toEqual([2_000, 2_001]);
  });

  it('never moves below price 0 (cheap instruments sit at the bottom of the window)', () => {
    const book = new L2Book({ roiHalfWidthTicks: 1_000 });
    book.applySnapshot([{ priceTicks: 10, qtyLots: 1 }], [{ priceTicks: 12, qtyLots: 1 }]);
    for (let i = 0; i < 100; i++) book.applyDelta({ bids: [{ priceTicks: 10 + (i % 2), qtyLots: 1 + i }], asks: [] });
    expect(book.windowMoves).toBe(0);
  });
});
