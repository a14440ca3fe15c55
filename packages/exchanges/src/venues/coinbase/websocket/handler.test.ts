import type { Level, MarketEvent } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../../../common/decimal.js';
import { replayDirect } from '../../../contract/direct.js';
import { openRecording } from '../../../readers/open.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { CoinbaseHandler } from './handler.js';

const FIXTURE = new URL('../../../../test/fixtures/coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz', import.meta.url)
  .pathname;
const grids = () => [
  new DecimalGrid('BTC/USD', '0.01', '0.00000001'),
  new DecimalGrid('ETH/USD', '0.01', '0.00000001'),
];

async function frames(): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for await (const f of (await openRecording(FIXTURE)).frames()) out.push(f);
  return out;
}

describe('CoinbaseHandler on the real Advanced Trade recording', () => {
  it('builds both books with no gap and normalizes the maker side', async () => {
    const all = await frames();
    const { events, handler, snapshotRequests } = await replayDirect(
      all,
      (hooks) => new CoinbaseHandler({ instruments: grids(), hooks }),
      () => undefined,
    );
    expect(snapshotRequests).toEqual([]);
    for (const sym of ['BTC/USD', 'ETH/USD']) {
      const s = handler.stats().get(sym)!;
      expect(s.snapshots).toBe(1);
      expect(s.gaps).toBe(0);
      expect(s.malformed).toBe(0);
      const book = handler.book(sym)!;
      expect(book.bestBidTicks()).toBeLessThan(book.bestAskTicks());
    }
    const deltas = events.filter((e) => e.kind === 'book_delta').length;
    expect(deltas).toBe(773);
    const trade = events.find((e) => e.kind === 'trade' && e.tradeId === '1068572091');
    expect(trade).toMatchObject({ aggressor: 'buy', priceTicks: 6508367, qtyLots: 1034361 }); // maker SELL → taker buy
  });

  it('a dropped frame is a sequence gap that re-subscribes the books, a duplicate is skipped', async () => {
    const all = await frames();
    const recv = all
      .map((f, i) => [f, i] as const)
      .filter(([f]) => f.kind === 'recv' && f.data.includes('"l2_data"') && f.data.includes('"update"'));
    const dropAt = recv[100]![1];
    const dupAt = recv[50]![1];
    const faulty = all.filter((_, i) => i !== dropAt);
    faulty.splice(dupAt + 1, 0, all[dupAt]!);
    const { events, handler, snapshotRequests } = await replayDirect(
      faulty,
      (hooks) => new CoinbaseHandler({ instruments: grids(), hooks }),
      () => undefined,
    );
    expect(events.filter((e) => e.kind === 'gap_detected')).toHaveLength(2); // both books ride one connection here
    expect(snapshotRequests.map((r) => r.venueSymbol).sort()).toEqual(['BTC-USD', 'ETH-USD']);
    const dups = [...handler.stats().values()].reduce((n, s) => n + s.duplicates, 0);
    expect(dups).toBe(1);
    expect(handler.book('BTC/USD')).toBeUndefined();
  });
});

describe('CoinbaseHandler snapshot events', () => {
  const snapshotFrame = (updates: [string, string, string][]) =>
    JSON.stringify({
      channel: 'l2_data',
      timestamp: '2024-08-08T00:00:00Z',
      sequence_num: 0,
      events: [
        {
          type: 'snapshot',
          product_id: 'BTC-USD',
          updates: updates.map(([side, price_level, new_quantity]) => ({ side, price_level, new_quantity })),
        },
      ],
    });
  const emitted = (frame: string) => {
    const events: MarketEvent[] = [];
    const handler = new CoinbaseHandler({
      instruments: grids(),
      hooks: { emit: (e) => void events.push(e), requestSnapshot: () => {} },
    });
    handler.onFrame(frame, 1);
    const snapshot = events.find((e) => e.kind === 'book_snapshot');
    if (snapshot?.kind !== 'book_snapshot') throw new Error('expected a book_snapshot event');
    const levels = (xs: readonly Level[]) => xs.map((l): [number, number] => [l.priceTicks, l.qtyLots]);
    return { bids: levels(snapshot.bids), asks: levels(snapshot.asks), book: handler.book('BTC/USD')?.toJSON() };
  };

  it('carries the levels as sent when each side arrives best first', () => {
    const out = emitted(
      snapshotFrame([
        ['bid', '100.02', '1'],
        ['bid', '100.01', '2'],
        ['offer', '100.03', '3'],
        ['offer', '100.05', '4'],
      ]),
    );
    expect(out.bids).toEqual([
      [10002, 100000000],
      [10001, 200000000],
    ]);
    expect(out.asks).toEqual([
      [10003, 300000000],
      [10005, 400000000],
    ]);
    expect({ bids: out.bids, asks: out.asks }).toEqual(out.book);
  });

  it('carries the book as held when a side arrives out of order, repeats a price or holds a zero', () => {
    const out = emitted(
      snapshotFrame([
        ['bid', '100.01', '2'],
        ['bid', '100.02', '1'],
        ['bid', '100.00', '0'],
        ['offer', '100.05', '4'],
        ['offer', '100.03', '3'],
        ['offer', '100.05', '5'],
      ]),
    );
    expect(out.bids).toEqual([
      [10002, 100000000],
      [10001, 200000000],
    ]);
    expect(out.asks).toEqual([
      [10003, 300000000],
      [10005, 500000000],
    ]);
    expect({ bids: out.bids, asks: out.asks }).toEqual(out.book);
  });
});
