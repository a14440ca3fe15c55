import { describe, expect, it } from 'vitest';
import { RiskEngine, resolveRiskLimits } from './index.js';

describe('the README example gives what the README says', () => {
  it('Kelly resizes 5,000 lots to 3,846: a quarter of a full Kelly of 1.0 is 2,500 USD, 0.03846 BTC at 65,000', () => {
    const tsUs = 1_700_000_000_000_000;
    const risk = new RiskEngine(resolveRiskLimits({ maxDrawdown: 0.2 }));
    risk.observeMid('binanceus', 'BTC/USDT', 65_000, tsUs);
    risk.breakers.onQuote('binanceus', 'BTC/USDT', 64_999.9, 65_000.1, tsUs);
    risk.updateEquity(10_000, tsUs);
    const decision = risk.evaluate(
      {
        venue: 'binanceus',
        symbol: 'BTC/USDT',
        side: 'buy',
        qtyLots: 5_000,
        lotSize: 0.00001,
        price: 65_000,
        kelly: { edge: 0.0006, variance: 0.0004, costs: 0.0002 },
      },
      { tsUs, equity: 10_000, positions: new Map() },
    );
    expect(decision.action).toBe('resized');
    expect(decision.reason).toBe('resized 5000 → 3846 lots by kelly');
  });
});
