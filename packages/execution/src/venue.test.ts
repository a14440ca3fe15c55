import { describe, expect, it } from 'vitest';
import { delta, feed, harness, snapshot, trade } from '../test/helpers.js';
import { makerTakerFees } from './fees.js';
import { TradableInstrument } from './instrument.js';
import { constantLatency } from './latency.js';
import { atomsToDecimal } from './money.js';
import { Portfolio } from './portfolio.js';
import { riskAverseQueue } from './queue.js';
import { IncompleteVenueConfigError, SimulatedVenueBuilder } from './venue.js';

const req = (
  side: 'buy' | 'sell',
  type: 'market' | 'limit' | 'post_only' | 'ioc' | 'fok',
  qtyLots: number,
  priceTicks?: number,
) => ({
  venue: 'testex',
  symbol: 'ABC/USD',
  side,
  type,
  qtyLots,
  ...(priceTicks === undefined ? {} : { priceTicks }),
});
const book = () =>
  snapshot(
    1,
    [
      [99, 4],
      [98, 6],
    ],
    [
      [101, 2],
      [102, 3],
      [103, 5],
    ],
  );

describe('takers walk the book', () => {
  it('a market buy of 6 takes 2@1.01, 3@1.02, 1@1.03 and pays taker fees on each level', () => {
    const h = harness({ taker: '0.001' });
    feed(h.venue, [book()]);
    const o = h.venue.submit(req('buy', 'market', 6), 'm1', 0, 2);
    expect(h.fills.map((f) => [f.priceTicks, f.qtyLots, f.liquidity])).toEqual([
      [101, 2, 'taker'],
      [102, 3, 'taker'],
      [103, 1, 'taker'],
    ]);
    expect(o.status).toBe('filled');
    // notional 2.02 + 3.06 + 1.03 = 6.11; fees 0.00611
    expect(atomsToDecimal(h.portfolio.cashAtoms('testex', 'USD'))).toBe('999993.88389');
    expect(h.portfolio.position(h.instrument).qtyLots).toBe(6);
  });

  it('never takes the same displayed liquidity twice, also across our own orders', () => {
    const h = harness();
    feed(h.venue, [book()]);
    h.venue.submit(req('buy', 'market', 4), 'm1', 0, 2); // 2@101, 2@102
    h.venue.submit(req('buy', 'ioc', 5, 103), 'm2', 0, 3); // 1@102 left, then 4@103
    expect(h.fills.map((f) => [f.orderId, f.priceTicks, f.qtyLots])).toEqual([
      ['m1', 101, 2],
      ['m1', 102, 2],
      ['m2', 102, 1],
      ['m2', 103, 4],
    ]);
    // 1 lot left at 103: a FOK for 2 is cancelled untouched, an IOC for 2 takes 1.
    expect(h.venue.submit(req('buy', 'fok', 2, 103), 'f', 0, 4).status).toBe('cancelled');
    const ioc = h.venue.submit(req('buy', 'ioc', 2, 103), 'i', 0, 5);
    expect([ioc.status, ioc.filledLots]).toEqual(['cancelled', 1]);
  });

  it('consumed liquidity decays back with the configured half-life', () => {
    const h = harness({ halfLifeUs: 1_000_000 });
    feed(h.venue, [snapshot(0, [[99, 4]], [[101, 8]])]);
    h.venue.submit(req('buy', 'market', 8), 'm1', 0, 0);
    expect(h.venue.availableLots('ABC/USD', 'ask', 101, 0)).toBe(0);
    expect(h.venue.availableLots('ABC/USD', 'ask', 101, 1_000_000)).toBe(4); // half of 8 is back
    expect(h.venue.availableLots('ABC/USD', 'ask', 101, 2_000_000)).toBe(6);
    // The book reporting a smaller level caps what we consumed there.
    h.venue.onEvent(delta(2_000_001, [], [[101, 1]]));
    expect(h.venue.availableLots('ABC/USD', 'ask', 101, 2_000_001)).toBe(0);
  });

  it('a marketable limit takes what crosses, then rests the rest behind the displayed bid', () => {
    const h = harness();
    feed(h.venue, [
      snapshot(
        1,
        [[102, 7]],
        [
          [101, 2],
          [102, 3],
        ],
      ),
    ]);
    const o = h.venue.submit(req('buy', 'limit', 9, 102), 'l1', 0, 2);
    expect(o.filledLots).toBe(5);
    expect(o.status).toBe('partially_filled');
    expect(o.queueAheadLots).toBe(7);
    expect(h.venue.open('ABC/USD').map((x) => x.orderId)).toEqual(['l1']);
  });

  it('a resting order the book moves through fills against the displayed liquidity at its price, once', () => {
    const h = harness({ maker: '-0.0001' });
    feed(h.venue, [book()]);
    const o = h.venue.submit(req('buy', 'limit', 5, 100), 'b1', 0, 2);
    h.venue.onEvent(delta(3, [], [[100, 2]])); // an ask appears at our bid: 2 lots trade with us
    expect(h.fills.map((f) => [f.priceTicks, f.qtyLots, f.liquidity])).toEqual([[100, 2, 'maker']]);
    h.venue.onEvent(delta(4, [], [[102, 4]])); // unrelated level: the 2 lots at 1.00 are not reused
    expect(o.filledLots).toBe(2);
    // a maker rebate of 1 bp on 2.00 is credited: cash = 1e6 − 2 + 0.0002
    expect(atomsToDecimal(h.portfolio.cashAtoms('testex', 'USD'))).toBe('999998.0002');
  });

  it('post-only rests without taking; IOC with nothing to take is cancelled with no_liquidity', () => {
    const h = harness();
    feed(h.venue, [book()]);
    const p = h.venue.submit(req('buy', 'post_only', 1, 100), 'p', 0, 2);
    expect(p.status).toBe('acknowledged');
    const i = h.venue.submit(req('buy', 'ioc', 1, 100), 'i', 0, 2);
    expect([i.status, i.rejectReason]).toEqual(['cancelled', 'no_liquidity']);
  });

  it('sells walk the bids; a spot sell needs the inventory', () => {
    const h = harness({ inventory: '5' });
    feed(h.venue, [book()]);
    expect(h.venue.submit(req('sell', 'market', 6), 's0', 0, 2).rejectReason).toBe('insufficient_balance');
    h.venue.submit(req('sell', 'market', 5), 's1', 0, 2);
    expect(h.fills.map((f) => [f.priceTicks, f.qtyLots])).toEqual([
      [99, 4],
      [98, 1],
    ]);
    // bought at 1.00 (opening inventory), sold 4@0.99 + 1@0.98: realised −0.06
    expect(atomsToDecimal(h.portfolio.position(h.instrument).realizedAtoms)).toBe('-0.06');
  });
});

describe('venue time: an order only fills on events at or after its arrival', () => {
  it('ignores trades that happened before it arrived, even when they are delivered after', () => {
    const h = harness();
    feed(h.venue, [snapshot(1, [[100, 5]], [[101, 4]])]);
    const o = h.venue.submit(req('buy', 'limit', 3, 100), 'o', 500, 1_000);
    // Happened at 900 (before arrival), received at 1_100: must not fill or advance us.
    h.venue.onEvent(trade(900, 100, 20, 'sell', 1_100));
    h.venue.onEvent(trade(950, 99, 1, 'sell', 1_100));
    expect(o.filledLots).toBe(0);
    // Its depth update re-anchors the queue: we joined behind what was there at arrival.
    h.venue.onEvent(delta(950, [[100, 2]], [], 1_150));
    expect(o.queueAheadLots).toBe(2);
    h.venue.onEvent(trade(1_000, 100, 3, 'sell', 1_200));
    expect(o.filledLots).toBe(1);
  });
});

describe('adverse selection and markouts', () => {
  it('flags a fill toxic when the queue ahead was over 10× our size, and records markouts at +1 s, +10 s, +60 s', () => {
    const h = harness();
    feed(h.venue, [snapshot(0, [[100, 11]], [[102, 5]])]);
    h.venue.submit(req('buy', 'limit', 1, 100), 'toxic', 0, 0); // 11 lots ahead of 1 → position 11
    h.venue.onEvent(trade(10, 100, 12, 'sell'));
    const f = h.fills[0];
    expect(f?.toxic).toBe(true);
    expect(f?.entryQueuePosition).toBe(11);
    expect(f?.midAtFillTicks).toBe(101);
    feed(h.venue, [
      delta(
        500_000,
        [
          [98, 1],
          [100, 0],
        ],
        [[99, 1]],
      ),
      delta(
        1_000_010,
        [],
        [
          [99, 0],
          [100, 3],
        ],
      ),
    ]);
    // mid at +1 s: (98 + 100)/2 = 99 → a buy marked out −2 ticks
    expect(f?.markoutsTicks).toEqual([-2, Number.NaN, Number.NaN]);
    feed(h.venue, [delta(10_000_010, [[101, 2]], [[103, 1]]), delta(60_000_010, [[102, 2]], [[103, 1]])]);
    // +10 s: bid 101, ask 100 (crossed in this made-up book) → mid 100.5 → −0.5; +60 s: 102 vs 100 → 101 → 0
    expect(f?.markoutsTicks.slice(1)).toEqual([-0.5, 0]);
  });

  it('a fill with 10× our size ahead is not toxic (the threshold is strictly over 10)', () => {
    const h = harness();
    feed(h.venue, [snapshot(0, [[100, 20]], [[102, 5]])]);
    h.venue.submit(req('buy', 'limit', 2, 100), 'ok', 0, 0);
    h.venue.onEvent(trade(10, 100, 22, 'sell'));
    expect(h.fills[0]?.toxic).toBe(false);
  });
});

describe('funding from FundingRate events', () => {
  it('settles once per funding time on the perpetual position, at the mark price', () => {
    const portfolio = new Portfolio();
    portfolio.openAccount('perpex', { USDT: '1000' });
    const perp = new TradableInstrument({
      venue: 'perpex',
      symbol: 'ABC/USDT:USDT',
      base: 'ABC',
      quote: 'USDT',
      tickSize: '0.01',
      lotSize: '0.1',
    });
    portfolio.openPosition(perp, { symbol: perp.symbol, qty: '-2.5', entryPrice: '10.00' });
    const venue = new SimulatedVenueBuilder('perpex')
      .instruments([perp])
      .queueModel(riskAverseQueue())
      .latencyModel(constantLatency(0))
      .feeModel(makerTakerFees({ maker: '0', taker: '0' }))
      .portfolio(portfolio)
      .build();
    const fr = (ts: number, rate: string, fundingTs: number) => ({
      kind: 'funding_rate' as const,
      venue: 'perpex',
      symbol: perp.symbol,
      exchTs: ts,
      localTs: ts,
      rate,
      fundingTs,
      markPriceTicks: 1_012,
    });
    venue.onEvent(fr(1, '0.0001', 100));
    venue.onEvent(fr(50, '0.00012', 100));
    expect(portfolio.totalFundingAtoms).toBe(0n);
    venue.onEvent(fr(100, '0.00012', 200)); // 100 passed with rate 0.00012: short receives 2.5 × 10.12 × 0.00012
    venue.onEvent(fr(101, '0.00012', 200));
    expect(atomsToDecimal(portfolio.totalFundingAtoms)).toBe('0.003036');
  });
});

describe('fill ids', () => {
  it('count on over the whole run when the portfolio keeps only a window of recent fills', () => {
    const h = harness();
    const portfolio = new Portfolio({ maxFills: 2 });
    portfolio.openAccount('testex', { USD: '1000000' });
    const venue = new SimulatedVenueBuilder('testex')
      .instruments([h.instrument])
      .queueModel(riskAverseQueue())
      .latencyModel(constantLatency(0))
      .feeModel(makerTakerFees({ maker: '0', taker: '0' }))
      .portfolio(portfolio)
      .build();
    const ids: number[] = [];
    venue.setListener({ onFill: (f) => ids.push(f.fillId), onOrderUpdate: () => {}, onCancelReject: () => {} });
    feed(venue, [book()]);
    for (let i = 0; i < 10; i++) venue.submit(req('buy', 'market', 1), `m${i}`, 0, 2 + i);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(portfolio.fills.length).toBeLessThanOrEqual(3);
    expect(portfolio.fills.map((f) => f.fillId)).toEqual(ids.slice(10 - portfolio.fills.length));
  });
});

describe('builder', () => {
  it('refuses an incomplete configuration, naming what is missing', () => {
    expect(() => new SimulatedVenueBuilder('binance').build()).toThrow(IncompleteVenueConfigError);
    expect(() => new SimulatedVenueBuilder('binance').queueModel(riskAverseQueue()).build()).toThrow(
      "venue 'binance' is missing instruments, latencyModel, feeModel, portfolio",
    );
  });
});
