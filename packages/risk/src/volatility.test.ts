import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReturnStdDev, regimeOfPercentile, VolRegimeClassifier } from './volatility.js';

function std(xs: number[]): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

describe('ReturnStdDev', () => {
  it('equals the sample standard deviation of the last window returns', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -0.1, max: 0.1, noNaN: true }), { minLength: 2, maxLength: 200 }),
        fc.integer({ min: 2, max: 40 }),
        (rets, w) => {
          const v = new ReturnStdDev(w);
          for (const r of rets) v.push(r);
          return Math.abs(v.value() - std(rets.slice(-w))) < 1e-9;
        },
      ),
    );
  });
});

describe('volatility regimes', () => {
  it('maps percentile boundaries exactly', () => {
    const b = [25, 75, 95] as const;
    expect(regimeOfPercentile(24.999, b)).toBe('low');
    expect(regimeOfPercentile(25, b)).toBe('normal');
    expect(regimeOfPercentile(74.9, b)).toBe('normal');
    expect(regimeOfPercentile(75, b)).toBe('high');
    expect(regimeOfPercentile(95, b)).toBe('extreme');
  });
  it('classifies the latest value against its own history', () => {
    const c = new VolRegimeClassifier([25, 75, 95], 100, 30);
    for (let i = 1; i <= 99; i++) c.push(i);
    expect(c.regime()).toBe('extreme'); // 99 is above 98 % of the history
    c.push(1.5);
    expect(c.regime()).toBe('low');
    c.push(50);
    expect(c.regime()).toBe('normal');
  });
  it('says normal until it has enough history, and evicts old values', () => {
    const c = new VolRegimeClassifier([25, 75, 95], 40, 30);
    for (let i = 0; i < 29; i++) c.push(1000);
    expect(c.regime()).toBe('normal');
    for (let i = 1; i <= 40; i++) c.push(i); // the 1000s are all evicted
    expect(c.percentileOf(1000)).toBe(100);
    expect(c.percentileOf(1)).toBe(0);
  });
});
