/**
 * The demo source: a real recording served by the exchanges replay server on loopback and read
 * by the venue's REAL live feed (WebSocket, subscribe, REST snapshot, sequence checks), looped
 * so the demo keeps trading. The only difference from `--live` is the URL the feed connects to.
 *
 * The recording's exchange stamps are from its own day; each loop shifts them onto today's clock
 * (never past the local receive stamp) so the simulated latency, markouts and breakers see
 * times that make sense next to `localTs`.
 *
 * @module
 */
import type { MarketEvent } from '@tickerml/core';
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
    const rebased = (e: MarketEvent): void => {
      if (this.#offsetUs === undefined) this.#offsetUs = e.localTs - e.exchTs;
      const exchTs = Math.min(e.exchTs + this.#offsetUs, e.localTs);
      emit({ ...e, exchTs });
    };
    const loop = async (): Promise<void> => {
      while (!this.#stopped) {
        this.loops++;
        this.#offsetUs = undefined;
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
