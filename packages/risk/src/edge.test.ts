import { describe, expect, it } from 'vitest';
import { EdgeEstimator } from './edge.js';

describe('EdgeEstimator', () => {
  it('gives no estimate below minTrades, then the prior-shrunk mean and variance', () => {
    const e = new EdgeEstimator({ priorEdge: 0, priorVariance: 1e-4, priorWeight: 10, minTrades: 4 });
    for (const r of [0.01, -0.004, 0.006]) e.addReturn(r);
    expect(e.estimate()).toBeUndefined();
    e.addReturn(0.004);
    // n = 4, mean 0.004, Σ(r − m)² = 3.6e-5 + 6.4e-5 + 4e-6 + 0 = 1.04e-4.
    const est = e.estimate();
    expect(est?.trades).toBe(4);
    expect(est?.edge).toBeCloseTo((10 * 0 + 4 * 0.004) / 14, 15);
    expect(est?.variance).toBeCloseTo((10 * 1e-4 + 1.04e-4) / 13, 15);
  });

  it('measures a closing fill against the average entry, net of twice its fee rate; a flip opens the rest', () => {
    const e = new EdgeEstimator({ minTrades: 2 });
    expect(e.onFill('k', 'buy', 2, 1000, 0)).toBeUndefined();
    expect(e.onFill('k', 'buy', 2, 1100, 0)).toBeUndefined(); // average 1050
    expect(e.onFill('k', 'sell', 1, 1155, 0.001)).toBeCloseTo(0.1 - 0.002, 12);
    // Sells 5 against the 3 held: closes 3 at 945 (−10 %), opens a short of 2 at 945.
    expect(e.onFill('k', 'sell', 5, 945, 0)).toBeCloseTo(-0.1, 12);
    expect(e.onFill('k', 'buy', 2, 850.5, 0)).toBeCloseTo(0.1, 12); // the short gained 10 %
    expect(e.trades).toBe(3);
  });

  it('keeps only the last `window` returns and refuses bad options', () => {
    const e = new EdgeEstimator({ minTrades: 2, window: 3, priorWeight: 0 });
    for (const r of [1, 1, 0.1, 0.2, 0.3]) e.addReturn(r);
    expect(e.estimate()?.edge).toBeCloseTo(0.2, 12);
    expect(() => new EdgeEstimator({ minTrades: 1 })).toThrow(/minTrades/);
    expect(() => new EdgeEstimator({ priorVariance: 0 })).toThrow(/priorVariance/);
    expect(() => new EdgeEstimator({ minTrades: 50, window: 10 })).toThrow(/window/);
  });
});
