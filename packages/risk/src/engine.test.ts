import { describe, expect, it } from 'vitest';
import { type OrderIntent, positionKey, RiskEngine } from './engine.js';
import { RiskLimitError, resolveRiskLimits } from './limits.js';

const S = 1_000_000;
// 1 lot = 0.0001 BTC at 50,000 → 5 USD a lot; equity 10,000 → 25 % = 2,500 USD = 500 lots.
const buy = (qtyLots: number, extra: Partial<OrderIntent> = {}): OrderIntent => ({
  venue: 'binanceus',
  symbol: 'BTC/USDT',
  side: 'buy',
  qtyLots,
  lotSize: 0.0001,
  price: 50_000,
  ...extra,
});
const ctx = (positions: [string, number][] = [], equity = 10_000, tsUs = 0) => ({
  tsUs,
  equity,
  positions: new Map(positions),
});

describe('RiskEngine: max position (25 % of equity)', () => {
  it('accepts exactly the cap and resizes one lot above it', () => {
    const r = new RiskEngine();
    expect(r.evaluate(buy(500), ctx()).action).toBe('accepted');
    const d = r.evaluate(buy(501), ctx());
    expect(d.action).toBe('resized');
    expect(d.qtyLots).toBe(500);
    expect(d.decidedBy).toBe('max_position');
    expect(d.reason).toMatch(/501 → 500/);
  });
  it('counts the existing position in the same direction', () => {
    const r = new RiskEngine();
    const d = r.evaluate(buy(200), ctx([[positionKey('binanceus', 'BTC/USDT'), 0.04]])); // 0.04 BTC = 2,000 USD held
    expect(d.qtyLots).toBe(100);
  });
  it('rejects when the position is already at the cap', () => {
    const r = new RiskEngine();
    const d = r.evaluate(buy(1), ctx([[positionKey('binanceus', 'BTC/USDT'), 0.05]]));
    expect(d.action).toBe('rejected');
    expect(d.decidedBy).toBe('max_position');
  });
  it('always lets a position be reduced', () => {
    const r = new RiskEngine();
    const d = r.evaluate(buy(500, { side: 'sell' }), ctx([[positionKey('binanceus', 'BTC/USDT'), 0.05]]));
    expect(d.action).toBe('accepted');
  });
});

describe('RiskEngine: Kelly', () => {
  it('caps the position at 0.25 × edge / variance of equity', () => {
    const r = new RiskEngine();
    // full Kelly = 0.0004 / 0.004 = 0.1 → quarter Kelly 2.5 % = 250 USD = 50 lots
    const d = r.evaluate(buy(100, { kelly: { edge: 0.0004, variance: 0.004 } }), ctx());
    expect(d.qtyLots).toBe(50);
    expect(d.decidedBy).toBe('kelly');
    expect(r.evaluate(buy(50, { kelly: { edge: 0.0004, variance: 0.004 } }), ctx()).action).toBe('accepted');
  });
  it('counts funding cost and rejects a trade whose edge it consumes', () => {
    const r = new RiskEngine();
    const d = r.evaluate(
      buy(10, { kelly: { edge: 0.0004, variance: 0.004, costs: 0.0002, fundingCost: 0.0002 } }),
      ctx(),
    );
    expect(d.action).toBe('rejected');
    expect(d.decidedBy).toBe('kelly');
  });
});

describe('RiskEngine: emergency stop at 25 % drawdown', () => {
  it('refuses new exposure once tripped, allows reductions, and needs an explicit reset', () => {
    const r = new RiskEngine();
    r.updateEquity(10_000, 0);
    r.updateEquity(7_500.01, 1);
    expect(r.evaluate(buy(1), ctx([], 7_500.01)).action).toBe('accepted');
    expect(r.updateEquity(7_500, 2).trippedNow).toBe(true);
    const d = r.evaluate(buy(1), ctx([], 7_500));
    expect(d.action).toBe('rejected');
    expect(d.decidedBy).toBe('emergency_stop');
    expect(
      r.evaluate(buy(1, { side: 'sell' }), ctx([[positionKey('binanceus', 'BTC/USDT'), 0.01]], 7_500)).action,
    ).toBe('accepted');
    r.updateEquity(9_000, 3);
    expect(r.evaluate(buy(1), ctx([], 9_000)).action).toBe('rejected');
    r.resetEmergencyStop(9_000);
    expect(r.evaluate(buy(1), ctx([], 9_000)).action).toBe('accepted');
  });
});

describe('RiskEngine: correlation', () => {
  function correlated(sign: 1 | -1): RiskEngine {
    const r = new RiskEngine(resolveRiskLimits({ correlationWindow: 20 }));
    let a = 50_000;
    let b = 3_000;
    for (let i = 0; i < 60; i++) {
      const step = i % 3 === 0 ? 1.001 : i % 3 === 1 ? 0.9995 : 1.0002;
      a *= step;
      b *= sign > 0 ? step : 1 / step;
      r.observeMid('binanceus', 'BTC/USDT', a, i * S + 1);
      r.observeMid('binanceus', 'ETH/USDT', b, i * S + 2);
    }
    return r;
  }
  it('reduces new exposure that concentrates a correlated holding', () => {
    const r = correlated(1);
    const rho = r.correlation(positionKey('binanceus', 'BTC/USDT'), positionKey('binanceus', 'ETH/USDT'));
    expect(rho).toBeGreaterThan(0.99);
    const d = r.evaluate(buy(100), ctx([[positionKey('binanceus', 'ETH/USDT'), 0.2]], 10_000, 61 * S));
    expect(d.action === 'resized' || d.action === 'rejected').toBe(true);
    expect(d.decidedBy).toBe('correlation');
    expect(d.qtyLots).toBeLessThan(5);
  });
  it('does not reduce a hedge (opposite exposure to a positively correlated holding)', () => {
    const r = correlated(1);
    const d = r.evaluate(
      buy(100, { side: 'sell' }),
      ctx([[positionKey('binanceus', 'ETH/USDT'), 0.2]], 10_000, 61 * S),
    );
    expect(d.action).toBe('accepted');
  });
});

describe('RiskEngine: circuit breakers and regimes', () => {
  it('rejects on a halted venue naming the breaker', () => {
    const r = new RiskEngine();
    r.breakers.onDisconnected('binanceus', 0, 'socket closed');
    const d = r.evaluate(buy(1), ctx([], 10_000, 1));
    expect(d.action).toBe('rejected');
    expect(d.reason).toMatch(/venue_disconnected halts binanceus: socket closed/);
  });
  it('an extreme volatility regime allows no new exposure', () => {
    const r = new RiskEngine(resolveRiskLimits(), 1_000_000, 5);
    let mid = 50_000;
    for (let i = 0; i < 80; i++) {
      mid *= i % 2 ? 1.0001 : 0.9999;
      r.observeMid('binanceus', 'BTC/USDT', mid, i * S);
    }
    for (let i = 80; i < 86; i++) {
      mid *= i % 2 ? 1.03 : 0.97;
      r.observeMid('binanceus', 'BTC/USDT', mid, i * S);
    }
    expect(r.regime('binanceus', 'BTC/USDT')).toBe('extreme');
    const d = r.evaluate(buy(1), ctx([], 10_000, 86 * S));
    expect(d.decidedBy).toBe('vol_regime');
  });
});

describe('resolveRiskLimits', () => {
  it('names the key and the allowed range', () => {
    expect(() => resolveRiskLimits({ kellyFraction: 1 })).toThrow(RiskLimitError);
    expect(() => resolveRiskLimits({ kellyFraction: 1 })).toThrow(
      'risk limit kellyFraction = 1 is out of range (0, 0.5]',
    );
    expect(() => resolveRiskLimits({ maxDrawdown: 0 })).toThrow(/maxDrawdown/);
    expect(resolveRiskLimits({ kellyFraction: 0.5 }).kellyFraction).toBe(0.5);
  });
});

describe('riskLimitsFromConfig', () => {
  it('maps config/risk_limits.yaml onto the engine limits, ms to µs', async () => {
    const { loadConfig } = await import('@tickerml/core');
    const { riskLimitsFromConfig } = await import('./limits.js');
    const cfg = loadConfig(new URL('../../../config/', import.meta.url).pathname);
    const limits = riskLimitsFromConfig(cfg.risk);
    expect(limits.kellyFraction).toBe(0.25);
    expect(limits.maxPositionFraction).toBe(0.25);
    expect(limits.maxDrawdown).toBe(0.25);
    expect(limits.correlationThreshold).toBe(0.7);
    expect(limits.breakers.staleFeedUs).toBe(5_000_000);
    expect(limits.breakers.cooldownUs).toBe(30_000_000);
    expect(limits.volRegimeScale.extreme).toBe(0);
  });
});
