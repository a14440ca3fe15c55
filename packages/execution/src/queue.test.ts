import type { OrderAdded, OrderChanged, OrderRemoved } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { delta, feed, harness, snapshot, trade } from '../test/helpers.js';
import { l3FifoQueue, logProbQueue, powerProbQueue, type QueueModel, riskAverseQueue } from './queue.js';

const buy = (priceTicks: number, qtyLots: number) => ({
  venue: 'testex',
  symbol: 'ABC/USD',
  side: 'buy' as const,
  type: 'limit' as const,
  priceTicks,
  qtyLots,
});

/** Every L2 queue model, for the scenarios that must behave the same in all of them. */
const L2_MODELS: Array<[string, () => QueueModel]> = [
  ['risk-averse', riskAverseQueue],
  ['power(2)', () => powerProbQueue(2)],
  ['power(3)', () => powerProbQueue(3)],
  ['log', logProbQueue],
];

describe.each(L2_MODELS)('%s queue: shared rules', (_name, model) => {
  it('joins behind 5 lots; trades of 3 then 4 fill exactly 2', () => {
    const h = harness({ queue: model() });
    feed(h.venue, [
      snapshot(
        1,
        [
          [100, 5],
          [99, 7],
        ],
        [[101, 4]],
      ),
    ]);
    const o = h.venue.submit(buy(100, 10), 'o1', 2, 2);
    expect(o.queueAheadLots).toBe(5);
    h.venue.onEvent(trade(3, 100, 3, 'sell'));
    expect(o.queueAheadLots).toBe(2);
    expect(h.fills).toHaveLength(0);
    h.venue.onEvent(trade(4, 100, 4, 'sell'));
    expect(h.fills.map((f) => [f.priceTicks, f.qtyLots, f.liquidity])).toEqual([[100, 2, 'maker']]);
    expect(o.filledLots).toBe(2);
    expect(o.status).toBe('partially_filled');
    expect(o.queueAheadLots).toBe(0);
    // The partial fill reached the position and the balance (cash −2 × 1.00).
    expect(h.portfolio.position(h.instrument).qtyLots).toBe(2);
    expect(h.portfolio.cashAtoms('testex', 'USD')).toBe(999_998n * 10n ** 18n);
    // The depth update that reflects those 7 traded lots does not move us again.
    h.venue.onEvent(delta(5, [[100, 0]], []));
    expect(o.queueAheadLots).toBe(0);
    h.venue.onEvent(trade(6, 100, 5, 'sell'));
    expect(o.filledLots).toBe(7);
  });

  it('a level emptied puts us at the front', () => {
    const h = harness({ queue: model() });
    feed(h.venue, [snapshot(1, [[100, 8]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    h.venue.onEvent(delta(3, [[100, 0]], []));
    expect(o.queueAheadLots).toBe(0);
    h.venue.onEvent(trade(4, 100, 2, 'sell'));
    expect(o.filledLots).toBe(2);
  });

  it('a level that grows never pushes us back', () => {
    const h = harness({ queue: model() });
    feed(h.venue, [snapshot(1, [[100, 4]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    h.venue.onEvent(delta(3, [[100, 10]], []));
    expect(o.queueAheadLots).toBe(4);
  });

  it('a trade at a price through ours fills all our quantity there', () => {
    const h = harness({ queue: model() });
    feed(h.venue, [snapshot(1, [[100, 50]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    h.venue.onEvent(trade(3, 99, 1, 'sell'));
    expect(o.status).toBe('filled');
    expect(h.fills[0]?.priceTicks).toBe(100);
  });

  it('two of our orders at one price share a trade in time priority', () => {
    const h = harness({ queue: model() });
    feed(h.venue, [snapshot(1, [[100, 5]], [[101, 4]])]);
    const a = h.venue.submit(buy(100, 3), 'a', 2, 2);
    const b = h.venue.submit(buy(100, 4), 'b', 2, 2);
    // 10 lots traded: 5 market ahead, then a (3), then b gets the 2 left; the market never
    // fills more than the 10 lots that traded.
    h.venue.onEvent(trade(3, 100, 10, 'sell'));
    expect([a.filledLots, b.filledLots]).toEqual([3, 2]);
    expect(b.queueAheadLots).toBe(0);
    h.venue.onEvent(trade(4, 100, 1, 'sell'));
    expect(b.filledLots).toBe(3);
  });
});

describe('cancels split by the queue model', () => {
  // We join behind 4 lots; the level grows to 10 (6 behind us), then 2 lots are cancelled.
  const scenario = (model: QueueModel) => {
    const h = harness({ queue: model });
    feed(h.venue, [snapshot(1, [[100, 4]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    feed(h.venue, [delta(3, [[100, 10]], []), delta(4, [[100, 8]], [])]);
    return o.queueAheadLots;
  };

  it('risk-averse: a cancel never advances us (ahead stays 4)', () => {
    expect(scenario(riskAverseQueue())).toBe(4);
  });
  it('power n=2: p(behind) = 6²/(6²+4²) = 36/52; ahead = 4 − (16/52)·2 = 44/13', () => {
    expect(scenario(powerProbQueue(2))).toBeCloseTo(44 / 13, 12);
  });
  it('power n=3: p = 216/(216+64); ahead = 4 − (64/280)·2 = 124/35', () => {
    expect(scenario(powerProbQueue(3))).toBeCloseTo(124 / 35, 12);
  });
  it('log: p = ln7/(ln7+ln5); ahead = 4 − 2·ln5/(ln7+ln5)', () => {
    expect(scenario(logProbQueue())).toBeCloseTo(4 - (2 * Math.log(5)) / (Math.log(7) + Math.log(5)), 12);
  });
  it('a decrease explained by a trade is not counted again as a cancel', () => {
    const h = harness({ queue: powerProbQueue(2) });
    feed(h.venue, [snapshot(1, [[100, 4]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    feed(h.venue, [delta(3, [[100, 10]], []), trade(4, 100, 1, 'sell'), delta(5, [[100, 9]], [])]);
    expect(o.queueAheadLots).toBe(3);
  });
  it('a cancel bigger than the queue behind us spills to the front: ahead 4, behind 1, cancel 3', () => {
    // p = 1/(1+16) = 1/17; est = 4 − (16/17)·3 + min(1 − 3/17, 0) = 4 − 48/17 = 20/17
    const h = harness({ queue: powerProbQueue(2) });
    feed(h.venue, [snapshot(1, [[100, 4]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    feed(h.venue, [delta(3, [[100, 5]], []), delta(4, [[100, 2]], [])]);
    expect(o.queueAheadLots).toBeCloseTo(20 / 17, 12);
  });
  it('fills are whole lots: ahead 44/13, a trade of 5 fills floor(5 − 44/13) = 1', () => {
    const h = harness({ queue: powerProbQueue(2) });
    feed(h.venue, [snapshot(1, [[100, 4]], [[101, 4]])]);
    const o = h.venue.submit(buy(100, 3), 'o1', 2, 2);
    feed(h.venue, [delta(3, [[100, 10]], []), delta(4, [[100, 8]], []), trade(5, 100, 5, 'sell')]);
    expect(o.filledLots).toBe(1);
  });
});

describe('exact FIFO on L3', () => {
  const add = (
    ts: number,
    orderId: string,
    priceTicks: number,
    qtyLots: number,
    side: 'bid' | 'ask' = 'bid',
  ): OrderAdded => ({
    kind: 'order_added',
    venue: 'testex',
    symbol: 'ABC/USD',
    exchTs: ts,
    localTs: ts,
    orderId,
    side,
    priceTicks,
    qtyLots,
  });
  const change = (ts: number, orderId: string, priceTicks: number, qtyLots: number): OrderChanged => ({
    kind: 'order_changed',
    venue: 'testex',
    symbol: 'ABC/USD',
    exchTs: ts,
    localTs: ts,
    orderId,
    side: 'bid',
    priceTicks,
    qtyLots,
  });
  const remove = (ts: number, orderId: string): OrderRemoved => ({
    kind: 'order_removed',
    venue: 'testex',
    symbol: 'ABC/USD',
    exchTs: ts,
    localTs: ts,
    orderId,
    side: 'bid',
  });

  it('counts only the orders ahead of us, by id', () => {
    const h = harness({ queue: l3FifoQueue() });
    feed(h.venue, [add(1, 'x', 100, 2), add(1, 'y', 100, 3), add(1, 'ask', 101, 9, 'ask')]);
    expect(h.venue.book('ABC/USD').bids.qtyAt(100)).toBe(5);
    const o = h.venue.submit(buy(100, 4), 'o1', 2, 2);
    expect([o.queueAheadLots, o.queueAheadOrders]).toEqual([5, 2]);
    h.venue.onEvent(add(3, 'z', 100, 7)); // behind us: does not count
    expect(o.queueAheadLots).toBe(5);
    h.venue.onEvent(change(4, 'y', 100, 1)); // y shrinks in place: −2
    expect([o.queueAheadLots, o.queueAheadOrders]).toEqual([3, 2]);
    h.venue.onEvent(remove(5, 'z')); // behind us: nothing
    expect(o.queueAheadLots).toBe(3);
    h.venue.onEvent(change(6, 'x', 100, 6)); // x grows: loses priority, leaves the queue ahead
    expect([o.queueAheadLots, o.queueAheadOrders]).toEqual([1, 1]);
    h.venue.onEvent(trade(7, 100, 3, 'sell')); // consumes y (1), then 2 for us
    expect(o.filledLots).toBe(2);
    expect(o.queueAheadOrders).toBe(0);
    h.venue.onEvent(remove(8, 'y')); // y's removal after its match does not move us twice
    expect(o.queueAheadLots).toBe(0);
  });

  it('entry queue position in orders sets the toxic flag (more than 10 orders ahead)', () => {
    const h = harness({ queue: l3FifoQueue() });
    for (let i = 0; i < 11; i++) h.venue.onEvent(add(1, `m${i}`, 100, 1));
    h.venue.onEvent(add(1, 'ask', 101, 9, 'ask'));
    const o = h.venue.submit(buy(100, 1), 'o1', 2, 2);
    expect(o.entryQueuePosition).toBe(11);
    h.venue.onEvent(trade(3, 99, 1, 'sell'));
    expect(h.fills[0]?.toxic).toBe(true);
  });
});
