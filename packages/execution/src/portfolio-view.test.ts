import { TestClock } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { book, MS, market, SYMBOL, VENUE } from '../test/gate-market.js';
import { Engine, type Strategy } from './kernel.js';
import { atomsToDecimal } from './money.js';
import type { Fill, Portfolio, PortfolioView } from './portfolio.js';

const usd = (atoms: bigint) => atomsToDecimal(atoms);

describe('a new position is worth its fill price until the first mark (issue 15, point 8)', () => {
  it('equity right after the first fill is cash plus the position at its fill price, not cash alone', () => {
    // Tick 1 USD, lot 1 unit, no fees, 10,000 USD.
    const { portfolio, inst } = market('10000');
    const fill: Fill = {
      fillId: 1,
      orderId: 'o1',
      venue: VENUE,
      symbol: SYMBOL,
      side: 'buy',
      priceTicks: 1001,
      qtyLots: 5,
      liquidity: 'taker',
      feeAtoms: 0n,
      atUs: 0,
      entryQueuePosition: 0,
      toxic: false,
      midAtFillTicks: 1000,
      markoutsTicks: [Number.NaN, Number.NaN, Number.NaN],
      tag: undefined,
    };
    portfolio.applyFill(inst, fill);
    // Cash fell by 5,005; the 5 units are worth 5,005 at the fill: no loss yet (a value of 0 read 4,995, a 50 % drawdown).
    expect(usd(portfolio.cashAtoms(VENUE, 'USD'))).toBe('4995');
    expect(usd(portfolio.equityAtoms())).toBe('10000');
    expect(usd(portfolio.unrealizedAtoms(portfolio.position(inst)))).toBe('0');
    // The first mark takes over: mid 990 values the 5 units at 4,950.
    portfolio.mark(inst, 989, 991);
    expect(usd(portfolio.equityAtoms())).toBe('9945');
    // A later fill does not move the mark back to its price.
    portfolio.applyFill(inst, { ...fill, fillId: 2, priceTicks: 1100, qtyLots: 1 });
    expect(usd(portfolio.equityAtoms())).toBe(String(10000 - 5005 - 1100 + 6 * 990));
  });

  it("a strategy's own 5 % drawdown stop does not trip on its first fill", () => {
    const { venue, portfolio } = market('10000');
    const equitySeenOnFill: string[] = [];
    let stopped = false;
    const strategy: Strategy = {
      name: 'buy-half-then-watch',
      onEvent(e, ctx) {
        if (e.kind === 'book_snapshot' && ctx.portfolio.fills.length === 0 && ctx.openOrders().length === 0)
          ctx.placeOrder({ venue: VENUE, symbol: SYMBOL, side: 'buy', type: 'market', qtyLots: 5 });
      },
      onFill(_fill, ctx) {
        const equity = ctx.portfolio.equityAtoms();
        equitySeenOnFill.push(usd(equity));
        if (Number(equity) < Number(ctx.portfolio.initialEquityAtoms) * 0.95) stopped = true;
      },
    };
    const engine = new Engine({ venues: [venue], portfolio, strategy, clock: new TestClock(0) });
    // The fill arrives 50 ms + 30 ms after the order, before any further book event marks the position.
    engine.run([book(0, 999, 1001), book(2_000 * MS, 999, 1001)]);
    expect(portfolio.fills).toHaveLength(1);
    expect(equitySeenOnFill).toEqual(['10000']);
    expect(stopped).toBe(false);
  });
});

describe('ctx.portfolio is a read-only view', () => {
  it('has no booking methods and no writable fields in its type', () => {
    const { portfolio, inst } = market('10000');
    const view: PortfolioView = portfolio;
    const pos = view.position(inst);
    // @ts-expect-error a strategy cannot book a fill
    expect(typeof view.applyFill).toBe('function');
    // @ts-expect-error nor mark or sample
    expect(typeof view.mark).toBe('function');
    // @ts-expect-error nor change a position's size
    pos.qtyLots = 3;
    // @ts-expect-error nor push to the fills
    view.fills.push(undefined as unknown as Fill);
    // The engine's own Portfolio still books everything.
    const full: Portfolio = portfolio;
    expect(typeof full.applyFill).toBe('function');
  });
});
