import { describe, expect, it } from 'vitest';
import { harness, snapshot } from '../test/helpers.js';
import { InvalidOrderTransitionError, SimOrder } from './orders.js';

const base = { venue: 'testex', symbol: 'ABC/USD' } as const;

describe('order state machine', () => {
  it('records every transition with its time and refuses illegal ones', () => {
    const o = new SimOrder({
      orderId: 'o1',
      ...base,
      side: 'buy',
      type: 'limit',
      priceTicks: 100,
      qtyLots: 5,
      tag: undefined,
      sentUs: 10,
      arrivalUs: 20,
    });
    expect(() => o.transition('filled', 15)).toThrow(InvalidOrderTransitionError);
    o.transition('acknowledged', 20);
    o.applyFill(2, 30);
    expect(o.status).toBe('partially_filled');
    expect(() => o.applyFill(4, 31)).toThrow(InvalidOrderTransitionError);
    o.applyFill(3, 40);
    expect(o.status).toBe('filled');
    expect(() => o.transition('cancelled', 50)).toThrow(/cannot go from filled to cancelled/);
    expect(o.transitions).toEqual([
      { status: 'new', atUs: 10 },
      { status: 'acknowledged', atUs: 20 },
      { status: 'partially_filled', atUs: 30 },
      { status: 'filled', atUs: 40 },
    ]);
  });
});

describe('validation and rejections', () => {
  const setup = () => {
    const h = harness({ cash: '100' });
    h.venue.onEvent(snapshot(1, [[99, 10]], [[101, 10]]));
    return h;
  };
  const submit = (h: ReturnType<typeof setup>, req: Record<string, unknown>, id: string) =>
    h.venue.submit({ ...base, side: 'buy', type: 'limit', ...req } as never, id, 0, 5);

  it('rejects with the reason the venue would give', () => {
    const h = setup();
    expect(submit(h, { symbol: 'XYZ/USD', priceTicks: 99, qtyLots: 1 }, 'a').rejectReason).toBe('unknown_symbol');
    expect(submit(h, { price: '0.995', qtyLots: 1 }, 'b').rejectReason).toBe('off_tick_grid');
    expect(submit(h, { priceTicks: 99.5, qtyLots: 1 }, 'b2').rejectReason).toBe('off_tick_grid');
    expect(submit(h, { priceTicks: 99, qty: '1.5' }, 'c').rejectReason).toBe('off_lot_grid');
    expect(submit(h, { priceTicks: 99, qtyLots: 0 }, 'd').rejectReason).toBe('below_min_size');
    // 0.50 × 1 = 0.50 USD < minNotional 1
    expect(submit(h, { priceTicks: 50, qtyLots: 1 }, 'e').rejectReason).toBe('below_min_notional');
    expect(submit(h, { type: 'post_only', priceTicks: 101, qtyLots: 1 }, 'f').rejectReason).toBe(
      'post_only_would_cross',
    );
    // 0.99 × 102 = 100.98 > 100 USD of cash
    expect(submit(h, { priceTicks: 99, qtyLots: 102 }, 'g').rejectReason).toBe('insufficient_balance');
    expect(submit(h, { side: 'sell', priceTicks: 105, qtyLots: 1 }, 'h').rejectReason).toBe('insufficient_balance');
    expect(submit(h, { qtyLots: 1 }, 'i').rejectReason).toBe('missing_price');
    const rejected = h.venue.order('g');
    expect(rejected?.status).toBe('rejected');
    expect(rejected?.transitions).toEqual([
      { status: 'new', atUs: 0 },
      { status: 'rejected', atUs: 5 },
    ]);
    expect(h.fills).toHaveLength(0);
    expect(h.portfolio.cashAtoms('testex', 'USD')).toBe(100n * 10n ** 18n);
  });

  it('counts cash reserved by open buys against new ones', () => {
    const h = setup();
    expect(submit(h, { priceTicks: 99, qtyLots: 60 }, 'a').status).toBe('acknowledged'); // 59.40 reserved
    expect(submit(h, { priceTicks: 99, qtyLots: 42 }, 'b').rejectReason).toBe('insufficient_balance'); // 41.58 > 40.60 free
    expect(submit(h, { priceTicks: 99, qtyLots: 41 }, 'c').status).toBe('acknowledged'); // 40.59 ≤ 40.60 free
  });

  it('accepts decimal strings on the grid', () => {
    const h = setup();
    const o = submit(h, { price: '0.99', qty: '3' }, 'a');
    expect(o.status).toBe('acknowledged');
    expect(o.priceTicks).toBe(99);
    expect(o.qtyLots).toBe(3);
  });

  it('cancels, and refuses cancels of unknown or closed orders', () => {
    const h = setup();
    submit(h, { priceTicks: 99, qtyLots: 2 }, 'a');
    expect(h.venue.cancel('a', 7)).toBeUndefined();
    expect(h.venue.order('a')?.status).toBe('cancelled');
    expect(h.venue.cancel('a', 8)).toBe('order_already_closed');
    expect(h.venue.cancel('zz', 8)).toBe('unknown_order');
    expect(h.cancelRejects).toEqual([
      { orderId: 'a', reason: 'order_already_closed' },
      { orderId: 'zz', reason: 'unknown_order' },
    ]);
  });
});
