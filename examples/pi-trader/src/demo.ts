/**
 * The demo source: a real recording served by the exchanges replay server on loopback and read
 * by the venue's REAL live feed (WebSocket, subscribe, REST snapshot, sequence checks), looped
 * so the demo keeps trading. The only difference from `--live` is the URL the feed connects to.
 *
 * The recording's exchange stamps are from its own day; each loop shifts them onto today's clock
 * (never past the local receive stamp) so the simulated latency, markouts and breakers see
 * times that make sense next to `localTs`.
 *
 * A loop boundary is the demo's own seam, not market behaviour, so it is made continuous: every
 * loop after the first is re-anchored (all its prices shifted by a whole number of ticks) so its
 * first book's mid is the mid the loop before ended with (trades that come before that book are
 * held back until it arrives), and the disconnect/connect of
 * the planned restart is not passed on. Without that, the price would jump back at each loop,
 * the price-jump breaker would halt the symbol, and at a fast pace (a loop every few seconds)
 * its 30 s cooldown, like the reconnect's, would never end. The price therefore walks by the
 * recording's net move on each loop. Disconnects and resyncs inside a loop pass through as they
 * happen.
 *
 * @module
 */
import type { Level, MarketEvent } from '@tickerml/core';
import { SeededRandom } from '@tickerml/core';
import { binanceUsFeed, DecimalGrid, type FeedClient, type FeedLogger, type FeedStats } from '@tickerml/exchanges';
import { loadFrames, type ReplayPace, ReplayServer } from '@tickerml/exchanges/testkit';
import type { InstrumentSpec } from '@tickerml/execution';

/** The bundled recording: Binance spot BTCUSDT, 346 s of 2024-08-08 (hftbacktest sample, Apache-2.0). */
export const DEMO_RECORDING = new URL(
  '../../../packages/exchanges/test/fixtures/binance/hftbacktest_spot_btcusdt_20240808.gz',
  import.meta.url,
);

/** Binance BTCUSDT: 0.01 USDT ticks, 5 USDT minimum; lots of 0.00000001 BTC, the precision its book reports (the venue order step, 0.00001, is coarser and book sizes would not fit it). */
export const DEMO_INSTRUMENT: InstrumentSpec = {
  venue: 'binance',
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.00000001',
  minNotional: '5',
};

/** Options of {@link DemoSource}. */
export interface DemoSourceOptions {
  readonly emit: (event: MarketEvent) => void;
  /** Recorded pace × `speed`; 0 plays as fast as the socket takes it. Default 1. */
  readonly speed?: number;
  readonly recording?: string | URL;
  readonly seed?: number;
  readonly logger?: FeedLogger;
  /** Called when a loop of the recording starts (1, 2, …). */
  readonly onLoop?: (loop: number) => void;
}

/** Plays the bundled recording through the replay server into the live Binance feed, in a loop. */
export class DemoSource {
  loops = 0;
  #server: ReplayServer | undefined;
  readonly #finished = new Map<string, FeedStats>();
  #feed: FeedClient | undefined;
  #stopped = false;
  #signalStop: () => void = () => {};
  readonly #stopSignal = new Promise<void>((resolve) => {
    this.#signalStop = resolve;
  });
  #running: Promise<void> | undefined;
  #offsetUs: number | undefined;
  /** Price shift of the current loop, ticks (0 on the first). */
  shiftTicks = 0;
  /** Mid of the book (shifted) when the last loop ended, ticks: the anchor of the next loop. */
  #lastMidTicks: number | undefined;
  /** Events of a loop that come before its first book snapshot (which sets the shift). */
  readonly #held: MarketEvent[] = [];
  /** Set from the end of a loop's tape until the next loop's feed connects: health events there are the demo's restart. */
  #restarting = false;
  /** The next loop must be re-anchored on its first book snapshot. */
  #anchorPending = false;
  readonly #o: DemoSourceOptions;
  readonly #random: SeededRandom;

  constructor(options: DemoSourceOptions) {
    this.#o = options;
    this.#random = new SeededRandom(options.seed ?? 1).fork('demo-reconnect-jitter');
  }

  /** Feed counters per symbol, summed over every loop so far. */
  stats(): FeedStats[] {
    const out: FeedStats[] = [...this.#finished.values()].map((s) => ({ ...s }));
    for (const [symbol, s] of this.#feed?.stats() ?? []) {
      if (symbol === '*') continue;
      const i = [...this.#finished.keys()].indexOf(symbol);
      const acc = out[i];
      if (acc === undefined) out.push({ ...s });
      else for (const k of Object.keys(s) as (keyof FeedStats)[]) acc[k] += s[k];
    }
    return out;
  }

  #carry(feed: FeedClient): void {
    for (const [symbol, s] of feed.stats()) {
      if (symbol === '*') continue;
      const acc = this.#finished.get(symbol);
      if (acc === undefined) this.#finished.set(symbol, { ...s });
      else for (const k of Object.keys(s) as (keyof FeedStats)[]) acc[k] += s[k];
    }
  }

  /** The feed of the current loop (its books and counters). */
  get feed(): FeedClient | undefined {
    return this.#feed;
  }

  /** Loads the recording and starts the first loop. @throws the recording readers' errors for a missing or corrupt file. */
  async start(): Promise<void> {
    const { frames } = await loadFrames(
      this.#o.recording instanceof URL ? this.#o.recording.pathname : (this.#o.recording ?? DEMO_RECORDING.pathname),
    );
    const speed = this.#o.speed ?? 1;
    const pace: ReplayPace = speed === 0 ? 'max' : speed === 1 ? 'recorded' : { speed };
    const grid = new DecimalGrid(DEMO_INSTRUMENT.symbol, DEMO_INSTRUMENT.tickSize, DEMO_INSTRUMENT.lotSize);
    const emit = this.#o.emit;
    const shift = (levels: readonly Level[], by: number): Level[] =>
      levels.map((l) => ({ ...l, priceTicks: l.priceTicks + by }));
    const rebased = (e: MarketEvent): void => {
      if (e.kind === 'connected' || e.kind === 'disconnected') {
        if (this.#restarting) {
          if (e.kind === 'connected') this.#restarting = false;
          return;
        }
        emit(e);
        return;
      }
      if (this.#offsetUs === undefined) this.#offsetUs = e.localTs - e.exchTs;
      const exchTs = Math.min(e.exchTs + this.#offsetUs, e.localTs);
      if (this.#anchorPending) {
        if (e.kind !== 'book_snapshot') {
          this.#held.push({ ...e, exchTs });
          return;
        }
        this.#anchorPending = false;
        const bid = e.bids.reduce((m, l) => Math.max(m, l.priceTicks), Number.NEGATIVE_INFINITY);
        const ask = e.asks.reduce((m, l) => Math.min(m, l.priceTicks), Number.POSITIVE_INFINITY);
        if (this.#lastMidTicks !== undefined && Number.isFinite(bid) && Number.isFinite(ask))
          this.shiftTicks = this.#lastMidTicks - Math.round((bid + ask) / 2);
        for (const held of this.#held.splice(0)) emitShifted(held, held.exchTs);
      }
      emitShifted(e, exchTs);
    };
    const emitShifted = (e: MarketEvent, exchTs: number): void => {
      const by = this.shiftTicks;
      if (by !== 0 && e.kind === 'trade') emit({ ...e, exchTs, priceTicks: e.priceTicks + by });
      else if (by !== 0 && (e.kind === 'book_snapshot' || e.kind === 'book_delta'))
        emit({ ...e, exchTs, bids: shift(e.bids, by), asks: shift(e.asks, by) });
      else if (by !== 0 && (e.kind === 'order_added' || e.kind === 'order_changed'))
        emit({ ...e, exchTs, priceTicks: e.priceTicks + by });
      else emit({ ...e, exchTs });
    };
    const loop = async (): Promise<void> => {
      while (!this.#stopped) {
        this.loops++;
        this.#offsetUs = undefined;
        this.#anchorPending = this.loops > 1;
        this.#held.length = 0;
        this.#o.onLoop?.(this.loops);
        const server = await ReplayServer.start({ frames, pace });
        this.#server = server;
        const feed = binanceUsFeed({
          instruments: [grid],
          emit: rebased,
          venue: 'binance',
          urls: { ws: server.wsUrl, rest: server.httpUrl },
          random: () => this.#random.next(),
          backoff: { initialMs: 50, maxMs: 1_000 },
          ...(this.#o.logger === undefined ? {} : { logger: this.#o.logger }),
        });
        this.#feed = feed;
        feed.start();
        await Promise.race([server.finished, this.#stopSignal]);
        this.#restarting = true;
        const book = feed.book(DEMO_INSTRUMENT.symbol);
        if (book !== undefined) {
          const bid = book.bestBidTicks();
          const ask = book.bestAskTicks();
          if (Number.isFinite(bid) && Number.isFinite(ask))
            this.#lastMidTicks = Math.round((bid + ask) / 2) + this.shiftTicks;
        }
        feed.stop();
        await server.close();
        this.#carry(feed);
        this.#feed = undefined;
      }
    };
    this.#running = loop();
  }

  /** Stops the feed and the server; resolves when both are down. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#signalStop();
    this.#feed?.stop();
    await this.#server?.close();
    await this.#running?.catch(() => undefined);
  }
}
