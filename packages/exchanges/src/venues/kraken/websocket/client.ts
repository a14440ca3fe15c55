/**
 * Kraken spot v2 live feed: book (checksummed, resynced by re-subscribing), trades, optional
 * level3 when a WebSocket token is configured, application pings.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import type { DecimalGrid } from '../../../common/decimal.js';
import type { EventSink } from '../../../common/feed.js';
import type { FeedLogger } from '../../../common/logger.js';
import type { BackoffOptions } from '../../../connection/backoff.js';
import { FeedClient } from '../../../connection/feed-client.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { KRAKEN } from '../common/constants.js';
import { KRAKEN_URLS, type KrakenUrls } from '../common/urls.js';
import { KrakenHandler } from './handler.js';
import { pingMessage } from './messages.js';

/** Options of {@link krakenFeed}. */
export interface KrakenFeedOptions {
  /** Grids whose tick/lot sizes carry Kraken's display precision (checksums depend on it). */
  readonly instruments: readonly DecimalGrid[];
  readonly emit: EventSink;
  /** Book depth: 10, 25, 100, 500 or 1000. Defaults to 10. */
  readonly depth?: number;
  /**
   * WebSocket token for the `level3` channel (from the REST `GetWebSocketsToken` call with your
   * API key). Read it from the environment (`KRAKEN_WS_TOKEN`) or config; it is never logged.
   * Without it only L2 and trades are streamed.
   */
  readonly level3Token?: string;
  /** The process's one clock (core's `LiveClock`; `TestClock` in tests): frame stamps and every timer. Required. */
  readonly clock: Clock;
  /** Jitter source in [0, 1) for reconnect backoff, e.g. `() => rng.next()` of core's `SeededRandom`. Required. */
  readonly random: () => number;
  readonly logger?: FeedLogger;
  readonly urls?: Partial<KrakenUrls>;
  readonly backoff?: BackoffOptions;
  /** Every raw frame before parsing, secrets masked (hand it to the recorder). */
  readonly onRawFrame?: (frame: RawFrame) => void;
  /** Application ping interval, ms (default 30 s). */
  readonly pingIntervalMs?: number;
}

/**
 * A Kraken v2 spot feed.
 *
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = krakenFeed({ instruments: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')], emit: console.log, depth: 10, clock, random: () => rng.next() });
 * feed.start();
 */
export function krakenFeed(options: KrakenFeedOptions): FeedClient {
  const urls: KrakenUrls = { ...KRAKEN_URLS, ...options.urls };
  const token = options.level3Token;
  let pingId = 1_000_000;
  return new FeedClient({
    makeHandler: (hooks) =>
      new KrakenHandler({
        instruments: options.instruments,
        hooks,
        ...(options.depth ? { depth: options.depth } : {}),
      }),
    symbols: options.instruments.map((g) => g.symbol),
    emit: options.emit,
    clock: options.clock,
    random: options.random,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onRawFrame ? { onRawFrame: options.onRawFrame } : {}),
    connection: {
      name: KRAKEN.venue,
      // level3 lives on the authenticated endpoint; the token travels in the subscribe message only.
      url: () => (token ? urls.wsAuth : urls.ws),
      idleTimeoutMs: KRAKEN.idleTimeoutMs,
      maxMessagesPerSecond: KRAKEN.maxMessagesPerSecond,
      ping: { intervalMs: options.pingIntervalMs ?? 30_000, message: () => pingMessage(pingId++) },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
    subscribeMessages: (h) => (h as KrakenHandler).subscribeMessages(token),
  });
}
