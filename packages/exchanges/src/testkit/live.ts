/**
 * The live path of a replay: the recording served by a {@link ReplayServer}, consumed by the
 * venue's real feed (connection, subscribe, pings, REST snapshots, resyncs) pointed at it by URL.
 *
 * @module
 */
import { type Clock, LiveClock, type MarketEvent, SeededRandom } from '@tickerml/core';
import type { EventSink, VenueHandler } from '../common/feed.js';
import { type Feed, FeedClient, type FeedGroup } from '../connection/feed-client.js';
import { RecordingBaseError } from '../readers/errors.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { canonicalSymbol, type ReplaySetup } from '../replay/venues.js';
import { binanceUsFeed } from '../venues/binance/websocket/client.js';
import { coinbaseFeed } from '../venues/coinbase/websocket/client.js';
import { krakenFeed } from '../venues/kraken/websocket/client.js';
import { kucoinFeed } from '../venues/kucoin/websocket/client.js';
import { type Detection, DetectionLog, type FaultMatch, matchFaults } from './detection.js';
import type { FaultPlanSpec, InjectedFault } from './faults.js';
import { ReplayServer } from './server.js';

/** The replay through the server did not settle in time. */
export class ReplayTimeoutError extends RecordingBaseError {
  override name = 'ReplayTimeoutError' as const;
}

/** Options of {@link replayThroughServer}. */
export interface ThroughServerOptions {
  readonly faults?: FaultPlanSpec | undefined;
  /** Seed of the fault plan and of the feed's reconnect jitter. Defaults to 1. */
  readonly seed?: number;
  /**
   * Give up after this many milliseconds of wall time without progress (no frame sent or
   * handled), so a day-long stream is not cut short. Defaults to 120,000.
   */
  readonly timeoutMs?: number;
  /** Stop waiting this long (ms) after the tape ended and nothing moved, synced or not. Defaults to 2,000. */
  readonly quietMs?: number;
  /**
   * Pace faults so each can be seen and healed ({@link ReplayServerOptions.paceFaults}). Defaults
   * to true; false applies the plan exactly where drawn, even where the adapter cannot see it.
   */
  readonly paceFaults?: boolean;
  /**
   * Play in step with the feed: no frame while it has one in flight or a book resyncing, so a
   * seeded run injects the same faults at the same frames every time (about 3x slower than
   * free-running). Defaults to true.
   */
  readonly inStep?: boolean;
  /**
   * Longest the tape waits (ms of wall time) for one book to resync before playing on. Defaults
   * to 2,000.
   */
  readonly holdMs?: number;
  /** Canonical symbols whose book must be synchronised before the run counts as settled. */
  readonly mustSync?: readonly string[];
  /**
   * Frames the server holds at once when `frames` is a stream (`ReplayServerOptions.windowFrames`).
   * Defaults to 4,096.
   */
  readonly windowFrames?: number;
  readonly onEvent?: (e: MarketEvent) => void;
  /**
   * The clock the feed stamps frames and sets its timers on. The run talks to a real server over
   * loopback sockets, so it needs wall time: when omitted, the run makes its own core
   * `LiveClock` and cancels its timers when it ends.
   */
  readonly clock?: Clock;
}

/** Result of {@link replayThroughServer}. */
export interface ThroughServerResult {
  /** The feed after the run: its books and counters. */
  readonly feed: Pick<VenueHandler, 'book' | 'stats'>;
  readonly eventCounts: ReadonlyMap<string, Record<string, number>>;
  readonly injected: readonly InjectedFault[];
  /** Every feed-health signal the adapter gave, in order (health events and counter rises). */
  readonly detections: readonly Detection[];
  /** Each injected fault, in order, with the detection that accounts for it (or none). */
  readonly matches: readonly FaultMatch[];
  /** Messages the server sent and the feed received (equal once settled). */
  readonly framesSent: number;
  readonly framesReceived: number;
  readonly connections: number;
  /** Most tape frames the server held at once ({@link ReplayServer.peakFramesHeld}). */
  readonly peakFramesHeld: number;
}

const backoff = { initialMs: 20, maxMs: 200 };

function liveFeed(setup: ReplaySetup, server: ReplayServer, emit: EventSink, clock: Clock, random: () => number): Feed {
  switch (setup.venue) {
    case 'binance':
    case 'binanceus':
      return binanceUsFeed({
        instruments: setup.grids,
        emit,
        clock,
        random,
        backoff,
        venue: setup.venue,
        urls: { ws: server.wsUrl, rest: server.httpUrl },
      });
    case 'kraken':
      return krakenFeed({
        instruments: setup.grids,
        emit,
        clock,
        random,
        backoff,
        depth: setup.depth,
        urls: { ws: server.wsUrl },
      });
    case 'coinbase':
      return coinbaseFeed({ instruments: setup.grids, emit, clock, random, backoff, urls: { ws: server.wsUrl } });
    case 'kucoin':
      return kucoinFeed({ instruments: setup.grids, emit, clock, random, backoff, urls: { rest: server.httpUrl } });
  }
}

function clientsOf(feed: Feed): FeedClient[] {
  if (feed instanceof FeedClient) return [feed];
  return [...(feed as FeedGroup).feeds];
}

/**
 * Plays `frames` through a replay server into the venue's live feed and waits until every frame
 * sent has been handled and every book in `mustSync` is synchronised. An array is held whole; a
 * stream (a reader's `frames()`) is read a window of `windowFrames` at a time.
 * @throws {ReplayTimeoutError} when nothing moves for `timeoutMs` before that happens.
 * @throws a `ReplayServerError` when a streamed frame is out of `localTs` order beyond the window;
 *   the reader's errors when the stream fails.
 * @example
 * ```ts
 * const setup = inferReplaySetup('kraken', frames);
 * const run = await replayThroughServer(setup, frames, { faults: { corrupt: 5 }, seed: 7 });
 * run.feed.book('BTC/USD')?.bestBidTicks();
 * ```
 */
export async function replayThroughServer(
  setup: ReplaySetup,
  frames: readonly RawFrame[] | AsyncIterable<RawFrame>,
  options: ThroughServerOptions = {},
): Promise<ThroughServerResult> {
  const seed = options.seed ?? 1;
  // Faults go only to books the feed follows and can build (those it must sync, when given).
  const followed = new Set(options.mustSync ?? setup.grids.map((g) => g.symbol));
  let received = 0;
  let lostWithSockets = 0;
  const framesAtInjection: number[] = [];
  const server = await ReplayServer.start({
    frames,
    ...(options.windowFrames !== undefined ? { windowFrames: options.windowFrames } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    seed,
    paceFaults: options.paceFaults ?? true,
    faultable: (venueSymbol) => followed.has(canonicalSymbol(setup.venue, venueSymbol)),
    // Where the faulted frame sits in the adapter's stream: frames sent so far, less those lost
    // with sockets the server closed (known exactly at each disconnect: nothing is in flight then).
    onInject: () => framesAtInjection.push(server.framesSent - lostWithSockets),
    // In step: no frame while the feed has one in flight or a book resyncing (for at most
    // `holdMs` per book), so where each fault lands does not depend on scheduling.
    ...(options.inStep === false
      ? {}
      : { hold: () => server.framesSent - lostWithSockets > received || stillResyncing() }),
  });
  const holdMs = options.holdMs ?? 2000;
  const resyncing = new Map<string, number>();
  const stillResyncing = (): boolean => {
    if (resyncing.size === 0) return false;
    const now = performance.now();
    for (const [symbol, since] of resyncing) {
      if (now - since < holdMs) return true;
      resyncing.delete(symbol);
    }
    return false;
  };
  const detections = new DetectionLog(() => ({ framesHandled: received, faultsInjected: server.injected.length }));
  const eventCounts = new Map<string, Record<string, number>>();
  const emit: EventSink = (e) => {
    const c = eventCounts.get(e.symbol) ?? {};
    c[e.kind] = (c[e.kind] ?? 0) + 1;
    eventCounts.set(e.symbol, c);
    if (e.kind === 'disconnected') lostWithSockets = server.framesSent - received;
    if (followed.has(e.symbol)) {
      if (e.kind === 'gap_detected' || e.kind === 'checksum_mismatch' || e.kind === 'disconnected')
        resyncing.set(e.symbol, performance.now());
      else if (e.kind === 'book_snapshot' || e.kind === 'resynced') resyncing.delete(e.symbol);
    }
    detections.onEvent(e);
    options.onEvent?.(e);
  };
  const rng = new SeededRandom(seed).fork('reconnect-jitter');
  const ownClock = options.clock === undefined ? new LiveClock() : undefined;
  const clock = options.clock ?? (ownClock as LiveClock);
  const feed = liveFeed(setup, server, emit, clock, () => rng.next());
  for (const client of clientsOf(feed)) {
    // Count what reaches the handler, to know when the socket has drained, and turn rises of
    // its duplicate and malformed counters into detections.
    const handler = client.handler;
    const onFrame = handler.onFrame.bind(handler);
    handler.onFrame = (text, localTs) => {
      received++;
      onFrame(text, localTs);
      detections.onCounters(handler.stats());
    };
  }
  const mustSync = options.mustSync ?? [];
  const timeoutMs = options.timeoutMs ?? 120_000;
  let started = performance.now();
  let tapeDone = false;
  void server.finished.then(() => {
    tapeDone = true;
  });
  // Every book starts by syncing: the tape waits for its first snapshot too.
  for (const symbol of followed) resyncing.set(symbol, performance.now());
  feed.start();
  try {
    let stableSince = -1;
    let lastReceived = -1;
    let lastSent = -1;
    let quietSince = -1;
    const quietMs = options.quietMs ?? 2000;
    for (;;) {
      await new Promise<void>((resolve) => setTimeout(resolve, 10));
      if (server.failure !== undefined) throw server.failure;
      // Frames sent to a socket the server then closed never arrive: done means the tape is
      // played, every book is synchronised, and nothing moved for 50 ms.
      const settled = tapeDone && mustSync.every((s) => feed.book(s) !== undefined);
      const moved = received !== lastReceived || server.framesSent !== lastSent;
      if (settled) {
        if (stableSince < 0 || moved) stableSince = performance.now();
        else if (performance.now() - stableSince >= 50) break;
      } else {
        stableSince = -1;
      }
      if (moved) started = performance.now();
      lastReceived = received;
      lastSent = server.framesSent;
      // The tape is over and nothing has moved for `quietMs`: a book that is still resyncing
      // will not finish (its updates are over). The caller compares books and says which.
      if (tapeDone && !moved && stableSince < 0) {
        quietSince = quietSince < 0 ? performance.now() : quietSince;
        if (performance.now() - quietSince >= quietMs) break;
      } else {
        quietSince = -1;
      }
      if (performance.now() - started > timeoutMs) {
        throw new ReplayTimeoutError('Replay through the server did not settle', {
          details: `nothing moved for ${timeoutMs} ms: tape ${tapeDone ? 'finished' : `at ${server.position}/${server.tapeLength}`}, ${received}/${server.framesSent} frames handled, ${server.openConnections} sockets open of ${server.connectionsAccepted} accepted, unsynchronised books: ${mustSync.filter((s) => feed.book(s) === undefined).join(', ') || 'none'}`,
        });
      }
    }
  } finally {
    feed.stop();
    ownClock?.dispose();
    await server.close();
  }
  return {
    feed,
    eventCounts,
    injected: [...server.injected],
    detections: detections.detections,
    matches: matchFaults(server.injected, detections.detections, {
      framesAtInjection,
      canonical: (venueSymbol) => canonicalSymbol(setup.venue, venueSymbol),
    }),
    framesSent: server.framesSent,
    framesReceived: received,
    connections: server.connectionsAccepted,
    peakFramesHeld: server.peakFramesHeld,
  };
}
