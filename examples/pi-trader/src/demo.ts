/**
 * The demo source: real recordings of the four venues (Binance.US protocol, Coinbase Advanced
 * Trade, Kraken v2, KuCoin), each served by one replay server on loopback for the whole run and
 * read by the venue's REAL live feed (WebSocket, subscribe, pings, REST snapshots, sequence and
 * checksum checks). The only difference from `--live` is the URL each feed connects to.
 *
 * Binance BTC/USDT is the venue the demo trades; the other three feed the same bus (their books,
 * trades and feed health reach the trader, the strategy and the dashboard) without a simulated
 * venue of their own. See docs/pi-trader.md.
 *
 * Each server loops its recording independently (`ReplayServer` `loop`): when the tape ends it
 * closes the sockets and starts over, and the feed reconnects and resynchronises as after a venue
 * restart (one resync per book per loop, counted in the feed's stats). The recordings' exchange
 * stamps are from their own days; each loop shifts them onto today's clock (never past the local
 * receive stamp) so simulated latency, markouts and breakers see times that make sense next to
 * `localTs`.
 *
 * A loop boundary is the demo's seam, not market behaviour, so it is made continuous: after the
 * first loop each book is re-anchored (its prices shifted by a whole number of ticks) so its first
 * snapshot's mid is the mid it ended the loop before with (its trades before that snapshot are
 * held back until it arrives), and the disconnect/connect of the planned restart is not passed
 * on. Without that, prices would jump back at each loop, the price-jump breaker would halt the
 * symbol, and at a fast pace its cooldown, like the reconnect's, would never end. Prices therefore
 * walk by each recording's net move on each loop, up to `maxWalkFraction` (5 %) of the mid away
 * from the recorded prices; the loop that would go further starts at the recorded prices again
 * (one jump), so a run of days never walks a price to zero. Disconnects and resyncs inside a loop
 * pass through as they happen.
 *
 * @module
 */
import type { Clock, Level, MarketEvent } from '@tickerml/core';
import { SeededRandom } from '@tickerml/core';
import {
  binanceUsFeed,
  coinbaseFeed,
  DecimalGrid,
  type Feed,
  type FeedLogger,
  type FeedStats,
  inferReplaySetup,
  krakenFeed,
  kucoinFeed,
  loadFrames,
  type RawFrame,
} from '@tickerml/exchanges';
import { type ReplayPace, ReplayServer } from '@tickerml/exchanges/testkit';
import type { InstrumentSpec } from '@tickerml/execution';
import { BUS_SNAPSHOT_LEVELS, capSnapshot } from './snapshot-cap.js';

/** A venue of the demo and its bundled recording (see `examples/pi-trader/recordings/README.md`). */
export interface DemoRecording {
  /** Venue id of the feed's events (`binance`, `coinbase`, `kraken`, `kucoin`). */
  readonly venue: 'binance' | 'coinbase' | 'kraken' | 'kucoin';
  readonly file: URL;
  /** What it holds, for the start-up banner. */
  readonly description: string;
}

const data = (path: string): URL => new URL(`../recordings/${path}`, import.meta.url);

/** The bundled recording of the traded venue: Binance spot BTCUSDT, 346 s of 2024-08-08 (hftbacktest sample, Apache-2.0). */
export const DEMO_RECORDING = data('binance/hftbacktest_spot_btcusdt_20240808.gz');

/** The four recordings the demo replays, the traded venue first. */
export const DEMO_RECORDINGS: readonly DemoRecording[] = [
  { venue: 'binance', file: DEMO_RECORDING, description: 'Binance BTC/USDT, 346 s of 2024-08-08' },
  {
    venue: 'coinbase',
    file: data('coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz'),
    description: 'Coinbase BTC/USD and ETH/USD, 25 s',
  },
  { venue: 'kraken', file: data('kraken/crossbook_kraken_btcusd_sample.cbcap'), description: 'Kraken BTC/USD, 51 s' },
  {
    venue: 'kucoin',
    file: data('kucoin/cryptofeed_KUCOIN.jsonl.gz'),
    description: 'KuCoin, 9 altcoin books, 31 s of 2021-04-25',
  },
];

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
  /** The app's one clock: the demo feeds stamp frames and run their timers on it (a `LiveClock`). */
  readonly clock: Clock;
  /**
   * Recorded pace × `speed`; 0 plays the traded venue (Binance) as fast as the socket takes it and
   * the other venues at their recorded pace (a Coinbase loop opens with a 5 MB snapshot: replayed
   * flat out it would measure JSON parsing, not the trader). Default 1.
   */
  readonly speed?: number;
  /** Venues to replay. Default {@link DEMO_RECORDINGS}. */
  readonly recordings?: readonly DemoRecording[];
  readonly seed?: number;
  readonly logger?: FeedLogger;
  /** Called when a venue's recording starts over (`pass` 2, 3, …). */
  readonly onLoop?: (pass: number, venue: string) => void;
  /**
   * How far the re-anchored prices may walk from the recorded ones, as a fraction of the mid.
   * A loop that would take a book further starts at its recorded prices instead (one jump, which
   * the price-jump breaker may halt for one cooldown). Default 0.05.
   */
  readonly maxWalkFraction?: number;
  /**
   * Levels per side a book snapshot carries onto the bus, best first. Coinbase's BTC-USD snapshot
   * is the whole book (≈ 5 MB of JSON), over Kafka's default 1 MB message limit with
   * `--bus kafka`; the feed keeps the whole book either way. Default 1,000 (Binance's REST depth).
   */
  readonly maxSnapshotLevels?: number;
  /** Every raw frame and REST body a venue's feed receives, before parsing (for the recorder). */
  readonly onRawFrame?: (venue: string, frame: RawFrame) => void;
  /** Called once every recording is read and before any feed starts, with every instrument the feeds will carry. */
  readonly onInstruments?: (instruments: readonly DemoInstrument[]) => void;
}

/** Tick and lot size of an instrument a demo feed carries, as exact decimal text. */
export interface DemoInstrument {
  readonly venue: string;
  readonly symbol: string;
  readonly tickSize: string;
  readonly lotSize: string;
}

/** Per book: the shift that keeps it continuous across loops. */
interface BookAnchor {
  /** Price shift of the current loop, ticks (0 on the first). */
  shiftTicks: number;
  /** Mid of the book (shifted) when the last loop ended, ticks: the anchor of the next loop. */
  lastMidTicks: number | undefined;
  /** The pass whose shift is set; below the venue's pass, events wait for the first snapshot. */
  anchoredPass: number;
  /** Events of this loop that came before its first book snapshot. */
  readonly held: MarketEvent[];
  /** Between the planned disconnect and the next snapshot: the restart's health events are hidden. */
  seam: boolean;
  /** Gaps the adapter reported for the planned restarts (not counted as gaps on the dashboard). */
  seamGaps: number;
}

/** One venue of the demo: its server, its live feed and its loop state. */
interface DemoVenue {
  readonly venue: string;
  readonly server: ReplayServer;
  feed: Feed | undefined;
  pass: number;
  /** Recorded exchange stamp → today's clock, µs; set by the first event of each loop. */
  offsetUs: number | undefined;
  /** The server wrapped to this pass; the feed has not seen the socket close yet. */
  wrapPending: number | undefined;
  /** From the planned socket close until the feed connects again: its disconnects are the demo's restart. */
  restarting: boolean;
  readonly books: Map<string, BookAnchor>;
}

const shiftLevels = (levels: readonly Level[], by: number): Level[] =>
  levels.map((l) => ({ ...l, priceTicks: l.priceTicks + by }));

/** The `max` best levels: highest prices first for bids (`order` -1), lowest first for asks (1). */
function midOf(levelsBid: readonly Level[], levelsAsk: readonly Level[]): number | undefined {
  let bid = Number.NEGATIVE_INFINITY;
  let ask = Number.POSITIVE_INFINITY;
  for (const l of levelsBid) if (l.priceTicks > bid) bid = l.priceTicks;
  for (const l of levelsAsk) if (l.priceTicks < ask) ask = l.priceTicks;
  return Number.isFinite(bid) && Number.isFinite(ask) ? Math.round((bid + ask) / 2) : undefined;
}

/** Plays the four bundled recordings through replay servers into the live feeds, each in a loop. */
export class DemoSource {
  readonly #venues: DemoVenue[] = [];
  readonly #o: DemoSourceOptions;
  readonly #random: SeededRandom;
  readonly #instruments: DemoInstrument[] = [];

  constructor(options: DemoSourceOptions) {
    this.#o = options;
    this.#random = new SeededRandom(options.seed ?? 1).fork('demo-reconnect-jitter');
  }

  /** Loops started so far, per venue (1 while the first pass plays). */
  get passes(): ReadonlyMap<string, number> {
    return new Map(this.#venues.map((v) => [v.venue, v.pass]));
  }

  /**
   * Feed counters per venue and symbol over the whole run (one feed per venue lives for the whole
   * run). Each loop resyncs every book once (counted in `resyncs`); the adapter also counts that
   * reconnect as a gap, which is left out of `gaps` here: it is the demo's seam, not lost data.
   */
  stats(): { venue: string; stats: FeedStats[] }[] {
    return this.#venues.map((v) => ({
      venue: v.venue,
      stats: [...(v.feed?.stats() ?? [])]
        .filter(([symbol]) => symbol !== '*')
        .map(([symbol, s]) => ({ ...s, gaps: s.gaps - (v.books.get(symbol)?.seamGaps ?? 0) })),
    }));
  }

  /** Every instrument the started feeds carry, with its tick and lot size. */
  get instruments(): readonly DemoInstrument[] {
    return this.#instruments;
  }

  /** The live feed of `venue` (its books and counters). */
  feed(venue: string): Feed | undefined {
    return this.#venues.find((v) => v.venue === venue)?.feed;
  }

  /**
   * Loads the recordings, starts one looping replay server per venue and the venue's live feed.
   * @throws the recording readers' errors for a missing or corrupt file; ReplayServerError when a port cannot be bound.
   */
  async start(): Promise<void> {
    const speed = this.#o.speed ?? 1;
    // Every recording is read before any feed starts, so the instruments are all known first.
    const loaded: { rec: DemoRecording; frames: Awaited<ReturnType<typeof loadFrames>>['frames'] }[] = [];
    for (const rec of this.#o.recordings ?? DEMO_RECORDINGS) {
      const { frames } = await loadFrames(rec.file.pathname);
      loaded.push({ rec, frames });
      const grids =
        rec.venue === 'binance'
          ? [{ symbol: DEMO_INSTRUMENT.symbol, tickSize: DEMO_INSTRUMENT.tickSize, lotSize: DEMO_INSTRUMENT.lotSize }]
          : inferReplaySetup(rec.venue, frames).grids.filter((g) => g.symbol !== 'CAPP/BTC');
      for (const g of grids)
        this.#instruments.push({ venue: rec.venue, symbol: g.symbol, tickSize: g.tickSize, lotSize: g.lotSize });
    }
    this.#o.onInstruments?.(this.#instruments);
    for (const [i, { rec, frames }] of loaded.entries()) {
      const traded = i === 0;
      const pace: ReplayPace = speed === 0 ? (traded ? 'max' : 'recorded') : speed === 1 ? 'recorded' : { speed };
      let state: DemoVenue | undefined;
      const server = await ReplayServer.start({
        frames,
        pace,
        loop: true,
        onLoop: (pass) => {
          if (state !== undefined) this.#onLoop(state, pass);
        },
      });
      const v: DemoVenue = {
        venue: rec.venue,
        server,
        feed: undefined,
        pass: 1,
        offsetUs: undefined,
        wrapPending: undefined,
        restarting: false,
        books: new Map(),
      };
      state = v;
      this.#venues.push(v);
      const setup = inferReplaySetup(rec.venue, frames);
      const random = this.#random.fork(rec.venue);
      const onRawFrame = this.#o.onRawFrame;
      const common = {
        emit: (e: MarketEvent) => this.#onEvent(v, e),
        ...(onRawFrame === undefined ? {} : { onRawFrame: (f: RawFrame) => onRawFrame(rec.venue, f) }),
        clock: this.#o.clock,
        random: () => random.next(),
        backoff: { initialMs: 50, maxMs: 1_000 },
        ...(this.#o.logger === undefined ? {} : { logger: this.#o.logger }),
      };
      switch (rec.venue) {
        case 'binance': {
          // The traded instrument's own grid, so the books match the simulated venue's.
          const grid = new DecimalGrid(DEMO_INSTRUMENT.symbol, DEMO_INSTRUMENT.tickSize, DEMO_INSTRUMENT.lotSize);
          v.feed = binanceUsFeed({
            ...common,
            instruments: [grid],
            venue: 'binance',
            urls: { ws: server.wsUrl, rest: server.httpUrl },
          });
          break;
        }
        case 'coinbase':
          v.feed = coinbaseFeed({ ...common, instruments: setup.grids, urls: { ws: server.wsUrl } });
          break;
        case 'kraken':
          v.feed = krakenFeed({ ...common, instruments: setup.grids, depth: setup.depth, urls: { ws: server.wsUrl } });
          break;
        case 'kucoin':
          // CAPP/BTC is left out: its snapshot quantities (452,338,153.08 on the 1e-8 lot step the
          // recording shows) do not fit a safe integer of lots, so its book could never sync.
          v.feed = kucoinFeed({
            ...common,
            instruments: setup.grids.filter((g) => g.symbol !== 'CAPP/BTC'),
            urls: { rest: server.httpUrl },
          });
          break;
      }
      v.feed.start();
    }
  }

  /** The server wrapped: frames of the old pass may still be on their way; the socket close marks the seam. */
  #onLoop(v: DemoVenue, pass: number): void {
    v.wrapPending = pass;
    this.#o.onLoop?.(pass, v.venue);
  }

  #anchor(v: DemoVenue, symbol: string): BookAnchor {
    let a = v.books.get(symbol);
    if (a === undefined) {
      a = { shiftTicks: 0, lastMidTicks: undefined, anchoredPass: v.pass, held: [], seam: false, seamGaps: 0 };
      v.books.set(symbol, a);
    }
    return a;
  }

  #onEvent(v: DemoVenue, e: MarketEvent): void {
    if (e.kind === 'disconnected') {
      if (v.wrapPending !== undefined) {
        // The planned restart: the next pass re-anchors every book and hides the reconnect.
        v.pass = v.wrapPending;
        v.wrapPending = undefined;
        v.offsetUs = undefined;
        v.restarting = true;
      }
      if (!v.restarting) {
        this.#o.emit(e);
        return;
      }
      // The feed still holds the book the loop ended with (it resets after this event): its mid
      // is where the next loop starts.
      const a = this.#anchor(v, e.symbol);
      a.seam = true;
      const book = v.feed?.book(e.symbol);
      const bid = book?.bestBidTicks() ?? Number.NaN;
      const ask = book?.bestAskTicks() ?? Number.NaN;
      if (Number.isFinite(bid) && Number.isFinite(ask)) a.lastMidTicks = Math.round((bid + ask) / 2) + a.shiftTicks;
      return;
    }
    const a = this.#anchor(v, e.symbol);
    if (e.kind === 'connected') {
      v.restarting = false;
      if (!a.seam) this.#o.emit(e);
      return;
    }
    if (a.seam && e.kind === 'gap_detected') {
      // The adapter reports its resync after the reconnect as a gap: the seam, not lost data.
      a.seamGaps++;
      return;
    }
    if (e.kind === 'book_snapshot') {
      a.seam = false;
      e = capSnapshot(e, this.#o.maxSnapshotLevels ?? BUS_SNAPSHOT_LEVELS);
    }
    v.offsetUs ??= e.localTs - e.exchTs;
    const exchTs = Math.min(e.exchTs + v.offsetUs, e.localTs);
    if (a.anchoredPass < v.pass) {
      if (a.lastMidTicks === undefined) {
        a.anchoredPass = v.pass;
      } else if (e.kind !== 'book_snapshot') {
        a.held.push({ ...e, exchTs });
        return;
      } else {
        a.anchoredPass = v.pass;
        // The feed did rebuild this book: the risk gate starts a new price series here, so a
        // re-anchoring step (up to maxWalkFraction when the walk restarts) is no price jump.
        this.#o.emit({ kind: 'resynced', venue: e.venue, symbol: e.symbol, exchTs, localTs: e.localTs });
        const mid = midOf(e.bids, e.asks);
        if (mid !== undefined) {
          const shift = a.lastMidTicks - mid;
          a.shiftTicks = Math.abs(shift) <= Math.abs(mid) * (this.#o.maxWalkFraction ?? 0.05) ? shift : 0;
        }
        for (const held of a.held.splice(0)) this.#emitShifted(held, held.exchTs, a.shiftTicks);
      }
    }
    this.#emitShifted(e, exchTs, a.shiftTicks);
  }

  #emitShifted(e: MarketEvent, exchTs: number, by: number): void {
    const emit = this.#o.emit;
    if (by !== 0 && e.kind === 'trade') emit({ ...e, exchTs, priceTicks: e.priceTicks + by });
    else if (by !== 0 && (e.kind === 'book_snapshot' || e.kind === 'book_delta'))
      emit({ ...e, exchTs, bids: shiftLevels(e.bids, by), asks: shiftLevels(e.asks, by) });
    else if (by !== 0 && (e.kind === 'order_added' || e.kind === 'order_changed'))
      emit({ ...e, exchTs, priceTicks: e.priceTicks + by });
    else emit({ ...e, exchTs });
  }

  /** Stops the feeds and the servers; resolves when all are down. */
  async stop(): Promise<void> {
    for (const v of this.#venues) v.feed?.stop();
    await Promise.all(this.#venues.map((v) => v.server.close()));
  }
}
