/**
 * Coinbase Advanced Trade live feed: one connection per product group (default one product per
 * connection, so a `sequence_num` gap resyncs only that product's book), `heartbeats` to keep
 * idle channels open.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import type { DecimalGrid } from '../../../common/decimal.js';
import type { EventSink } from '../../../common/feed.js';
import type { FeedLogger } from '../../../common/logger.js';
import type { BackoffOptions } from '../../../connection/backoff.js';
import { FeedClient, FeedGroup } from '../../../connection/feed-client.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { COINBASE } from '../common/constants.js';
import { COINBASE_URLS, type CoinbaseUrls } from '../common/urls.js';
import { CoinbaseHandler } from './handler.js';

/** Options of {@link coinbaseFeed}. */
export interface CoinbaseFeedOptions {
  readonly instruments: readonly DecimalGrid[];
  readonly emit: EventSink;
  /** Products per connection (default 1). */
  readonly productsPerConnection?: number;
  /** The process's one clock (core's `LiveClock`; `TestClock` in tests): frame stamps and every timer. Required. */
  readonly clock: Clock;
  /** Jitter source in [0, 1) for reconnect backoff, e.g. `() => rng.next()` of core's `SeededRandom`. Required. */
  readonly random: () => number;
  readonly logger?: FeedLogger;
  readonly urls?: Partial<CoinbaseUrls>;
  readonly backoff?: BackoffOptions;
  /** Every raw frame before parsing, secrets masked (hand it to the recorder). */
  readonly onRawFrame?: (frame: RawFrame) => void;
}

/**
 * A Coinbase Advanced Trade feed (level2 + market_trades).
 *
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = coinbaseFeed({ instruments: [new DecimalGrid('BTC/USD', '0.01', '0.00000001')], emit: console.log, clock, random: () => rng.next() });
 * feed.start();
 */
export function coinbaseFeed(options: CoinbaseFeedOptions): FeedGroup {
  const urls: CoinbaseUrls = { ...COINBASE_URLS, ...options.urls };
  const per = Math.max(1, options.productsPerConnection ?? COINBASE.defaultProductsPerConnection);
  const clock = options.clock;
  const feeds: FeedClient[] = [];
  for (let i = 0; i < options.instruments.length; i += per) {
    const group = options.instruments.slice(i, i + per);
    feeds.push(
      new FeedClient({
        makeHandler: (hooks) => new CoinbaseHandler({ instruments: group, hooks }),
        symbols: group.map((g) => g.symbol),
        emit: options.emit,
        clock,
        random: options.random,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.onRawFrame ? { onRawFrame: options.onRawFrame } : {}),
        ...(options.onRawFrame ? { onRawFrame: options.onRawFrame } : {}),
        connection: {
          name: `${COINBASE.venue}:${group.map((g) => g.symbol).join(',')}`,
          url: () => urls.ws,
          idleTimeoutMs: COINBASE.idleTimeoutMs,
          maxMessagesPerSecond: COINBASE.maxMessagesPerSecond,
          ...(options.backoff ? { backoff: options.backoff } : {}),
        },
        subscribeMessages: (h) => (h as CoinbaseHandler).subscribeMessages(),
      }),
    );
  }
  return new FeedGroup(feeds);
}
