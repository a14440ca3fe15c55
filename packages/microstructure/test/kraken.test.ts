import { describe, expect, it } from 'vitest';
import { KrakenChecksum } from '../src/checksum.js';
import { L2Book } from '../src/l2-book.js';
import { SortedL2Book } from '../src/sorted-l2-book.js';
import { readKrakenBook } from './recordings.js';

// Real Kraken spot v2 `book` frames: after every snapshot and update the book (truncated to the
// subscription depth) must reproduce the checksum the venue sent with that frame.
describe.each([
  ['kraken/crossbook_kraken_btcusd_sample.cbcap', 25, 2052],
  ['kraken/crossbook_kraken_btcusd_l2.cbcap', 10, 301],
])('Kraken recording %s (depth %i)', (file, depth, frameCount) => {
  const frames = readKrakenBook(file);

  it('holds the expected number of book frames', () => {
    expect(frames.length).toBe(frameCount);
  });

  for (const [name, make] of [
    ['SortedL2Book', () => new SortedL2Book({ maxDepth: depth })],
    ['L2Book', () => new L2Book({ maxDepth: depth, roiHalfWidthTicks: 4096 })],
  ] as const) {
    it(`${name}: every checksum matches and the book never crosses`, () => {
      const book = make();
      const checksum = new KrakenChecksum();
      const mismatches: number[] = [];
      for (const [i, frame] of frames.entries()) {
        const state = frame.type === 'snapshot' ? book.applySnapshot(frame.bids, frame.asks) : book.applyDelta(frame);
        expect(state).toBe('ok');
        if (checksum.compute(book) !== frame.checksum) mismatches.push(i);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('detects a single corrupted level through the checksum', () => {
    const book = new SortedL2Book({ maxDepth: depth });
    const checksum = new KrakenChecksum();
    const first = frames[0];
    if (!first) throw new Error('no frames');
    book.applySnapshot(first.bids, first.asks);
    book.applyLevel('ask', book.bestAsk(), book.bestAskQty() + 1);
    expect(checksum.compute(book)).not.toBe(first.checksum);
  });
});
