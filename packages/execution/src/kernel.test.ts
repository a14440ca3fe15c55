import type { MarketEvent } from '@tickerml/core';
import { OutOfOrderError, TestClock } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { snapshot, testInstrument, trade, VENUE } from '../test/helpers.js';
import { makerTakerFees } from './fees.js';
import { Engine, type OrderUpdate, type Strategy, type StrategyContext, UnknownVenueError } from './kernel.js';
import { constantLatency, type LatencyModel, rangeLatency } from './latency.js';
import { type Fill, Portfolio } from './portfolio.js';
import { riskAverseQueue } from './queue.js';
import { SimulatedVenueBuilder } from './venue.js';

const MS = 1_000;

/** A strategy that runs scripted actions when its clock first reaches given times, and logs what it hears. */
function scripted(actions: Array<[number, (ctx: StrategyContext) => void]>) {
  const log: string[] = [];
  const pending = [...actions];
  const strategy: Strategy = {
    name: 'scripted',
    onEvent(e, ctx) {
      while (pending.length > 0 && (pending[0] as [number, unknown])[0] <= ctx.nowUs())
        (pending.shift() as [number, (c: StrategyContext) => void])[1](ctx);
      log.push(`${ctx.nowUs()} event ${e.kind}`);
    },
    onOrderUpdate(u: OrderUpdate, ctx) {
      log.push(
        `${ctx.nowUs()} update ${u.orderId} ${u.status}${u.rejectReason === undefined ? '' : ` ${u.rejectReason}`} @${u.venueUs}`,
      );
    },
    onFill(f: Fill, ctx) {
      log.push(`${ctx.nowUs()} fill ${f.orderId} ${f.qtyLots}@${f.priceTicks} @${f.atUs}`);
    },
    onCancelReject(r, ctx) {
      log.push(`${ctx.nowUs()} cancel-reject ${r.orderId} ${r.reason} @${r.venueUs}`);
    },
  };
  return { strategy, log };
}

function engine(strategy: Strategy, latency: LatencyModel = constantLatency(50 * MS, 30 * MS)) {
  const portfolio = new Portfolio();
  portfolio.openAccount(VENUE, { USD: '10000' });
  const venue = new SimulatedVenueBuilder(VENUE)
    .instruments([testInstrument()])
    .queueModel(riskAverseQueue())
    .latencyModel(latency)
    .feeModel(makerTakerFees({ maker: '0', taker: '0.001' }))
    .portfolio(portfolio)
    .build();
  return {
    engine: new Engine({ venues: [venue], portfolio, strategy, clock: new TestClock(0), seed: 1 }),
    venue,
    portfolio,
  };
}

const bid100 = {
  venue: VENUE,
  symbol: 'ABC/USD',
  side: 'buy' as const,
  type: 'limit' as const,
  priceTicks: 100,
  qtyLots: 3,
};

describe('latency', () => {
  it('an order cannot fill on any event older than its arrival at the venue', () => {
    const { strategy, log } = scripted([[0, (ctx) => ctx.placeOrder(bid100)]]);
    const { engine: eng } = engine(strategy);
    const events: MarketEvent[] = [
      snapshot(0, [[100, 1]], [[101, 5]]),
      trade(20 * MS, 100, 5, 'sell', 40 * MS), // before arrival (50 ms) in both clocks
      trade(45 * MS, 100, 5, 'sell', 70 * MS), // seen after arrival, but happened before it: no fill
      trade(60 * MS, 100, 2, 'sell', 80 * MS), // after arrival: 1 lot ahead, we get 1
    ];
    eng.run(events);
    expect(log).toEqual([
      '0 event book_snapshot',
      '40000 event trade',
      '70000 event trade',
      '80000 update testex-1 acknowledged @50000', // ack: 50 ms arrival + 30 ms response, before the event of the same time
      '80000 event trade',
      '90000 fill testex-1 1@100 @60000', // fill at venue 60 ms, reported 30 ms later
    ]);
  });

  it('a cancel that arrives after the fill loses the race; one that arrives first wins', () => {
    const race = (tradeAtUs: number) => {
      const { strategy, log } = scripted([
        [0, (ctx) => ctx.placeOrder(bid100)],
        [100 * MS, (ctx) => ctx.cancelOrder(VENUE, 'testex-1')], // reaches the venue at 150 ms
      ]);
      const { engine: eng } = engine(strategy);
      eng.run([
        snapshot(0, [[100, 1]], [[101, 5]]),
        trade(100 * MS, 99, 1, 'buy'),
        trade(tradeAtUs, 99, 1, 'sell'),
        trade(400 * MS, 99, 1, 'buy'),
      ]);
      return log.filter((l) => !l.includes('event'));
    };
    // Trade through our price at 140 ms: filled before the cancel lands at 150 ms.
    expect(race(140 * MS)).toEqual([
      '80000 update testex-1 acknowledged @50000',
      '170000 fill testex-1 3@100 @140000',
      '180000 cancel-reject testex-1 order_already_closed @150000',
    ]);
    // Trade at 160 ms: the cancel landed first.
    expect(race(160 * MS)).toEqual([
      '80000 update testex-1 acknowledged @50000',
      '180000 update testex-1 cancelled @150000',
    ]);
  });

  it('cancel-replace: the replacement is placed when the cancel wins, dropped (rejected) when the fill wins', () => {
    const race = (tradeAtUs: number) => {
      const { strategy, log } = scripted([
        [0, (ctx) => ctx.placeOrder(bid100)],
        [100 * MS, (ctx) => ctx.replaceOrder(VENUE, 'testex-1', { ...bid100, priceTicks: 99, qtyLots: 2 })], // lands at 150 ms
      ]);
      const { engine: eng, venue } = engine(strategy);
      eng.run([
        snapshot(
          0,
          [
            [100, 1],
            [99, 1],
          ],
          [[101, 5]],
        ),
        trade(100 * MS, 101, 1, 'buy'),
        trade(tradeAtUs, 99, 1, 'sell'),
        trade(400 * MS, 101, 1, 'buy'),
      ]);
      return {
        log: log.filter((l) => !l.includes('event')),
        open: venue.open().map((o) => [o.orderId, o.priceTicks, o.qtyLots]),
      };
    };
    // The trade through 1.00 at 140 ms fills the original before the replace lands.
    expect(race(140 * MS)).toEqual({
      log: [
        '80000 update testex-1 acknowledged @50000',
        '170000 fill testex-1 3@100 @140000',
        '180000 cancel-reject testex-1 order_already_closed @150000',
        '180000 update testex-2 rejected order_already_closed @150000',
      ],
      open: [],
    });
    // At 160 ms the replacement (0.99 × 2) is resting: the same trade at 0.99 fills 1 lot ahead of it, none of ours.
    expect(race(160 * MS)).toEqual({
      log: [
        '80000 update testex-1 acknowledged @50000',
        '180000 update testex-1 cancelled @150000',
        '180000 update testex-2 acknowledged @150000',
      ],
      open: [['testex-2', 99, 2]],
    });
  });

  it('the strategy view of its orders follows the reports, not the venue', () => {
    const seen: string[] = [];
    const { strategy } = scripted([
      [0, (ctx) => ctx.placeOrder(bid100)],
      [
        60 * MS,
        (ctx) =>
          seen.push(
            ctx
              .openOrders()
              .map((o) => o.status)
              .join(),
          ),
      ], // acked at the venue, not yet reported
      [
        90 * MS,
        (ctx) =>
          seen.push(
            ctx
              .openOrders()
              .map((o) => o.status)
              .join(),
          ),
      ],
    ]);
    const { engine: eng } = engine(strategy);
    eng.run([snapshot(0, [[100, 1]], [[101, 5]]), trade(60 * MS, 101, 1, 'buy'), trade(90 * MS, 101, 1, 'buy')]);
    expect(seen).toEqual(['pending', 'acknowledged']);
  });

  it('timers fire in time order between events, at their due time', () => {
    const fired: string[] = [];
    const strategy: Strategy = {
      name: 't',
      onStart(ctx) {
        ctx.setTimer('tick', 30 * MS);
        ctx.setAlert('once', 45 * MS);
      },
      onEvent() {},
      onTimer(t, ctx) {
        fired.push(`${t.name}@${t.atUs}/${ctx.nowUs()}`);
      },
    };
    const { engine: eng } = engine(strategy);
    eng.run([snapshot(0, [[100, 1]], [[101, 5]]), trade(100 * MS, 101, 1, 'buy')]);
    expect(fired).toEqual(['tick@30000/30000', 'once@45000/45000', 'tick@60000/60000', 'tick@90000/90000']);
  });

  it('refuses an event source that goes back in time', () => {
    const { engine: eng } = engine({ name: 'n', onEvent() {} });
    eng.step(trade(10, 100, 1, 'buy'));
    expect(() => eng.step(trade(5, 100, 1, 'buy'))).toThrow(OutOfOrderError);
    expect(() => eng.context.placeOrder({ ...bid100, venue: 'nowhere' })).toThrow(UnknownVenueError);
  });
});

describe('reports', () => {
  it('reach the strategy in the order the venue sent them, so its view of its orders ends equal to the venue', () => {
    const strategy: Strategy = {
      name: 'busy',
      onEvent(e, ctx) {
        if (e.kind !== 'trade') return;
        const open = ctx.openOrders();
        if (open.length > 0 && ctx.random.next() < 0.3) {
          const o = open[0];
          if (o !== undefined && !o.cancelPending)
            ctx.replaceOrder(VENUE, o.orderId, {
              venue: VENUE,
              symbol: 'ABC/USD',
              side: o.side,
              type: 'limit',
              priceTicks: e.priceTicks,
              qtyLots: 3,
            });
        } else if (open.length < 3)
          ctx.placeOrder({
            venue: VENUE,
            symbol: 'ABC/USD',
            side: ctx.random.bool() ? 'buy' : 'sell',
            type: 'limit',
            priceTicks: e.priceTicks,
            qtyLots: 3,
          });
      },
    };
    // Response latency varies widely between reports (1 to 200 ms).
    const { engine: eng, venue, portfolio } = engine(strategy, rangeLatency({ minMs: 1, maxMs: 200, seed: 3 }));
    portfolio.openPosition(testInstrument(), { symbol: 'ABC/USD', qty: '100000', entryPrice: '1.00' });
    const events: MarketEvent[] = [snapshot(0, [[99, 50]], [[101, 50]])];
    for (let i = 1; i < 4000; i++)
      events.push(trade(i * 5 * MS, 99 + (i % 3), 1 + (i % 7), i % 2 === 0 ? 'buy' : 'sell'));
    eng.run(events);
    expect(portfolio.fills.length).toBeGreaterThan(100);
    const seen = eng.context.openOrders().map((o) => [o.orderId, o.filledLots]);
    expect(seen).toEqual(venue.open().map((o) => [o.orderId, o.filledLots]));
  });
});

describe('determinism', () => {
  it('the same data, configuration and seed give identical fills and P&L, bit for bit', () => {
    const run = (seed: number) => {
      const strategy: Strategy = {
        name: 'random-taker',
        onEvent(e, ctx) {
          if (e.kind !== 'trade') return;
          if (ctx.random.next() < 0.3)
            ctx.placeOrder({
              venue: VENUE,
              symbol: 'ABC/USD',
              side: ctx.random.bool() ? 'buy' : 'sell',
              type: 'limit',
              priceTicks: e.priceTicks,
              qtyLots: 1 + ctx.random.int(0, 2),
            });
        },
      };
      const { engine: eng, portfolio } = engine(strategy, rangeLatency({ minMs: 50, maxMs: 100, seed }));
      portfolio.openPosition(testInstrument(), { symbol: 'ABC/USD', qty: '1000', entryPrice: '1.00' });
      const events: MarketEvent[] = [
        snapshot(
          0,
          [
            [99, 50],
            [98, 50],
          ],
          [
            [101, 50],
            [102, 50],
          ],
        ),
      ];
      for (let i = 1; i < 3000; i++)
        events.push(trade(i * 7 * MS, 99 + (i % 4), 1 + (i % 5), i % 3 === 0 ? 'buy' : 'sell'));
      eng.run(events);
      return JSON.stringify({ fills: portfolio.fills, equity: portfolio.equityCurve }, (_k, v) =>
        typeof v === 'bigint' ? v.toString() : v,
      );
    };
    const a = run(7);
    expect(a.length).toBeGreaterThan(1000);
    expect(run(7)).toBe(a);
    expect(run(8)).not.toBe(a);
  });
});

describe('advanceTo (live driving)', () => {
  it('delivers acknowledgements and fires timers as time passes without market events', () => {
    const { strategy, log } = scripted([[0, (ctx) => ctx.placeOrder(bid100)]]);
    const withTimer: Strategy = {
      ...strategy,
      onStart: (ctx) => ctx.setTimer('beat', 100 * MS),
      onTimer: (t, ctx) => log.push(`${ctx.nowUs()} timer ${t.name}`),
    };
    const { engine: eng } = engine(withTimer);
    eng.step(snapshot(0, [[99, 1]], [[101, 5]]));
    eng.advanceTo(79 * MS);
    expect(log.filter((l) => l.includes('update'))).toEqual([]); // arrives 50 ms, ack back at 80 ms
    eng.advanceTo(250 * MS);
    expect(log).toEqual([
      '0 event book_snapshot',
      '80000 update testex-1 acknowledged @50000',
      '100000 timer beat',
      '200000 timer beat',
    ]);
    expect(eng.clock.nowUs()).toBe(250 * MS);
    eng.advanceTo(10 * MS); // the past: nothing happens
    expect(eng.clock.nowUs()).toBe(250 * MS);
  });
});
