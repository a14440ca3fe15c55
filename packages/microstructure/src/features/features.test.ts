import { OutOfOrderError } from '@tickerml/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_ASK_TICKS, NO_BID_TICKS } from '../book.js';
import { InvalidOptionError } from '../errors.js';
import { L2Book } from '../l2-book.js';
import type { AggressorInput, LevelInput, LevelsInput } from '../types.js';
import {
  DepthImbalance,
  depthImbalanceBatch,
  micropriceTicks,
  midTicks,
  spreadBps,
  TopOfBookFeatures,
  topImbalance,
  topOfBookBatch,
} from './book-features.js';
import { type ArbitrageOpportunity, CrossVenueSpread, crossVenueSpreadBatch } from './cross-venue.js';
import { type OhlcvBar, OhlcvBarBuilder, ohlcvBatch } from './ohlcv.js';
import { QueuePositionEstimate, queuePositionBatch } from './queue-position.js';
import {
  RealizedVolatility,
  RollingVwap,
  realizedVolatilityBatch,
  rollingVwapBatch,
  TradeFlowImbalance,
  tradeFlowImbalanceBatch,
  vwapDeviationBps,
} from './windows.js';

/** Bit-identical comparison that treats NaN as equal to NaN. */
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => expect(Array.from(a)).toEqual(Array.from(b));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, rel = 1e-12) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Number.isNaN(y)) expect(x).toBeNaN();
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(rel * Math.max(1e-300, Math.abs(y)) + 1e-15);
  }
};

// Trades in localTs order: [dt µs, priceTicks, qtyLots, aggressor].
const tradesArb = fc
  .array(
    fc.tuple(
      fc.integer({ min: 0, max: 2_000 }),
      fc.integer({ min: 9_000, max: 11_000 }),
      fc.integer({ min: 1, max: 5_000 }),
      fc.constantFrom<AggressorInput>('buy', 'sell', 'unknown'),
    ),
    { maxLength: 150 },
  )
  .map((rows) => {
    let t = 1_700_000_000_000_000;
    return rows.map(([dt, p, q, a]) => ({ ts: (t += dt), price: p, qty: q, aggressor: a }));
  });
const windowArb = fc.integer({ min: 1, max: 20_000 });

describe('top-of-book features', () => {
  it('compute the documented formulas', () => {
    expect(midTicks(100, 101)).toBe(100.5);
    expect(spreadBps(9995, 10005)).toBe(10);
    expect(topImbalance(3, 1)).toBe(0.5);
    expect(micropriceTicks(100, 3, 102, 1)).toBe(101.5);
    expect(midTicks(NO_BID_TICKS, 101)).toBeNaN();
    expect(topImbalance(0, 0)).toBeNaN();
  });

  it('streaming over a book equals the batch over the recorded top of book (property)', () => {
    const op = fc.tuple(
      fc.constantFrom<'bid' | 'ask'>('bid', 'ask'),
      fc.integer({ min: 90, max: 110 }),
      fc.integer({ min: 0, max: 20 }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('flat' as const, 'linear' as const),
        (ops, levels, weighting) => {
          const book = new L2Book();
          const tob = new TopOfBookFeatures();
          const obi = new DepthImbalance(levels, weighting);
          const streamed: number[][] = [[], [], [], [], [], []];
          const series = {
            bestBidTicks: [] as number[],
            bestBidQtyLots: [] as number[],
            bestAskTicks: [] as number[],
            bestAskQtyLots: [] as number[],
          };
          const books: LevelsInput[] = [];
          for (const [side, price, qty] of ops) {
            book.applyLevel(side, price, qty);
            tob.update(book);
            streamed[0]?.push(tob.midTicks);
            streamed[1]?.push(tob.spreadTicks);
            streamed[2]?.push(tob.spreadBps);
            streamed[3]?.push(tob.imbalance);
            streamed[4]?.push(tob.micropriceTicks);
            streamed[5]?.push(obi.update(book));
            series.bestBidTicks.push(book.bestBid());
            series.bestBidQtyLots.push(book.bestBidQty());
            series.bestAskTicks.push(book.bestAsk());
            series.bestAskQtyLots.push(book.bestAskQty());
            const snap = { bids: [] as LevelInput[], asks: [] as LevelInput[] };
            book.forEachLevel('bid', (p, q) => void snap.bids.push({ priceTicks: p, qtyLots: q }));
            book.forEachLevel('ask', (p, q) => void snap.asks.push({ priceTicks: p, qtyLots: q }));
            books.push(snap);
          }
          const batch = topOfBookBatch(series);
          same(streamed[0] as number[], batch.midTicks);
          same(streamed[1] as number[], batch.spreadTicks);
          same(streamed[2] as number[], batch.spreadBps);
          same(streamed[3] as number[], batch.imbalance);
          same(streamed[4] as number[], batch.micropriceTicks);
          same(streamed[5] as number[], depthImbalanceBatch(books, levels, weighting));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('weights depth linearly when asked', () => {
    const book = new L2Book();
    book.applySnapshot(
      [
        { priceTicks: 100, qtyLots: 4 },
        { priceTicks: 99, qtyLots: 4 },
      ],
      [
        { priceTicks: 101, qtyLots: 2 },
        { priceTicks: 102, qtyLots: 10 },
      ],
    );
    // flat: (8 - 12) / 20; linear (1, 0.5): (4 + 2 - 2 - 5) / (6 + 7)
    expect(new DepthImbalance(2).update(book)).toBeCloseTo(-0.2, 15);
    expect(new DepthImbalance(2, 'linear').update(book)).toBeCloseTo(-1 / 13, 15);
    expect(() => new DepthImbalance(0)).toThrow(InvalidOptionError);
  });
});

describe('rolling window features', () => {
  it('trade flow imbalance: streaming equals batch exactly (property)', () => {
    fc.assert(
      fc.property(tradesArb, windowArb, (trades, windowUs) => {
        const tfi = new TradeFlowImbalance(windowUs);
        const streamed = trades.map((t) => tfi.onTrade(t.ts, t.qty, t.aggressor));
        same(
          streamed,
          tradeFlowImbalanceBatch(
            trades.map((t) => t.ts),
            trades.map((t) => t.qty),
            trades.map((t) => t.aggressor),
            windowUs,
          ),
        );
      }),
    );
  });

  it('VWAP: streaming equals batch exactly while sums stay below 2^53 (property)', () => {
    fc.assert(
      fc.property(tradesArb, windowArb, (trades, windowUs) => {
        const vwap = new RollingVwap(windowUs);
        const streamed = trades.map((t) => vwap.onTrade(t.ts, t.price, t.qty));
        same(
          streamed,
          rollingVwapBatch(
            trades.map((t) => t.ts),
            trades.map((t) => t.price),
            trades.map((t) => t.qty),
            windowUs,
          ),
        );
      }),
    );
  });

  it('VWAP: still within 1e-12 of the batch when sums exceed 2^53', () => {
    const vwap = new RollingVwap(1_000);
    const ts: number[] = [];
    const price: number[] = [];
    const qty: number[] = [];
    for (let i = 0; i < 2_000; i++) {
      ts.push(i * 10);
      price.push(6_000_000 + ((i * 7919) % 1000));
      qty.push(100_000_000 + ((i * 104729) % 99_999_999));
    }
    const streamed = ts.map((t, i) => vwap.onTrade(t, price[i] as number, qty[i] as number));
    close(streamed, rollingVwapBatch(ts, price, qty, 1_000));
  });

  it('realised volatility: streaming equals batch to 1e-12 relative (property)', () => {
    fc.assert(
      fc.property(tradesArb, windowArb, (trades, windowUs) => {
        const vol = new RealizedVolatility(windowUs);
        const streamed = trades.map((t) => vol.onPrice(t.ts, t.price));
        close(
          streamed,
          realizedVolatilityBatch(
            trades.map((t) => t.ts),
            trades.map((t) => t.price),
            windowUs,
          ),
          1e-9,
        );
      }),
    );
  });

  it('computes the documented values', () => {
    const tfi = new TradeFlowImbalance(10);
    tfi.onTrade(0, 3, 'buy');
    expect(tfi.onTrade(5, 1, 'sell')).toBe(0.5);
    expect(tfi.advance(10)).toBe(-1); // the buy at 0 left the window (0 <= 10 - 10)
    expect(tfi.advance(15)).toBeNaN();
    const vwap = new RollingVwap(10);
    vwap.onTrade(0, 100, 1);
    expect(vwap.onTrade(1, 110, 1)).toBe(105);
    expect(vwap.deviationBps(105 * 1.001)).toBeCloseTo(10, 9);
    expect(vwapDeviationBps(10_010, 10_000)).toBeCloseTo(10, 12);
    const vol = new RealizedVolatility(100);
    vol.onPrice(0, 100);
    vol.onPrice(1, 110);
    expect(vol.onPrice(2, 100)).toBeCloseTo(Math.sqrt(Math.log(1.1) ** 2 * 2), 15);
    expect(vol.onPrice(3, Number.NaN)).toBeCloseTo(Math.sqrt(Math.log(1.1) ** 2 * 2), 15);
  });

  it('refuses time going backwards and bad windows, naming the feature', () => {
    const tfi = new TradeFlowImbalance(10);
    tfi.onTrade(100, 1, 'buy');
    expect(() => tfi.onTrade(99, 1, 'buy')).toThrow(OutOfOrderError);
    expect(() => tfi.onTrade(99, 1, 'buy')).toThrow(/TradeFlowImbalance/);
    expect(() => new RollingVwap(0)).toThrow(InvalidOptionError);
    expect(() => rollingVwapBatch([2, 1], [1, 1], [1, 1], 10)).toThrow(OutOfOrderError);
  });
});

describe('causality: appending future events never changes past values', () => {
  it('holds for every windowed feature, batch and streaming (property)', () => {
    fc.assert(
      fc.property(tradesArb, tradesArb, windowArb, (past, futureRaw, windowUs) => {
        const last = past.at(-1)?.ts ?? 0;
        const future = futureRaw.map((t) => ({ ...t, ts: t.ts - 1_700_000_000_000_000 + last }));
        const all = [...past, ...future];
        const col = <K extends keyof (typeof all)[number]>(rows: typeof all, k: K) => rows.map((r) => r[k]);
        const k = past.length;
        const checks: [ArrayLike<number>, ArrayLike<number>][] = [
          [
            tradeFlowImbalanceBatch(col(past, 'ts'), col(past, 'qty'), col(past, 'aggressor'), windowUs),
            tradeFlowImbalanceBatch(col(all, 'ts'), col(all, 'qty'), col(all, 'aggressor'), windowUs),
          ],
          [
            rollingVwapBatch(col(past, 'ts'), col(past, 'price'), col(past, 'qty'), windowUs),
            rollingVwapBatch(col(all, 'ts'), col(all, 'price'), col(all, 'qty'), windowUs),
          ],
          [
            realizedVolatilityBatch(col(past, 'ts'), col(past, 'price'), windowUs),
            realizedVolatilityBatch(col(all, 'ts'), col(all, 'price'), windowUs),
          ],
        ];
        for (const [onPast, onAll] of checks) same(onPast, Array.from(onAll).slice(0, k));
        // Streaming: values emitted while replaying `all` equal those from `past` alone, for the past prefix.
        const a = new RollingVwap(windowUs);
        const b = new RollingVwap(windowUs);
        same(
          past.map((t) => a.onTrade(t.ts, t.price, t.qty)),
          all.map((t) => b.onTrade(t.ts, t.price, t.qty)).slice(0, k),
        );
        // Completed bars from the past are unchanged by the future.
        const pastBars = ohlcvBatch(col(past, 'ts'), col(past, 'price'), col(past, 'qty'), windowUs);
        const allBars = ohlcvBatch(col(all, 'ts'), col(all, 'price'), col(all, 'qty'), windowUs);
        expect(allBars.slice(0, Math.max(0, pastBars.length - 1))).toEqual(pastBars.slice(0, -1));
      }),
    );
  });
});

describe('cross-venue spread', () => {
  const a = { venue: 'binanceus', tickSize: 0.01, takerFeeBps: 10 };
  const b = { venue: 'kraken', tickSize: 0.1, takerFeeBps: 26 };

  it('emits an opportunity only when positive net of both taker fees', () => {
    const seen: ArbitrageOpportunity[] = [];
    const xs = new CrossVenueSpread(a, b, (o) => seen.push({ ...o }));
    xs.update(0, 1, 999_900, 1_000_000); // A: 9999.00 / 10000.00
    expect(xs.aToB).toBeNaN();
    xs.update(1, 2, 100_300, 100_400); // B: 10030.0 / 10040.0 → buy A at 10000, sell B at 10030: 30 bp gross, 36 bp fees
    expect(xs.aToB).toBeCloseTo(30 - 36, 9);
    expect(seen).toEqual([]);
    xs.update(1, 3, 100_400, 100_500); // B bid 10040: 40 bp gross → +4 bp net
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      localTs: 3,
      buyVenue: 'binanceus',
      sellVenue: 'kraken',
      buyPrice: 10000,
      sellPrice: 10040,
    });
    expect(seen[0]?.netSpreadBps).toBeCloseTo(4, 9);
    xs.update(1, 4, 100_000, NO_ASK_TICKS);
    expect(xs.bToA).toBeNaN();
    expect(() => new CrossVenueSpread({ ...a, tickSize: 0 }, b)).toThrow(/venueA.tickSize/);
  });

  it('streaming equals batch (property)', () => {
    const quote = fc.tuple(
      fc.constantFrom<0 | 1>(0, 1),
      fc.integer({ min: 99_000, max: 101_000 }),
      fc.integer({ min: 0, max: 200 }),
    );
    fc.assert(
      fc.property(fc.array(quote, { maxLength: 100 }), (quotes) => {
        const xs = new CrossVenueSpread(a, b);
        const s1: number[] = [];
        const s2: number[] = [];
        const bids: number[] = [];
        const asks: number[] = [];
        quotes.forEach(([v, bid, width], i) => {
          // Venue B quotes in its own ticks (10x coarser).
          const bidT = v === 0 ? bid : Math.round(bid / 10);
          const askT = bidT + width;
          xs.update(v, i, bidT, askT);
          s1.push(xs.aToB);
          s2.push(xs.bToA);
          bids.push(bidT);
          asks.push(askT);
        });
        const batch = crossVenueSpreadBatch(a, b, {
          venueIndex: quotes.map((q) => q[0]),
          bestBidTicks: bids,
          bestAskTicks: asks,
        });
        same(s1, batch.aToB);
        same(s2, batch.bToA);
      }),
    );
  });
});

describe('queue position estimate', () => {
  it('advances on trades at the price, never on cancels ahead, and clears on a trade through', () => {
    const q = new QueuePositionEstimate('bid', 100, 10);
    expect(q.onTrade(100, 4)).toBe(6);
    expect(q.onLevel(100, 9)).toBe(6); // 3 lots cancelled: assumed behind us
    expect(q.onLevel(100, 2)).toBe(2); // the level shrank below our estimate
    expect(q.onTrade(101, 5)).toBe(2); // trade above our bid: no effect
    expect(q.onTrade(99, 1)).toBe(0); // traded through us
  });

  it('streaming equals batch (property)', () => {
    const ev = fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 98, max: 102 }), fc.integer({ min: 0, max: 30 }));
    fc.assert(
      fc.property(
        fc.constantFrom<'bid' | 'ask'>('bid', 'ask'),
        fc.integer({ min: 0, max: 50 }),
        fc.array(ev, { maxLength: 100 }),
        (side, initial, events) => {
          const q = new QueuePositionEstimate(side, 100, initial);
          const streamed = events.map(([kind, p, qty]) => (kind === 1 ? q.onTrade(p, qty) : q.onLevel(p, qty)));
          same(
            streamed,
            queuePositionBatch(side, 100, initial, {
              kind: events.map((e) => e[0]),
              priceTicks: events.map((e) => e[1]),
              qtyLots: events.map((e) => e[2]),
            }),
          );
        },
      ),
    );
  });
});

describe('OHLCV bars', () => {
  it('builds documented bars and closes them on time', () => {
    const bars: OhlcvBar[] = [];
    const b = new OhlcvBarBuilder(10, (bar) => bars.push(bar));
    b.onTrade(0, 100, 1);
    b.onTrade(5, 103, 2);
    b.onTrade(9, 99, 1);
    expect(bars).toEqual([]);
    b.closeUntil(9);
    expect(bars).toEqual([]);
    b.onTrade(12, 101, 1);
    expect(bars).toEqual([
      {
        startTs: 0,
        endTs: 10,
        openTicks: 100,
        highTicks: 103,
        lowTicks: 99,
        closeTicks: 99,
        volumeLots: 4,
        notionalTickLots: 405,
        tradeCount: 3,
      },
    ]);
    b.closeUntil(20);
    expect(bars[1]).toMatchObject({ startTs: 10, openTicks: 101, closeTicks: 101, tradeCount: 1 });
    expect(b.current()).toBeUndefined();
  });

  it('streaming bars plus the forming one equal the batch (property)', () => {
    fc.assert(
      fc.property(tradesArb, windowArb, (trades, intervalUs) => {
        const bars: OhlcvBar[] = [];
        const b = new OhlcvBarBuilder(intervalUs, (bar) => bars.push(bar));
        for (const t of trades) b.onTrade(t.ts, t.price, t.qty);
        const forming = b.current();
        if (forming) bars.push(forming);
        expect(bars).toEqual(
          ohlcvBatch(
            trades.map((t) => t.ts),
            trades.map((t) => t.price),
            trades.map((t) => t.qty),
            intervalUs,
          ),
        );
      }),
    );
  });
});
