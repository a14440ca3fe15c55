import { type MarketEvent, TestClock } from '@tickerml/core';
import { describe, expect, it } from 'vitest';
import { DecimalGrid } from '../../../common/decimal.js';
import { replayDirect } from '../../../contract/direct.js';
import { waitFor } from '../../../contract/wait.js';
import { loadFrames } from '../../../replay/load.js';
import { ReplayServer } from '../../../testkit/index.js';
import { binanceUsFeed } from './client.js';
import { BinanceHandler } from './handler.js';

const FIXTURE = new URL('../../../../test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz', import.meta.url)
  .pathname;
const grid = new DecimalGrid('BTC/USDT', '0.01', '0.00000001');

describe('binanceUsFeed connection lifetime', () => {
  it('rolls over to a fresh socket before the 24 h lifetime ends with no gap in the book', async () => {
    const { frames } = await loadFrames(FIXTURE);
    const reference = (
      await replayDirect(
        frames,
        (hooks) => new BinanceHandler({ instruments: [grid], hooks }),
        (u) => /symbol=([A-Z]+)/.exec(u)?.[1],
      )
    ).handler
      .book('BTC/USDT')!
      .toJSON();
    const server = await ReplayServer.start({ frames });
    const clock = new TestClock(1_700_000_000_000_000);
    const events: MarketEvent[] = [];
    const feed = binanceUsFeed({
      instruments: [grid],
      emit: (e) => events.push(e),
      clock,
      random: () => 0.5,
      idleTimeoutMs: 25 * 3600_000,
      urls: { ws: server.wsUrl, rest: server.httpUrl },
    });
    feed.start();
    try {
      await waitFor(() => feed.book('BTC/USDT') !== undefined, 'book synced');
      server.stall(); // (the idle timeout is set beyond 24 h: a stalled tape must not look like a dead socket here)
      // 24 h minus the 10 min rollover margin, on the manual clock.
      clock.advanceBy((24 * 3600_000 - 10 * 60_000 - 1) * 1000);
      expect(feed.connection.connects).toBe(1);
      clock.advanceBy(1_000);
      await waitFor(() => server.openConnections === 2, 'replacement socket open');
      server.resume(); // both sockets now carry the same stream until the new one is promoted
      let finished = false;
      void server.finished.then(() => {
        finished = true;
      });
      await waitFor(
        () => finished && feed.connection.rollovers === 1 && server.openConnections === 1,
        'rollover done and tape played',
      );
      await waitFor(
        () => JSON.stringify(feed.book('BTC/USDT')?.toJSON()) === JSON.stringify(reference),
        'final book equal to the reference',
      );
      const stats = feed.stats().get('BTC/USDT')!;
      expect(stats.gaps).toBe(0);
      expect(stats.resyncs).toBe(0);
      expect(stats.snapshots).toBe(1); // never resynced
      expect(events.filter((e) => e.kind === 'disconnected')).toEqual([]);
      expect(events.filter((e) => e.kind === 'connected')).toHaveLength(1);
      expect(feed.connection.outages).toBe(0);
      // Trades seen on both sockets during the overlap are emitted once.
      const ids = events.filter((e) => e.kind === 'trade').map((e) => (e.kind === 'trade' ? e.tradeId : ''));
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      feed.stop();
      await server.close();
    }
  }, 120_000);
});
