/**
 * KuCoin spot live feed: bullet token before every connect, `welcome` before subscribing,
 * `ping` every `pingInterval`, REST depth snapshots.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';

import type { DecimalGrid } from '../../../common/decimal.js';
import { AdapterConfigError } from '../../../common/errors.js';
import type { EventSink } from '../../../common/feed.js';
import type { FeedLogger } from '../../../common/logger.js';
import type { BackoffOptions } from '../../../connection/backoff.js';
import { defaultHttpGet, FeedClient, type HttpGet } from '../../../connection/feed-client.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { KUCOIN } from '../common/constants.js';
import { bulletPublicUrl, depthSnapshotUrl, KUCOIN_URLS, type KucoinUrls } from '../common/urls.js';
import { fetchBullet } from '../http/bullet.js';
import { KucoinHandler, type KucoinHandlerOptions } from './handler.js';
import { pingMessage } from './messages.js';

/** Options of {@link kucoinFeed}. */
export interface KucoinFeedOptions {
  readonly instruments: readonly DecimalGrid[];
  readonly emit: EventSink;
  /** The process's one clock (core's `LiveClock`; `TestClock` in tests): frame stamps and every timer. Required. */
  readonly clock: Clock;
  /** Jitter source in [0, 1) for reconnect backoff, e.g. `() => rng.next()` of core's `SeededRandom`. Required. */
  readonly random: () => number;
  readonly logger?: FeedLogger;
  readonly urls?: Partial<KucoinUrls>;
  readonly backoff?: BackoffOptions;
  /** Every raw frame before parsing, secrets masked (hand it to the recorder). */
  readonly onRawFrame?: (frame: RawFrame) => void;
  readonly httpGet?: HttpGet;
  /** Each book's tick window, ticks either side of the mid (see {@link KucoinHandlerOptions.bookHalfWidthTicks}). */
  readonly bookHalfWidthTicks?: number;
}

/**
 * A KuCoin spot feed (level2 + match) for up to 150 symbols on one connection.
 *
 * @throws {AdapterConfigError} when more symbols are given than one connection can carry.
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = kucoinFeed({ instruments: [new DecimalGrid('BTC/USDT', '0.1', '0.00000001')], emit: console.log, clock, random: () => rng.next() });
 * feed.start();
 */
export function kucoinFeed(options: KucoinFeedOptions): FeedClient {
  if (options.instruments.length * 2 > KUCOIN.maxTopicsPerConnection) {
    throw new AdapterConfigError(
      `kucoin: ${options.instruments.length} symbols need ${options.instruments.length * 2} topics, one connection carries ${KUCOIN.maxTopicsPerConnection}`,
    );
  }
  const urls: KucoinUrls = { ...KUCOIN_URLS, ...options.urls };
  const httpGet = options.httpGet ?? defaultHttpGet;
  let pingIntervalMs: number = KUCOIN.defaultPingIntervalMs;
  let pingId = 1;
  let connectId = 1;
  return new FeedClient({
    makeHandler: (hooks) =>
      new KucoinHandler({
        instruments: options.instruments,
        hooks,
        ...(options.bookHalfWidthTicks === undefined ? {} : { bookHalfWidthTicks: options.bookHalfWidthTicks }),
      }),
    symbols: options.instruments.map((g) => g.symbol),
    emit: options.emit,
    clock: options.clock,
    random: options.random,
    httpGet,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onRawFrame ? { onRawFrame: options.onRawFrame } : {}),
    connection: {
      name: KUCOIN.venue,
      url: async () => {
        const bullet = await fetchBullet(httpGet, bulletPublicUrl(urls));
        pingIntervalMs = bullet.pingIntervalMs;
        const sep = bullet.endpoint.includes('?') ? '&' : '?';
        return `${bullet.endpoint}${sep}token=${encodeURIComponent(bullet.token)}&connectId=${connectId++}`;
      },
      idleTimeoutMs: KUCOIN.defaultPingIntervalMs + KUCOIN.defaultPingTimeoutMs,
      maxMessagesPerSecond: KUCOIN.maxMessagesPerSecond,
      waitForReady: true,
      ping: {
        get intervalMs() {
          return pingIntervalMs;
        },
        message: () => pingMessage(String(pingId++)),
      },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
    subscribeMessages: (h) => (h as KucoinHandler).subscribeMessages(),
    snapshotUrl: (venueSymbol) => depthSnapshotUrl(urls, venueSymbol),
  });
}
