import type { MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { SequenceTracker } from './dedupe.js';

const delta = (seq: number | undefined, symbol = 'BTC/USDT'): MarketEvent => ({
  kind: 'book_delta',
  venue: 'binanceus',
  symbol,
  exchTs: 1,
  localTs: 1,
  ...(seq === undefined ? {} : { seq }),
  bids: [],
  asks: [],
});
const connected = (localTs: number): MarketEvent => ({
  kind: 'connected',
  venue: 'binanceus',
  symbol: 'BTC/USDT',
  exchTs: localTs,
  localTs,
});

/** Applies what is not a duplicate; returns the sequences applied. */
function run(tracker: SequenceTracker, events: MarketEvent[]): (number | string)[] {
  const applied: (number | string)[] = [];
  for (const e of events) {
    if (tracker.isDuplicate(e)) continue;
    tracker.record(e);
    applied.push(e.kind === 'connected' ? `c${e.localTs}` : (e.seq ?? 'none'));
  }
  return applied;
}

describe('SequenceTracker', () => {
  it('applies each venue sequence once, whatever is redelivered', () => {
    const tracker = new SequenceTracker();
    expect(run(tracker, [delta(1), delta(2), delta(3), delta(2), delta(3), delta(4), delta(1)])).toEqual([1, 2, 3, 4]);
    expect(tracker.highestSeq('binanceus', 'BTC/USDT', 'book_delta')).toBe(4);
  });

  it('keeps instruments and kinds apart', () => {
    const tracker = new SequenceTracker();
    run(tracker, [delta(10)]);
    expect(tracker.isDuplicate(delta(5, 'ETH/USDT'))).toBe(false);
    expect(tracker.isDuplicate({ ...delta(5), kind: 'book_snapshot' } as MarketEvent)).toBe(false);
    expect(tracker.isDuplicate(delta(5))).toBe(true);
  });

  it('never drops an event without a sequence', () => {
    const tracker = new SequenceTracker();
    expect(run(tracker, [delta(undefined), delta(undefined)])).toEqual(['none', 'none']);
  });

  it('starts over on a newer connection, but not on a redelivered one', () => {
    const tracker = new SequenceTracker();
    const applied = run(tracker, [
      connected(100),
      delta(1),
      delta(2),
      connected(200), // venue sequence restarts with the connection
      delta(1),
      connected(200), // redelivered: not a new connection
      delta(1),
      delta(2),
    ]);
    expect(applied).toEqual(['c100', 1, 2, 'c200', 1, 2]);
  });

  it('carries its state across a restart through a snapshot (JSON round trip)', () => {
    const before = new SequenceTracker();
    run(before, [connected(100), delta(1), delta(2), delta(3)]);
    const restored = SequenceTracker.restore(JSON.parse(JSON.stringify(before.snapshot())));
    // What the predecessor applied is skipped; what is new is applied; the connection is known.
    expect(run(restored, [delta(2), delta(3), connected(100), delta(4)])).toEqual([4]);
    expect(restored.snapshot()).toEqual({
      binanceus: { 'BTC/USDT': { connectedLocalTs: 100, highestSeq: { book_delta: 4 } } },
    });
  });

  it('refuses a snapshot it cannot trust, naming the entry', () => {
    expect(() =>
      SequenceTracker.restore({ kraken: { 'BTC/USD': { connectedLocalTs: null, highestSeq: { trade: 1.5 } } } }),
    ).toThrow('sequence snapshot kraken/BTC/USD: seq of trade must be a safe integer');
  });
});
