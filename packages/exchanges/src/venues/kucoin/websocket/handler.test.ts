import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../../../common/decimal.js';
import { replayDirect } from '../../../contract/direct.js';
import { openRecording } from '../../../readers/open.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { KucoinHandler } from './handler.js';

const FIXTURE = new URL('../../../../test/fixtures/kucoin/cryptofeed_KUCOIN.jsonl.gz', import.meta.url).pathname;

/** Grids from the recorded `/api/v1/symbols` response (price and base increments). */
async function load(): Promise<{ frames: RawFrame[]; grids: DecimalGrid[] }> {
  const frames: RawFrame[] = [];
  let grids: DecimalGrid[] = [];
  for await (const f of (await openRecording(FIXTURE)).frames()) {
    frames.push(f);
    if (f.kind === 'http' && f.url?.endsWith('/api/v1/symbols')) {
      const wanted = new Set([
        'BCHSV-USDT',
        'SNX-BTC',
        'ANKR-BTC',
        'LTX-USDT',
        'EQZ-BTC',
        'NRG-BTC',
        'CAPP-BTC',
        'FET-BTC',
        'DAPPT-BTC',
        'COV-BTC',
      ]);
      grids = JSON.parse(f.data)
        .data.filter((s: { symbol: string }) => wanted.has(s.symbol))
        .map(
          (s: { symbol: string; priceIncrement: string }) =>
            new DecimalGrid(s.symbol.replace('-', '/'), s.priceIncrement, LOTS[s.symbol] ?? '0.00000001'),
        );
    }
  }
  // The recorder wrote the REST snapshots before the socket frames; replay them where their timestamps put them.
  frames.sort((a, b) => a.localTs - b.localTs);
  return { frames, grids };
}

/**
 * Book quantities can be finer than the order lot size (BCHSV-USDT shows 11 decimals against a
 * baseIncrement of 1e-8), so the market-data grid is the finest increment seen in the data.
 */
const LOTS: Record<string, string> = { 'BCHSV-USDT': '0.00000000001', 'ANKR-BTC': '0.0001', 'EQZ-BTC': '0.0001' };

const snapshotSymbol = (url: string) => /level2(?:_100)?\?symbol=([A-Z0-9-]+)/.exec(url)?.[1];

describe('KucoinHandler on the real recording', () => {
  it('syncs every book from its REST snapshot with contiguous sequences', async () => {
    const { frames, grids } = await load();
    expect(grids.length).toBe(10);
    const warnings: Record<string, unknown>[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (f: Record<string, unknown>) => warnings.push(f) };
    const { handler, events } = await replayDirect(
      frames,
      (hooks) => new KucoinHandler({ instruments: grids, hooks: { ...hooks, logger } }),
      snapshotSymbol,
    );
    // CAPP-BTC quotes 452,338,153.08 beside 8-decimal sizes: no safe-integer lot grid holds both, so its
    // snapshot is refused as malformed (with the reason logged) and the book stays unsynced instead of wrong.
    const capp = handler.stats().get('CAPP/BTC')!;
    expect(capp.malformed).toBeGreaterThan(0);
    expect(handler.book('CAPP/BTC')).toBeUndefined();
    expect(String(warnings[0]?.reason)).toContain('not on lot grid');
    let synced = 0;
    let deltas = 0;
    for (const [sym, s] of handler.stats()) {
      if (sym === '*' || sym === 'CAPP/BTC') continue;
      expect(s.gaps, sym).toBe(0);
      expect(s.malformed, sym).toBe(0);
      if (s.snapshots > 0) synced++;
      deltas += s.deltas;
    }
    expect(synced).toBe(8); // 9 REST snapshots were recorded, CAPP-BTC's is refused
    expect(deltas).toBeGreaterThan(1000);
    const bchsv = handler.book('BCHSV/USDT')!;
    expect(bchsv.bestBidTicks()).toBeLessThan(bchsv.bestAskTicks());
    const match = events.find((e) => e.kind === 'trade' && e.symbol === 'DAPPT/BTC');
    expect(match).toMatchObject({ aggressor: 'buy', priceTicks: 1117, exchTs: 1619378327739050 });
  });

  it('holds the same books whatever the width of their tick windows', async () => {
    const { frames, grids } = await load();
    const books = async (bookHalfWidthTicks?: number) => {
      const { handler } = await replayDirect(
        frames,
        (hooks) =>
          new KucoinHandler({
            instruments: grids,
            hooks,
            ...(bookHalfWidthTicks === undefined ? {} : { bookHalfWidthTicks }),
          }),
        snapshotSymbol,
      );
      return grids.map((g) => handler.book(g.symbol)?.toJSON());
    };
    const usual = await books();
    expect(usual.filter((b) => b !== undefined)).toHaveLength(8);
    // 8 ticks: nearly every level lives in the sorted fallback; 2^20: every one in the window.
    expect(await books(8)).toEqual(usual);
    expect(await books(2 ** 20)).toEqual(usual);
  });
});

describe('KucoinHandler with an l2update overlapping the book', () => {
  it('applies only the changes newer than the last applied sequence', () => {
    const deltas: { bids: readonly { priceTicks: number }[]; asks: readonly { priceTicks: number }[] }[] = [];
    const h = new KucoinHandler({
      instruments: [new DecimalGrid('BTC/USDT', '0.1', '0.00000001')],
      hooks: { emit: (e) => (e.kind === 'book_delta' ? deltas.push(e) : undefined), requestSnapshot: () => {} },
    });
    h.onRestSnapshot(
      'BTC-USDT',
      '{"code":"200000","data":{"time":1,"sequence":"100","bids":[["10.0","1"]],"asks":[["11.0","1"]]}}',
      1,
    );
    const frame = (start: number, end: number, asks: string) =>
      `{"data":{"sequenceStart":${start},"symbol":"BTC-USDT","changes":{"asks":${asks},"bids":[]},"sequenceEnd":${end}},"subject":"trade.l2update","topic":"/market/level2:BTC-USDT","type":"message"}`;
    h.onFrame(frame(101, 101, '[["11.0","2","101"]]'), 2);
    // 101 is already applied: only the change stamped 102 may touch the book
    h.onFrame(frame(101, 102, '[["11.0","9","101"],["11.5","3","102"]]'), 3);
    expect(h.book('BTC/USDT')?.toJSON().asks).toEqual([
      [110, 200000000],
      [115, 300000000],
    ]);
    expect(deltas.at(-1)?.asks.map((l) => l.priceTicks)).toEqual([115]);
    expect(h.stats().get('BTC/USDT')?.gaps).toBe(0);
  });
});
