import { describe, expect, it } from 'vitest';
import { DrawdownGuard } from './drawdown.js';

describe('DrawdownGuard', () => {
  it('does not trip just above the limit and trips exactly at it', () => {
    const g = new DrawdownGuard(0.25);
    g.update(10_000, 0);
    expect(g.update(7_500.01, 1).tripped).toBe(false);
    const s = g.update(7_500, 2);
    expect(s.tripped).toBe(true);
    expect(s.trippedNow).toBe(true);
    expect(g.trippedAtUs).toBe(2);
    expect(g.update(7_000, 3).trippedNow).toBe(false);
  });
  it('measures from the running peak, not the start', () => {
    const g = new DrawdownGuard(0.25);
    g.update(10_000, 0);
    g.update(12_000, 1);
    expect(g.update(9_000.01, 2).tripped).toBe(false);
    expect(g.update(9_000, 3).tripped).toBe(true);
  });
  it('stays tripped when equity recovers, until reset', () => {
    const g = new DrawdownGuard(0.25);
    g.update(10_000, 0);
    g.update(7_000, 1);
    expect(g.update(11_000, 2).tripped).toBe(true);
    g.reset(11_000);
    expect(g.tripped).toBe(false);
    expect(g.update(10_000, 3).tripped).toBe(false);
  });
});
