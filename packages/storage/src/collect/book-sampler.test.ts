import type { BookDelta, BookSnapshot, MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { BookSampler } from './book-sampler.js';
import { CollectOptionError } from './errors.js';

const S = 1_000_000;
const head = (localTs: number, seq?: number) => ({
  venue: 'binance',
  symbol: 'BTC/USDT',
  exchTs: localTs - 5,
  localTs,
  ...(seq === undefined ? {} : { seq }),
});
const snapshot = (
  localTs: number,
  bids: [number, number][],
  asks: [number, number][],
  depth?: number,
): BookSnapshot => ({
  kind: 'book_snapshot',
  ...head(localTs, 1),
  bids: bids.map(([priceTicks, qtyLots]) => ({ priceTicks, qtyLots })),
  asks: asks.map(([priceTicks, qtyLots]) => ({ priceTicks, qtyLots })),
  ...(depth === undefined ? {} : { depth }),
});
const delta = (localTs: number, seq: number, bids: [number, number][], asks: [number, number][] = []): BookDelta => ({
  kind: 'book_delta',
  ...head(localTs, seq),
  bids: bids.map(([priceTicks, qtyLots]) => ({ priceTicks, qtyLots })),
  asks: asks.map(([priceTicks, qtyLots]) => ({ priceTicks, qtyLots })),
});

function make(levels = 2) {
  const samples: BookSnapshot[] = [];
  return { samples, sampler: new BookSampler({ intervalUs: S, levels, onSample: (s) => samples.push(s) }) };
}

describe('BookSampler', () => {
  it('samples the first book event of each interval, after applying it, with its own stamps', () => {
    const { samples, sampler } = make();
    sampler.onEvent(
      snapshot(
        10 * S + 100,
        [
          [100, 1],
          [99, 2],
          [98, 3],
        ],
        [
          [101, 4],
          [102, 5],
        ],
      ),
    );
    sampler.onEvent(delta(10 * S + 200, 2, [[100, 7]])); // same interval: no sample
    sampler.onEvent(delta(11 * S - 1, 3, [[100, 8]])); // still interval 10
    sampler.onEvent(delta(11 * S, 4, [[100, 0]], [[101, 6]])); // interval 11 starts exactly here
    expect(samples.map((s) => [s.localTs, s.seq])).toEqual([
      [10 * S + 100, 1],
      [11 * S, 4],
    ]);
    const first = samples[0] as BookSnapshot;
    expect(first.exchTs).toBe(10 * S + 95);
    expect(first.bids).toEqual([
      { priceTicks: 100, qtyLots: 1 },
      { priceTicks: 99, qtyLots: 2 },
    ]);
    expect(first.depth).toBe(2);
    // The second sample is the book after the delta that triggered it: 100 deleted, 101 changed.
    const second = samples[1] as BookSnapshot;
    expect(second.bids).toEqual([
      { priceTicks: 99, qtyLots: 2 },
      { priceTicks: 98, qtyLots: 3 },
    ]);
    expect(second.asks[0]).toEqual({ priceTicks: 101, qtyLots: 6 });
  });

  it('gives a quiet interval no sample and skips ahead after a silence', () => {
    const { samples, sampler } = make();
    sampler.onEvent(snapshot(1 * S, [[100, 1]], [[101, 1]]));
    sampler.onEvent(delta(7 * S + 3, 2, [[100, 2]]));
    sampler.onEvent(delta(7 * S + 4, 3, [[100, 3]]));
    expect(samples.map((s) => s.localTs)).toEqual([1 * S, 7 * S + 3]);
  });

  it('keeps books apart by venue and symbol', () => {
    const { samples, sampler } = make();
    sampler.onEvent(snapshot(S, [[100, 1]], [[101, 1]]));
    sampler.onEvent({ ...snapshot(S + 1, [[200, 1]], [[201, 1]]), symbol: 'ETH/USDT' });
    sampler.onEvent({ ...snapshot(S + 2, [[300, 1]], [[301, 1]]), venue: 'kraken' });
    expect(samples.map((s) => `${s.venue} ${s.symbol} ${s.bids[0]?.priceTicks}`)).toEqual([
      'binance BTC/USDT 100',
      'binance ETH/USDT 200',
      'kraken BTC/USDT 300',
    ]);
  });

  it('ignores deltas before the first snapshot and after a disconnect or gap until the next snapshot', () => {
    const { samples, sampler } = make();
    sampler.onEvent(delta(S, 1, [[100, 1]]));
    expect(samples).toHaveLength(0);
    sampler.onEvent(snapshot(2 * S, [[100, 1]], [[101, 1]]));
    sampler.onEvent({ kind: 'gap_detected', ...head(3 * S), reason: 'seq jump' } as MarketEvent);
    sampler.onEvent(delta(3 * S + 1, 5, [[100, 9]]));
    sampler.onEvent({ kind: 'disconnected', ...head(4 * S), reason: 'closed' } as MarketEvent);
    sampler.onEvent(delta(4 * S + 1, 6, [[100, 9]]));
    expect(samples.map((s) => s.localTs)).toEqual([2 * S]);
    sampler.onEvent(snapshot(5 * S, [[90, 1]], [[91, 1]]));
    expect(samples.map((s) => s.bids[0]?.priceTicks)).toEqual([100, 90]);
  });

  it("bounds a book to its snapshot's depth (Kraken sends no deletes beyond it)", () => {
    const { samples, sampler } = make(5);
    sampler.onEvent(
      snapshot(
        S,
        [
          [100, 1],
          [99, 1],
        ],
        [
          [103, 1],
          [104, 1],
        ],
        2,
      ),
    );
    // A better bid pushes 99 out of the 2-level book; deleting it again leaves one level, not 99 back.
    sampler.onEvent(delta(2 * S, 2, [[102, 1]]));
    sampler.onEvent(delta(3 * S, 3, [[102, 0]]));
    expect(samples.map((s) => s.bids.map((l) => l.priceTicks))).toEqual([[100, 99], [102, 100], [100]]);
  });

  it('refuses a cadence or level count that is not a positive integer', () => {
    expect(() => new BookSampler({ intervalUs: 0, levels: 1, onSample: () => {} })).toThrow(CollectOptionError);
    expect(() => new BookSampler({ intervalUs: 1.5, levels: 1, onSample: () => {} })).toThrow(/intervalUs/);
    expect(() => new BookSampler({ intervalUs: S, levels: 0, onSample: () => {} })).toThrow(/levels/);
  });
});
