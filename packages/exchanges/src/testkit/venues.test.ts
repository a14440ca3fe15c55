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

  it('infers Kraken precision from the text of the numbers (trailing zeros kept)', async () => {
    const { frames } = await loadFrames(fixture('kraken/crossbook_kraken_btcusd_sample.cbcap'));
    const setup = inferReplaySetup('kraken', frames);
    expect(setup.grids.map((g) => [g.symbol, g.tickSize, g.lotSize])).toEqual([['BTC/USD', '0.1', '0.00000001']]);
    expect(setup.depth).toBe(25);
  });
});
