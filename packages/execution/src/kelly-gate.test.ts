import { TestClock } from '@tickerml/core';
import { EdgeEstimator, RiskEngine, resolveRiskLimits } from '@tickerml/risk';
import { describe, expect, it } from 'vitest';
import { book, MS, market, SYMBOL, VENUE } from '../test/gate-market.js';
import { Engine, type Strategy } from './kernel.js';
import type { OrderEdge } from './orders.js';
import { type GateDecision, InvalidEdgeError, RiskGate } from './risk-gate.js';

/**
 * Equity 10,000 USD, ask 1,001, lots of 1 unit, kellyFraction 0.25, maxPositionFraction 0.25
 * (max_position allows 2 units). The Kelly cap is 0.25 × edge / variance of equity.
 */
function buyFive(edge: OrderEdge | undefined, estimator: EdgeEstimator | undefined) {
  const { venue, portfolio } = market();
  const decisions: GateDecision[] = [];
  const strategy: Strategy = {
    name: 'buy-five',
    onEvent(e, ctx) {
      if (e.localTs === 10 * MS)
        ctx.placeOrder({
          venue: VENUE,
          symbol: SYMBOL,
          side: 'buy',
          type: 'limit',
          priceTicks: 1001,
          qtyLots: 5,
          ...(edge === undefined ? {} : { edge }),
        });
    },
  };
  const gate = new RiskGate(strategy, {
    risk: new RiskEngine(resolveRiskLimits({ kellyFraction: 0.25, maxPositionFraction: 0.25 })),
    onDecision: (d) => decisions.push(d),
    ...(estimator === undefined ? {} : { kelly: { estimator } }),
  });
  const engine = new Engine({ venues: [venue], portfolio, strategy: gate, clock: new TestClock(0) });
  engine.run([book(0, 999, 1001), book(10 * MS, 999, 1001), book(200 * MS, 999, 1001)]);
  const d = decisions[0]?.decision;
  return {
    action: d?.action,
    by: d?.decidedBy,
    lots: d?.qtyLots,
    filled: portfolio.fills.reduce((a, f) => a + f.qtyLots, 0),
  };
}

/** An estimator holding `n` returns of mean `m` and sample variance `v` (alternating m ± d), no prior. */
function shown(n: number, m: number, v: number): EdgeEstimator {
  const e = new EdgeEstimator({ minTrades: 30, priorWeight: 0 });
  const d = Math.sqrt((v * (n - 1)) / n);
  for (let i = 0; i < n; i++) e.addReturn(i % 2 === 0 ? m + d : m - d);
  return e;
}

describe('fractional Kelly in the risk gate', () => {
  it('below the minimum trade count Kelly does not act: max_position sizes the order', () => {
    expect(buyFive(undefined, shown(29, 0.002, 0.004))).toEqual({
      action: 'resized',
      by: 'max_position',
      lots: 2,
      filled: 2,
    });
  });

  it('at the minimum trade count the estimated edge sizes it: 0.25 × 0.002 / 0.004 = 12.5 % of equity = 1 lot', () => {
    const e = shown(30, 0.002, 0.004);
    expect(e.estimate()?.edge).toBeCloseTo(0.002, 12);
    expect(e.estimate()?.variance).toBeCloseTo(0.004, 12);
    expect(buyFive(undefined, e)).toEqual({ action: 'resized', by: 'kelly', lots: 1, filled: 1 });
  });

  it('a Kelly cap under one lot rejects the order, naming kelly', () => {
    // 0.25 × 0.001 / 0.004 = 6.25 % of equity = 0.62 units.
    expect(buyFive(undefined, shown(30, 0.001, 0.004))).toMatchObject({ action: 'rejected', by: 'kelly', filled: 0 });
  });

  it('a shown edge that is not positive rejects new exposure', () => {
    expect(buyFive(undefined, shown(40, -0.001, 0.004))).toMatchObject({ action: 'rejected', by: 'kelly' });
  });

  it('a large edge leaves max_position as the binding cap', () => {
    expect(buyFive(undefined, shown(30, 0.05, 0.004))).toEqual({
      action: 'resized',
      by: 'max_position',
      lots: 2,
      filled: 2,
    });
  });

  it("the strategy's own edge on the order is used before any fill (and over the estimate)", () => {
    expect(buyFive({ edge: 0.002, variance: 0.004 }, undefined)).toEqual({
      action: 'resized',
      by: 'kelly',
      lots: 1,
      filled: 1,
    });
    expect(buyFive({ edge: 0.002, variance: 0.004 }, shown(30, 0.05, 0.004))).toMatchObject({ by: 'kelly', lots: 1 });
  });

  it('an edge with no positive variance is a clear error', () => {
    expect(() => buyFive({ edge: 0.002, variance: 0 }, undefined)).toThrow(InvalidEdgeError);
    expect(() => buyFive({ edge: 0.002, variance: 0 }, undefined)).toThrow(
      /positive finite variance, was edge 0.002, variance 0/,
    );
  });

  it("the gate's estimator learns from the strategy's fills: a round trip bought at 1,001 and sold at 1,100", () => {
    const { venue, portfolio } = market();
    const strategy: Strategy = {
      name: 'round-trip',
      onEvent(e, ctx) {
        if (e.localTs === 10 * MS)
          ctx.placeOrder({ venue: VENUE, symbol: SYMBOL, side: 'buy', type: 'limit', priceTicks: 1001, qtyLots: 1 });
        if (e.localTs === 300 * MS)
          ctx.placeOrder({ venue: VENUE, symbol: SYMBOL, side: 'sell', type: 'limit', priceTicks: 1100, qtyLots: 1 });
      },
    };
    const gate = new RiskGate(strategy, { risk: new RiskEngine() });
    const engine = new Engine({ venues: [venue], portfolio, strategy: gate, clock: new TestClock(0) });
    engine.run([
      book(0, 999, 1001),
      book(10 * MS, 999, 1001),
      book(200 * MS, 1100, 1102),
      book(300 * MS, 1100, 1102),
      book(500 * MS, 1100, 1102),
    ]);
    expect(portfolio.fills.map((f) => `${f.side} ${f.priceTicks}`)).toEqual(['buy 1001', 'sell 1100']);
    expect(gate.edge?.trades).toBe(1);
    const withPrior = gate.edge?.estimate();
    expect(withPrior).toBeUndefined(); // one trade: below the 30-trade minimum
  });
});
