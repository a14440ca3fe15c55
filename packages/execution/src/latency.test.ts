import { describe, expect, it } from 'vitest';
import { constantLatency, InvalidLatencyConfigError, interpolatedLatency, rangeLatency } from './latency.js';

describe('latency models', () => {
  it('constant', () => {
    const m = constantLatency(50_000, 30_000);
    expect([m.entryUs(0), m.responseUs(123)]).toEqual([50_000, 30_000]);
    expect(() => constantLatency(-1)).toThrow(InvalidLatencyConfigError);
    expect(() => constantLatency(1.5)).toThrow(/non-negative integer/);
  });

  it('seeded range: whole µs within [min, max], the same sequence for the same seed, another for another seed', () => {
    const draw = (seed: number | string) => {
      const m = rangeLatency({ minMs: 50, maxMs: 100, seed });
      return Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? m.entryUs(i) : m.responseUs(i)));
    };
    const a = draw('42:binance');
    expect(draw('42:binance')).toEqual(a);
    expect(draw('42:coinbase')).not.toEqual(a);
    for (const v of a) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(50_000);
      expect(v).toBeLessThanOrEqual(100_000);
    }
    expect(Math.max(...a) - Math.min(...a)).toBeGreaterThan(40_000);
    expect(() => rangeLatency({ minMs: 100, maxMs: 50, seed: 1 })).toThrow(/0 ≤ minMs ≤ maxMs/);
  });

  it('interpolated from recorded round trips (hand-computed)', () => {
    const m = interpolatedLatency([
      { requestUs: 0, exchangeUs: 40_000, responseUs: 90_000 }, // entry 40 ms, response 50 ms
      { requestUs: 1_000_000, exchangeUs: 1_060_000, responseUs: 1_130_000 }, // entry 60 ms, response 70 ms
    ]);
    expect(m.entryUs(500_000)).toBe(50_000);
    expect(m.entryUs(250_000)).toBe(45_000);
    expect(m.entryUs(-5)).toBe(40_000); // flat before the first sample
    expect(m.entryUs(9_000_000)).toBe(60_000); // and after the last
    // response is interpolated on the exchange timestamps: halfway between 40_000 and 1_060_000
    expect(m.responseUs(550_000)).toBe(60_000);
    expect(() => interpolatedLatency([])).toThrow(/at least one/);
    expect(() => interpolatedLatency([{ requestUs: 10, exchangeUs: 5, responseUs: 20 }])).toThrow(/negative leg/);
  });
});
