import { LiveClock, type MarketEvent } from '@tickerml/core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_RECORDINGS, DemoSource } from './demo.js';

const mid = (e: MarketEvent): number => {
  if (e.kind !== 'book_snapshot') throw new Error(`expected a book snapshot, got ${e.kind}`);
  const bid = Math.max(...e.bids.map((l) => l.priceTicks));
  const ask = Math.min(...e.asks.map((l) => l.priceTicks));
  return (bid + ask) / 2;
};

/** Polls `probe` until it returns true (each retry waits for the next timer turn, no fixed sleep). */
async function until(what: string, probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = performance.now();
  while (!probe()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The demo replays over real loopback sockets: one wall clock for every feed, as in the app. */
const clock = new LiveClock();
afterAll(() => clock.dispose());

describe('DemoSource', () => {
  it('serves all four venues through their live feeds: each connects and synchronises a book', async () => {
    const events: MarketEvent[] = [];
    const demo = new DemoSource({ speed: 0, clock, emit: (e) => events.push(e) });
    await demo.start();
    const venues = DEMO_RECORDINGS.map((r) => r.venue);
    const synced = (venue: string): string[] => [
      ...new Set(events.filter((e) => e.venue === venue && e.kind === 'book_snapshot').map((e) => e.symbol)),
    ];
    try {
      await until('a book on every venue', () =>
        venues.every((v) =>
          synced(v).some((symbol) => {
            const book = demo.feed(v)?.book(symbol);
            const updated = events.some((e) => e.venue === v && e.symbol === symbol && e.kind === 'book_delta');
            return updated && book !== undefined && book.bestBidTicks() < book.bestAskTicks();
          }),
        ),
      );
    } finally {
      await demo.stop();
    }
    expect(venues).toEqual(['binance', 'coinbase', 'kraken', 'kucoin']);
    for (const venue of venues) {
      expect(events.some((e) => e.venue === venue && e.kind === 'connected')).toBe(true);
      expect(events.some((e) => e.venue === venue && e.kind === 'book_delta')).toBe(true);
      const frames =
        demo
          .stats()
          .find((v) => v.venue === venue)
          ?.stats.reduce((a, s) => a + s.frames, 0) ?? 0;
      expect(frames).toBeGreaterThan(0);
    }
    expect(synced('binance')).toEqual(['BTC/USDT']);
    expect(synced('kraken')).toEqual(['BTC/USD']);
    expect(synced('coinbase')).toContain('BTC/USD');
    expect(events.filter((e) => e.kind === 'disconnected')).toEqual([]);
    // Coinbase's whole-book BTC-USD snapshot reaches the bus as its 1,000 best levels per side.
    const coinbaseBtc = events.find(
      (e) => e.venue === 'coinbase' && e.symbol === 'BTC/USD' && e.kind === 'book_snapshot',
    );
    if (coinbaseBtc?.kind !== 'book_snapshot') throw new Error('no Coinbase BTC/USD snapshot');
    expect(coinbaseBtc.bids.length).toBe(1_000);
    expect(Math.max(...coinbaseBtc.bids.map((l) => l.priceTicks))).toBeLessThan(
      Math.min(...coinbaseBtc.asks.map((l) => l.priceTicks)),
    );
  }, 120_000);

  it('loops one server per venue: re-anchors each loop on the mid the last one ended with and hides the planned restart', async () => {
    const events: MarketEvent[] = [];
    const passes: number[] = [];
    const demo = new DemoSource({
      speed: 0,
      clock,
      recordings: DEMO_RECORDINGS.filter((r) => r.venue === 'binance'),
      emit: (e) => events.push(e),
      onLoop: (pass) => passes.push(pass),
    });
    await demo.start();
    const snapshots = () => events.filter((e) => e.kind === 'book_snapshot');
    try {
      await until('three loops', () => snapshots().length >= 3);
    } finally {
      await demo.stop();
    }
    expect(passes.slice(0, 2)).toEqual([2, 3]);
    // One connect at the very start; the restarts between loops are not passed on, nor the
    // adapter's "gap" for the reconnect.
    const health = events.filter((e) => e.kind === 'connected' || e.kind === 'disconnected');
    expect(health.map((e) => e.kind)).toEqual(['connected']);
    expect(events.filter((e) => e.kind === 'gap_detected')).toEqual([]);
    // One resync per loop, counted; no gaps.
    const stats = demo.stats()[0]?.stats[0];
    expect(stats?.gaps).toBe(0);
    expect(stats?.resyncs).toBeGreaterThanOrEqual(2);
    const [first, second] = snapshots() as [MarketEvent, MarketEvent];
    const at = events.indexOf(second);
    const lastTradeOfFirst = events
      .slice(0, at)
      .filter((e) => e.kind === 'trade')
      .at(-40);
    if (lastTradeOfFirst?.kind !== 'trade') throw new Error('a loop without trades');
    // Unshifted, loop 2 would start where loop 1 started: a jump of the recording's whole move.
    expect(Math.abs(lastTradeOfFirst.priceTicks - mid(first))).toBeGreaterThan(5_000);
    // Re-anchored, its first book's mid is where loop 1 ended (within a few ticks of its last trades)…
    expect(Math.abs(mid(second) - lastTradeOfFirst.priceTicks)).toBeLessThan(500);
    // …and the trades around it (those that came before it were held back for the shift) are shifted alike.
    for (const e of events.slice(at - 50, at + 50))
      if (e.kind === 'trade') expect(Math.abs(e.priceTicks - mid(second))).toBeLessThan(2_000);
    // Exchange stamps are moved onto today's clock, never past the receive stamp.
    for (const e of events) expect(e.exchTs).toBeLessThanOrEqual(e.localTs);
  }, 120_000);

  it('bounds the walk: a loop that would move a book further than maxWalkFraction starts at the recorded prices', async () => {
    const snapshots: MarketEvent[] = [];
    const demo = new DemoSource({
      speed: 0,
      clock,
      recordings: DEMO_RECORDINGS.filter((r) => r.venue === 'binance'),
      // The recording's own move (> 5,000 ticks on a ~6,180,000-tick mid) exceeds this bound.
      maxWalkFraction: 0.0005,
      emit: (e) => {
        if (e.kind === 'book_snapshot') snapshots.push(e);
      },
    });
    await demo.start();
    try {
      await until('two loops', () => snapshots.length >= 2);
    } finally {
      await demo.stop();
    }
    const [first, second] = snapshots as [MarketEvent, MarketEvent];
    // Unshifted: the second loop starts near where the first started (its snapshot is the recorded
    // one or the book a few frames later), not > 5,000 ticks away where the first loop ended.
    expect(Math.abs(mid(second) - mid(first))).toBeLessThan(1_000);
  }, 120_000);
});
