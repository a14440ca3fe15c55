import { describe, expect, it } from 'vitest';
import { fundingCostFraction, kellyFraction } from './kelly.js';

describe('kellyFraction', () => {
  it('takes the configured fraction of edge / variance', () => {
    const r = kellyFraction({ edge: 0.002, variance: 0.0004, fraction: 0.25 });
    expect(r.fullKelly).toBeCloseTo(5, 12);
    expect(r.equityFraction).toBeCloseTo(1.25, 12);
  });
  it('subtracts costs and funding from the edge', () => {
    const r = kellyFraction({ edge: 0.002, variance: 0.0004, costs: 0.001, fundingCost: 0.0005, fraction: 0.25 });
    expect(r.netEdge).toBeCloseTo(0.0005, 15);
    expect(r.equityFraction).toBeCloseTo(0.3125, 12);
  });
  it('sizes zero when costs eat the edge exactly, and when they exceed it', () => {
    expect(kellyFraction({ edge: 0.001, variance: 0.0004, costs: 0.001, fraction: 0.25 }).equityFraction).toBe(0);
    expect(kellyFraction({ edge: 0.001, variance: 0.0004, costs: 0.0011, fraction: 0.25 }).equityFraction).toBe(0);
  });
  it('refuses full Kelly and anything above half Kelly, accepts exactly 0.5', () => {
    expect(() => kellyFraction({ edge: 0.002, variance: 0.0004, fraction: 1 })).toThrow(/never full Kelly/);
    expect(() => kellyFraction({ edge: 0.002, variance: 0.0004, fraction: 0.5000001 })).toThrow(RangeError);
    expect(() => kellyFraction({ edge: 0.002, variance: 0.0004, fraction: 0 })).toThrow(RangeError);
    expect(kellyFraction({ edge: 0.002, variance: 0.0004, fraction: 0.5 }).equityFraction).toBeCloseTo(2.5, 12);
  });
  it('rejects a non-positive variance', () => {
    expect(() => kellyFraction({ edge: 0.002, variance: 0, fraction: 0.25 })).toThrow(/variance/);
  });
});

describe('fundingCostFraction', () => {
  it('charges longs and pays shorts for a positive rate', () => {
    expect(fundingCostFraction(0.0001, 1, 24 * 3600e6, 8 * 3600e6)).toBeCloseTo(0.0003, 15);
    expect(fundingCostFraction(0.0001, -1, 24 * 3600e6, 8 * 3600e6)).toBeCloseTo(-0.0003, 15);
  });
});
