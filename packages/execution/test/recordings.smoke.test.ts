import { describe, expect, it } from 'vitest';
import { binanceSampleEvents } from './recordings.js';

describe('binance sample as events', () => {
  it('has one snapshot, the deltas after it and every trade, in localTs order', () => {
    const ev = binanceSampleEvents();
    const kinds = new Map<string, number>();
    for (const e of ev) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    expect(kinds.get('book_snapshot')).toBe(1);
    expect(kinds.get('trade')).toBe(9757);
    expect(kinds.get('book_delta')).toBeGreaterThan(3400);
    for (let i = 1; i < ev.length; i++)
      expect((ev[i] as { localTs: number }).localTs).toBeGreaterThanOrEqual((ev[i - 1] as { localTs: number }).localTs);
  });
});
