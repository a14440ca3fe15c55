import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRecording } from '../readers/open.js';
import { loadFrames } from './load.js';
import {
  type BookVenue,
  GridInference,
  inferReplaySetup,
  replayIntoHandler,
  replayStreamIntoHandler,
} from './venues.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../test/fixtures/${p}`, import.meta.url));

const CASES: [BookVenue, string][] = [
  ['binance', 'binance/hftbacktest_spot_btcusdt_20240808.gz'],
  ['kraken', 'kraken/crossbook_kraken_btcusd_l2.cbcap'],
  ['coinbase', 'coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz'],
  // REST bodies written before the socket frames received earlier: the stream must reorder them.
  ['kucoin', 'kucoin/cryptofeed_KUCOIN.jsonl.gz'],
];

describe('direct replay of the real recordings', () => {
  it.each(CASES)(
    '%s: streaming in localTs order gives the same books and counters as a full sort',
    async (venue, path) => {
      const { frames } = await loadFrames(fixture(path));
      const setup = inferReplaySetup(venue, frames);
      const sorted = replayIntoHandler(setup, frames);
      const rec = await openRecording(fixture(path));
      const inference = new GridInference(venue);
      for await (const f of rec.frames()) inference.add(f);
      const streamedSetup = inference.setup();
      expect(streamedSetup.grids.map((g) => [g.symbol, g.tickSize, g.lotSize])).toEqual(
        setup.grids.map((g) => [g.symbol, g.tickSize, g.lotSize]),
      );
      const streamed = await replayStreamIntoHandler(streamedSetup, rec.frames());
      expect([...streamed.handler.stats()]).toEqual([...sorted.handler.stats()]);
      for (const g of setup.grids) {
        expect(streamed.handler.book(g.symbol)?.toJSON(), g.symbol).toEqual(sorted.handler.book(g.symbol)?.toJSON());
      }
      // Every recording here is consistent: no gap, no checksum mismatch.
      for (const [symbol, s] of sorted.handler.stats()) {
        expect(s.gaps, symbol).toBe(0);
        expect(s.checksumsMismatched, symbol).toBe(0);
      }
    },
  );

  it('infers the Binance BTCUSDT grid the venue uses (0.01), not the 1e-8 of its zero-padded text', async () => {
    const { frames } = await loadFrames(fixture('binance/hftbacktest_spot_btcusdt_20240808.gz'));
    const setup = inferReplaySetup('binance', frames);
    // The hftbacktest recording has no exchangeInfo: coarsest power of ten all prices sit on;
    // the lot is what the recorded sizes need (some book sizes have 6 decimals).
    expect(setup.grids.map((g) => [g.symbol, g.tickSize, g.lotSize])).toEqual([['BTC/USDT', '0.01', '0.000001']]);
    const replayed = replayIntoHandler(setup, frames);
    const s = replayed.handler.stats().get('BTC/USDT');
    expect(s?.malformed).toBe(0);
    expect(s?.gaps).toBe(0);
    expect(replayed.handler.book('BTC/USDT')).toBeDefined();
  });

  it('takes the Binance tick and lot from a recorded exchangeInfo, and refuses (never rounds) a price off that tick', () => {
    const info = {
      symbols: [
        {
          symbol: 'BTCUSDT',
          filters: [
            { filterType: 'PRICE_FILTER', minPrice: '0.01000000', tickSize: '0.10000000' },
            { filterType: 'LOT_SIZE', stepSize: '0.00001000' },
          ],
        },
      ],
    };
    const snap = { lastUpdateId: 10, bids: [['100.10000000', '1.00000000']], asks: [['100.20000000', '0.50000000']] };
    const frames = [
      { localTs: 1, kind: 'http', url: 'https://api.binance.us/api/v3/exchangeInfo', data: JSON.stringify(info) },
      {
        localTs: 2,
        kind: 'http',
        url: 'https://api.binance.us/api/v3/depth?symbol=BTCUSDT&limit=1000',
        data: JSON.stringify(snap),
      },
      {
        localTs: 3,
        kind: 'recv',
        data: JSON.stringify({
          e: 'depthUpdate',
          E: 1,
          s: 'BTCUSDT',
          U: 11,
          u: 11,
          b: [['100.05000000', '1.00000000']],
          a: [],
        }),
      },
    ] as const;
    // The prices alone would give 0.01 (100.05); the venue's metadata says 0.1 and wins.
    const setup = inferReplaySetup('binance', frames);
    expect(setup.grids.map((g) => [g.symbol, g.tickSize, g.lotSize])).toEqual([['BTC/USDT', '0.1', '0.00001']]);
    const { handler } = replayIntoHandler(setup, frames);
    const s = handler.stats().get('BTC/USDT');
    expect(s?.malformed).toBe(1);
    // The book holds the snapshot only (100.1 = 1001 ticks of 0.1, 1 BTC = 100,000 lots of 0.00001).
    expect(handler.book('BTC/USDT')?.toJSON()).toEqual({ bids: [[1001, 100_000]], asks: [[1002, 50_000]] });
  });

  it('infers Kraken precision from the text of the numbers (trailing zeros kept)', async () => {
    const { frames } = await loadFrames(fixture('kraken/crossbook_kraken_btcusd_sample.cbcap'));
    const setup = inferReplaySetup('kraken', frames);
    expect(setup.grids.map((g) => [g.symbol, g.tickSize, g.lotSize])).toEqual([['BTC/USD', '0.1', '0.00000001']]);
    expect(setup.depth).toBe(25);
  });
});
