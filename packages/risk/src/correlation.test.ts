import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { correlationScale, pearson, RollingCorrelation } from './correlation.js';

describe('RollingCorrelation', () => {
  it('equals the batch Pearson correlation of the last window pairs', () => {
    fc.assert(
      fc.property(
        // Returns in whole 0.1 bp steps: realistic magnitudes, no denormals.
        fc.array(
          fc.tuple(
            fc.integer({ min: -500, max: 500 }).map((v) => v / 1e5),
            fc.integer({ min: -500, max: 500 }).map((v) => v / 1e5),
          ),
          {
            minLength: 3,
            maxLength: 300,
          },
        ),
        fc.integer({ min: 3, max: 50 }),
        (pairs, window) => {
          const c = new RollingCorrelation(window);
          for (const [x, y] of pairs) c.push(x, y);
          const tail = pairs.slice(-window);
          const expected = pearson(
            tail.map((p) => p[0]),
            tail.map((p) => p[1]),
          );
          const got = c.value();
          if (Number.isNaN(expected)) return true; // constant series: undefined either way
          return Math.abs(got - expected) < 1e-6 || (Number.isNaN(got) && Math.abs(expected) < 1e-6);
        },
      ),
    );
  });
  it('is 1 for identical series and -1 for opposite ones', () => {
    const a = new RollingCorrelation(10);
    const b = new RollingCorrelation(10);
    for (let i = 0; i < 20; i++) {
      const x = Math.sin(i);
      a.push(x, 2 * x);
      b.push(x, -x);
    }
    expect(a.value()).toBeCloseTo(1, 12);
    expect(b.value()).toBeCloseTo(-1, 12);
  });
});

describe('correlationScale', () => {
  it('leaves size alone at and below the threshold and shrinks it linearly above', () => {
    expect(correlationScale(0.7, 0.7)).toBe(1);
    expect(correlationScale(-0.69, 0.7)).toBe(1);
    expect(correlationScale(0.85, 0.7)).toBeCloseTo(0.5, 12);
    expect(correlationScale(1, 0.7)).toBe(0);
    expect(correlationScale(Number.NaN, 0.7)).toBe(1);
  });
});
