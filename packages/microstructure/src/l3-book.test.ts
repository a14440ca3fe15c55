import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DuplicateOrderError, InvalidLevelError, UnknownOrderError } from './errors.js';
import { L2Book } from './l2-book.js';
import { L3Book } from './l3-book.js';
import type { BookSide } from './types.js';

const idsAt = (book: L3Book, side: BookSide, price: number) => {
  const ids: string[] = [];
  book.forEachOrderAt(side, price, (o) => void ids.push(o.orderId));
  return ids;
};

describe('L3Book', () => {
  it('queues orders FIFO per level and reports quantity ahead', () => {
    const book = new L3Book();
    book.add('a', 'bid', 100, 5);
    book.add('b', 'bid', 100, 3);
    book.add('c', 'bid', 100, 2);
    book.add('x', 'ask', 101, 4);
    expect(idsAt(book, 'bid', 100)).toEqual(['a', 'b', 'c']);
    expect(book.queueAheadLots('a')).toBe(0);
    expect(book.queueAheadLots('c')).toBe(8);
    expect(book.l2.bestBidQty()).toBe(10);
    book.remove('b');
    expect(book.queueAheadLots('c')).toBe(5);
    expect(book.order('b')).toBeUndefined();
    expect(book.order('c')).toMatchObject({ side: 'bid', priceTicks: 100, qtyLots: 2 });
  });

  it('keeps priority on a size decrease, loses it on a price change or a size increase', () => {
    const book = new L3Book();
    for (const id of ['a', 'b', 'c']) book.add(id, 'ask', 200, 10);
    book.change('a', 200, 4);
    expect(idsAt(book, 'ask', 200)).toEqual(['a', 'b', 'c']);
    book.change('a', 200, 6);
    expect(idsAt(book, 'ask', 200)).toEqual(['b', 'c', 'a']);
    book.change('b', 201, 10);
    book.change('b', 200, 10);
    expect(idsAt(book, 'ask', 200)).toEqual(['c', 'a', 'b']);
    expect(book.l2.qtyAt('ask', 200)).toBe(26);
    expect(book.l2.qtyAt('ask', 201)).toBe(0);
  });

  it('can keep priority on a size increase for venues that do', () => {
    const book = new L3Book({ sizeIncreaseLosesPriority: false });
    book.add('a', 'bid', 100, 1);
    book.add('b', 'bid', 100, 1);
    book.change('a', 100, 9);
    expect(idsAt(book, 'bid', 100)).toEqual(['a', 'b']);
    expect(book.queueAheadLots('b')).toBe(9);
  });

  it('applies core L3 events and removes an order changed to 0 lots', () => {
    const book = new L3Book();
    book.apply({ kind: 'order_added', orderId: '1', side: 'bid', priceTicks: 50, qtyLots: 2 });
    book.apply({ kind: 'order_changed', orderId: '1', side: 'bid', priceTicks: 50, qtyLots: 0 });
    expect(book.orderCount).toBe(0);
    book.apply({ kind: 'order_added', orderId: '2', side: 'ask', priceTicks: 60, qtyLots: 2 });
    book.apply({ kind: 'order_removed', orderId: '2', side: 'ask' });
    expect(book.l2.levelCount('ask')).toBe(0);
  });

  it('names what is wrong with bad input and keeps the book intact', () => {
    const book = new L3Book();
    book.add('a', 'bid', 100, 5);
    expect(() => book.add('a', 'bid', 99, 1)).toThrow(DuplicateOrderError);
    expect(() => book.change('zz', 100, 1)).toThrow(UnknownOrderError);
    expect(() => book.remove('zz')).toThrow(/not in the book/);
    expect(() => book.add('b', 'bid', 100, 0)).toThrow(InvalidLevelError);
    expect(() => book.change('a', 100, 1.5)).toThrow(InvalidLevelError);
    expect(book.order('a')).toMatchObject({ priceTicks: 100, qtyLots: 5 });
    expect(book.l2.bestBidQty()).toBe(5);
  });

  it('its L2 aggregation always equals an L2 book fed the same changes (property)', () => {
    const opArb = fc.record({
      kind: fc.constantFrom('add', 'add', 'change', 'remove'),
      id: fc.integer({ min: 0, max: 30 }),
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      price: fc.integer({ min: 90, max: 110 }),
      qty: fc.integer({ min: 0, max: 50 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), fc.boolean(), (ops, increaseLoses) => {
        const l3 = new L3Book({ sizeIncreaseLosesPriority: increaseLoses });
        const l2 = new L2Book();
        // Independent model: orders in arrival order; level totals recomputed from scratch.
        // `t` is the time priority: reset whenever the venue rules send the order to the back.
        const model = new Map<string, { side: BookSide; price: number; qty: number; t: number }>();
        let clock = 0;
        const total = (side: BookSide, price: number) => {
          let sum = 0;
          for (const o of model.values()) if (o.side === side && o.price === price) sum += o.qty;
          return sum;
        };
        for (const op of ops) {
          const id = String(op.id);
          const existing = model.get(id);
          if (op.kind === 'add' && !existing && op.qty > 0) {
            l3.add(id, op.side, op.price, op.qty);
            model.set(id, { side: op.side, price: op.price, qty: op.qty, t: clock++ });
            l2.applyLevel(op.side, op.price, total(op.side, op.price));
          } else if (op.kind === 'change' && existing) {
            l3.change(id, op.price, op.qty);
            const old = existing.price;
            if (op.qty === 0) model.delete(id);
            else {
              const keeps = op.price === existing.price && (op.qty <= existing.qty || !increaseLoses);
              model.set(id, { side: existing.side, price: op.price, qty: op.qty, t: keeps ? existing.t : clock++ });
            }
            l2.applyLevel(existing.side, old, total(existing.side, old));
            l2.applyLevel(existing.side, op.price, total(existing.side, op.price));
          } else if (op.kind === 'remove' && existing) {
            l3.remove(id);
            model.delete(id);
            l2.applyLevel(existing.side, existing.price, total(existing.side, existing.price));
          }
        }
        for (const side of ['bid', 'ask'] as const) {
          const a: number[] = [];
          const b: number[] = [];
          l3.l2.forEachLevel(side, (p, q) => void a.push(p, q));
          l2.forEachLevel(side, (p, q) => void b.push(p, q));
          expect(a).toEqual(b);
        }
        // Queue ahead equals the quantity of same-level orders with earlier time priority.
        for (const [id, o] of model) {
          let ahead = 0;
          for (const x of model.values()) if (x.side === o.side && x.price === o.price && x.t < o.t) ahead += x.qty;
          expect(l3.queueAheadLots(id)).toBe(ahead);
        }
        expect(l3.orderCount).toBe(model.size);
      }),
      { numRuns: 300 },
    );
  });
});
