import { TestClock } from '@tickerml/core';
import { RiskEngine, resolveRiskLimits } from '@tickerml/risk';
import { describe, expect, it } from 'vitest';
import { book, disconnected, MS, market, SYMBOL, VENUE } from '../test/gate-market.js';
import { Engine, type OrderUpdate, type Strategy } from './kernel.js';
import { type GateDecision, RiskGate } from './risk-gate.js';

/** Places the scripted orders on the events with the given localTs; logs what it hears. */
function scripted(orders: Map<number, { side: 'buy' | 'sell'; priceTicks: number; qtyLots: number }>) {
  const updates: OrderUpdate[] = [];
  const placed: string[] = [];
  const strategy: Strategy = {
    name: 'scripted',
    onEvent(e, ctx) {
      const o = orders.get(e.localTs);
      if (o !== undefined) placed.push(ctx.placeOrder({ venue: VENUE, symbol: SYMBOL, type: 'limit', ...o }));
    },
    onOrderUpdate(u) {
      updates.push(u);
    },
  };
  return { strategy, updates, placed };
}

function run(
  strategy: Strategy,
  events: ReturnType<typeof book | typeof disconnected>[],
  opts: { flatten?: boolean; inventory?: number } = {},
) {
  const { venue, portfolio, inst } = market();
  if (opts.inventory !== undefined)
    portfolio.openPosition(inst, { symbol: SYMBOL, qty: String(opts.inventory), entryPrice: '1000' });
  const decisions: GateDecision[] = [];
  const gate = new RiskGate(strategy, {
    risk: new RiskEngine(resolveRiskLimits({ maxDrawdown: 0.25, maxPositionFraction: 0.25 })),
    flattenOnEmergencyStop: opts.flatten ?? false,
    onDecision: (d) => decisions.push(d),
  });
  const engine = new Engine({ venues: [venue], portfolio, strategy: gate, clock: new TestClock(0) });
  engine.run(events);
  return { engine, gate, decisions, portfolio };
}

describe('RiskGate', () => {
  it('resizes an order over the position cap and says which rule did it', () => {
    // Equity 10,000 USD, price 1,001: 5 units is 50 % of equity, max_position allows 25 % (2 units).
    const s = scripted(new Map([[10 * MS, { side: 'buy', priceTicks: 1001, qtyLots: 5 }]]));
    const { decisions, engine, gate } = run(s.strategy, [
      book(0, 999, 1001),
      book(10 * MS, 999, 1001),
      book(200 * MS, 999, 1001),
    ]);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.decision.action).toBe('resized');
    expect(decisions[0]?.decision.decidedBy).toBe('max_position');
    expect(decisions[0]?.eventLocalTs).toBe(10 * MS);
    // The venue got the allowed size: 2 lots, filled against the 1,001 ask.
    const filled = engine.portfolio.fills.reduce((a, f) => a + f.qtyLots, 0);
    expect(filled).toBe(2);
    expect(s.updates.map((u) => u.status)).toContain('acknowledged');
    expect(gate.resizedCount).toBe(1);
  });

  it('rejects an order on a halted venue: the strategy hears status rejected with the rule, nothing reaches the venue', () => {
    const s = scripted(new Map([[20 * MS, { side: 'buy', priceTicks: 1000, qtyLots: 1 }]]));
    const { decisions, engine, gate } = run(s.strategy, [
      book(0, 999, 1001),
      disconnected(10 * MS),
      book(20 * MS, 999, 1001),
      book(300 * MS, 999, 1001),
    ]);
    expect(decisions[0]?.decision.action).toBe('rejected');
    expect(decisions[0]?.decision.decidedBy).toBe('circuit_breaker');
    expect(s.updates).toHaveLength(1);
    expect(s.updates[0]).toMatchObject({
      orderId: s.placed[0],
      status: 'rejected',
      rejectReason: 'risk_circuit_breaker',
      filledLots: 0,
    });
    expect(engine.portfolio.fills).toHaveLength(0);
    expect(engine.context.openOrders()).toHaveLength(0);
    expect(gate.rejectedByRule.get('circuit_breaker')).toBe(1);
  });

  it('the drawdown emergency stop cancels every open order (and flattens when configured)', () => {
    // 9 units held at 1,000 + 10,000 cash = 19,000; a bid rests at 300. The mid falls to 399.5:
    // equity 13,595.5, drawdown 28 % ≥ 25 %.
    for (const flatten of [false, true]) {
      const s = scripted(new Map([[10 * MS, { side: 'buy', priceTicks: 300, qtyLots: 1 }]]));
      const { gate, engine, portfolio } = run(
        s.strategy,
        [
          book(0, 999, 1001),
          book(10 * MS, 999, 1001),
          book(200 * MS, 999, 1001),
          book(400 * MS, 399, 400),
          book(600 * MS, 399, 400),
        ],
        { flatten, inventory: 9 },
      );
      expect(gate.emergencyStops).toHaveLength(1);
      expect(gate.emergencyStops[0]?.drawdown).toBeGreaterThanOrEqual(0.25);
      expect(gate.emergencyStops[0]?.cancelledOrderIds).toEqual(s.placed);
      expect(s.updates.find((u) => u.orderId === s.placed[0] && u.status === 'cancelled')).toBeDefined();
      expect(engine.context.openOrders()).toHaveLength(0);
      expect(gate.risk.state().emergencyStop).toBe(true);
      const pos = portfolio.positions()[0];
      expect(pos?.qtyLots).toBe(flatten ? 0 : 9);
    }
  });
});
