/**
 * Live funding-rate feeds of the perpetual venues: Binance USD-M `markPrice`, Kraken Futures
 * `ticker`, KuCoin Futures `funding.rate` (bullet token, `welcome`, pings).
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import type { EventSink } from '../../../common/feed.js';
import type { FeedLogger } from '../../../common/logger.js';
import type { BackoffOptions } from '../../../connection/backoff.js';
import { defaultHttpGet, FeedClient, type HttpGet } from '../../../connection/feed-client.js';
import type { RawFrame } from '../../../readers/raw-frame.js';
import { KRAKEN_FUTURES, KRAKEN_FUTURES_URLS, type KrakenFuturesUrls } from '../../krakenfutures/common/urls.js';
import { KrakenFuturesFundingHandler } from '../../krakenfutures/websocket/handler.js';
import { fetchBullet } from '../../kucoin/http/bullet.js';
import { pingMessage } from '../../kucoin/websocket/messages.js';
import { KUCOIN_FUTURES, KUCOIN_FUTURES_URLS, type KucoinFuturesUrls } from '../../kucoinfutures/common/urls.js';
import { KucoinFuturesFundingHandler } from '../../kucoinfutures/websocket/handler.js';
import { BINANCE_USDM, BINANCE_USDM_URLS, type BinanceUsdmUrls } from '../common/urls.js';
import { BinanceUsdmFundingHandler } from './handler.js';

/** Options shared by the funding feeds. */
export interface FundingFeedOptions<Urls> {
  /** Canonical perpetual symbols, e.g. `BTC/USDT:USDT`. */
  readonly symbols: readonly string[];
  readonly emit: EventSink;
  /** The process's one clock (core's `LiveClock`; `TestClock` in tests): frame stamps and every timer. Required. */
  readonly clock: Clock;
  /** Jitter source in [0, 1) for reconnect backoff, e.g. `() => rng.next()` of core's `SeededRandom`. Required. */
  readonly random: () => number;
  readonly logger?: FeedLogger;
  readonly urls?: Partial<Urls>;
  readonly backoff?: BackoffOptions;
  readonly httpGet?: HttpGet;
  /** Every raw frame before parsing, secrets masked (hand it to the recorder). */
  readonly onRawFrame?: (frame: RawFrame) => void;
}

function common<U>(o: FundingFeedOptions<U>) {
  return {
    symbols: o.symbols,
    emit: o.emit,
    clock: o.clock,
    random: o.random,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.onRawFrame ? { onRawFrame: o.onRawFrame } : {}),
  };
}

/**
 * Binance USD-M funding rates (`<sym>@markPrice@1s`: `r`, `T`), rolled over before the 24 h lifetime.
 *
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = binanceUsdmFundingFeed({ symbols: ['BTC/USDT:USDT'], emit: (e) => console.log(e), clock, random: () => rng.next() });
 * feed.start();
 */
export function binanceUsdmFundingFeed(options: FundingFeedOptions<BinanceUsdmUrls>): FeedClient {
  const urls: BinanceUsdmUrls = { ...BINANCE_USDM_URLS, ...options.urls };
  return new FeedClient({
    ...common(options),
    makeHandler: (hooks) => new BinanceUsdmFundingHandler(options.symbols, hooks),
    connection: {
      name: BINANCE_USDM.venue,
      url: () => `${urls.ws}/stream`,
      idleTimeoutMs: 60_000,
      maxMessagesPerSecond: BINANCE_USDM.maxMessagesPerSecond,
      lifetime: { lifetimeMs: BINANCE_USDM.connectionLifetimeMs, rolloverBeforeMs: 10 * 60_000 },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
    subscribeMessages: (h) => (h as BinanceUsdmFundingHandler).subscribeMessages(),
  });
}

/**
 * Kraken Futures funding rates (`ticker`: `relative_funding_rate`, `next_funding_rate_time`).
 *
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = krakenFuturesFundingFeed({ symbols: ['BTC/USD:USD'], emit: (e) => console.log(e), clock, random: () => rng.next() });
 * feed.start();
 */
export function krakenFuturesFundingFeed(options: FundingFeedOptions<KrakenFuturesUrls>): FeedClient {
  const urls: KrakenFuturesUrls = { ...KRAKEN_FUTURES_URLS, ...options.urls };
  return new FeedClient({
    ...common(options),
    makeHandler: (hooks) => new KrakenFuturesFundingHandler(options.symbols, hooks),
    connection: {
      name: KRAKEN_FUTURES.venue,
      url: () => urls.ws,
      idleTimeoutMs: 120_000,
      maxMessagesPerSecond: KRAKEN_FUTURES.maxMessagesPerSecond,
      // the venue closes sockets that send nothing for 60 s
      ping: { intervalMs: 30_000, message: () => JSON.stringify({ event: 'ping' }) },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
    subscribeMessages: (h) => (h as KrakenFuturesFundingHandler).subscribeMessages(),
  });
}

/**
 * KuCoin Futures funding rates (`/contract/instrument:<sym>`, subject `funding.rate`).
 *
 * @example
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const feed = kucoinFuturesFundingFeed({ symbols: ['BTC/USDT:USDT'], emit: (e) => console.log(e), clock, random: () => rng.next() });
 * feed.start();
 */
export function kucoinFuturesFundingFeed(options: FundingFeedOptions<KucoinFuturesUrls>): FeedClient {
  const urls: KucoinFuturesUrls = { ...KUCOIN_FUTURES_URLS, ...options.urls };
  const httpGet = options.httpGet ?? defaultHttpGet;
  let pingIntervalMs = 18_000;
  let pingId = 1;
  return new FeedClient({
    ...common(options),
    httpGet,
    makeHandler: (hooks) => new KucoinFuturesFundingHandler(options.symbols, hooks),
    connection: {
      name: KUCOIN_FUTURES.venue,
      url: async () => {
        const bullet = await fetchBullet(httpGet, `${urls.rest}/api/v1/bullet-public`);
        pingIntervalMs = bullet.pingIntervalMs;
        const sep = bullet.endpoint.includes('?') ? '&' : '?';
        return `${bullet.endpoint}${sep}token=${encodeURIComponent(bullet.token)}`;
      },
      idleTimeoutMs: 60_000,
      maxMessagesPerSecond: KUCOIN_FUTURES.maxMessagesPerSecond,
      waitForReady: true,
      ping: {
        get intervalMs() {
          return pingIntervalMs;
        },
        message: () => pingMessage(String(pingId++)),
      },
      ...(options.backoff ? { backoff: options.backoff } : {}),
    },
    subscribeMessages: (h) => (h as KucoinFuturesFundingHandler).subscribeMessages(),
  });
}
