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
