/**
 * Binance.US live feed: combined-stream socket, REST depth snapshots, 24 h lifetime rollover.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';

import type { DecimalGrid } from '../../../common/decimal.js';
import { AdapterConfigError } from '../../../common/errors.js';
import type { EventSink } from '../../../common/feed.js';
import type { FeedLogger } from '../../../common/logger.js';
import type { BackoffOptions } from '../../../connection/backoff.js';
import { FeedClient, type HttpGet } from '../../../connection/feed-client.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { BINANCE_US } from '../common/constants.js';
import { BINANCE_US_URLS, type BinanceUrls, combinedStreamUrl, depthSnapshotUrl } from '../common/urls.js';
import { BinanceHandler } from './handler.js';

/** Options of {@link binanceUsFeed}. */
export interface BinanceUsFeedOptions {
  /** Grids of the symbols to stream (canonical `BTC/USDT`, tick size, lot size). */
  readonly instruments: readonly DecimalGrid[];
  readonly emit: EventSink;
  /** The process's one clock (core's `LiveClock`; `TestClock` in tests): frame stamps and every timer. Required. */
  readonly clock: Clock;
  /** Jitter source in [0, 1) for reconnect backoff, e.g. `() => rng.next()` of core's `SeededRandom`. Required. */
  readonly random: () => number;
  readonly logger?: FeedLogger;
  /** Endpoint overrides (the replay kit, or binance.com with `venue: 'binance'`). */
  readonly urls?: Partial<BinanceUrls>;
  /** Venue id stamped on events. Defaults to `binanceus`. */
  readonly venue?: string;
  readonly backoff?: BackoffOptions;
  /** Every raw frame before parsing, secrets masked (hand it to the recorder). */
  readonly onRawFrame?: (frame: RawFrame) => void;
  readonly httpGet?: HttpGet;
  /** Connection lifetime override, ms (defaults to the venue's 24 h). */
  readonly lifetimeMs?: number;
  /** Roll over this long before the lifetime ends, ms (default 10 min). */
  readonly rolloverBeforeMs?: number;
  /** No frame for this long reconnects, ms (default 10 min: the venue pings every 3). */
  readonly idleTimeoutMs?: number;
}

/**
 * A Binance.US spot feed (books + trades) for up to 512 symbols on one connection.
 *
 * @throws {AdapterConfigError} when more symbols are given than one connection can carry.
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = binanceUsFeed({ instruments: [new DecimalGrid('BTC/USDT', '0.01', '0.00000001')], emit: (e) => console.log(e.kind), clock, random: () => rng.next() });
 * feed.start();
 */
export function binanceUsFeed(options: BinanceUsFeedOptions): FeedClient {
  const urls: BinanceUrls = { ...BINANCE_US_URLS, ...options.urls };
  if (options.instruments.length * 2 > BINANCE_US.maxStreamsPerConnection) {
    throw new AdapterConfigError(
      `binance: ${options.instruments.length} symbols need ${options.instruments.length * 2} streams, one connection carries ${BINANCE_US.maxStreamsPerConnection}`,
    );
  }
  return new FeedClient({
    makeHandler: (hooks) =>
      new BinanceHandler({
        instruments: options.instruments,
        hooks,
        ...(options.venue ? { venue: options.venue } : {}),
      }),
    symbols: options.instruments.map((g) => g.symbol),
    emit: options.emit,
    clock: options.clock,
    random: options.random,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onRawFrame ? { onRawFrame: options.onRawFrame } : {}),
    ...(options.httpGet ? { httpGet: options.httpGet } : {}),
    connection: {
      name: options.venue ?? BINANCE_US.venue,
      url: () => combinedStreamUrl(urls),
      idleTimeoutMs: options.idleTimeoutMs ?? BINANCE_US.idleTimeoutMs,
      maxMessagesPerSecond: BINANCE_US.maxMessagesPerSecond,
      lifetime: {
        lifetimeMs: options.lifetimeMs ?? BINANCE_US.connectionLifetimeMs,
        rolloverBeforeMs: options.rolloverBeforeMs ?? BINANCE_US.rolloverBeforeMs,
      },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
    subscribeMessages: (h) => (h as BinanceHandler).subscribeMessages(),
    snapshotUrl: (venueSymbol) => depthSnapshotUrl(urls, venueSymbol, BINANCE_US.snapshotLimit),
  });
}
