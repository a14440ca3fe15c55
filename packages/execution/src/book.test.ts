import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSide, NO_ASK, NO_BID } from './book.js';

describe('BookSide against a plain map', () => {
  it.each([true, false])('keeps levels sorted best first after any updates (bid side: %s)', (isBid) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 90, max: 110 }), fc.integer({ min: 0, max: 5 })), { maxLength: 300 }),
        (updates) => {
          const side = new BookSide(isBid, 2); // tiny capacity: growth is exercised too
          const model = new Map<number, number>();
          for (const [p, q] of updates) {
            expect(side.set(p, q)).toBe(model.get(p) ?? 0);
            if (q > 0) model.set(p, q);
            else model.delete(p);
          }
          const expected = [...model].sort((a, b) => (isBid ? b[0] - a[0] : a[0] - b[0]));
          expect(side.size).toBe(expected.length);
          for (let i = 0; i < expected.length; i++) expect([side.priceAt(i), side.qtyAtIndex(i)]).toEqual(expected[i]);
          expect(side.bestPrice()).toBe(expected[0]?.[0] ?? (isBid ? NO_BID : NO_ASK));
          for (let p = 90; p <= 110; p++) expect(side.qtyAt(p)).toBe(model.get(p) ?? 0);
        },
      ),
    );
  });
});
