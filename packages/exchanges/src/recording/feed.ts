/**
 * A live feed that records every raw frame and REST response before its handler parses it:
 * what `tickerml record` runs against the real venues (or a replay server, in tests).
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import type { DecimalGrid } from '../common/decimal.js';
import type { EventSink } from '../common/feed.js';
import type { FeedLogger } from '../common/logger.js';
import type { Feed } from '../connection/feed-client.js';
import type { RawFrame } from '../readers/raw-frame.js';
import type { BookVenue } from '../replay/venues.js';
import { BINANCE_US_URLS } from '../venues/binance/common/urls.js';
import { binanceUsFeed } from '../venues/binance/websocket/client.js';
import { COINBASE_URLS } from '../venues/coinbase/common/urls.js';
import { coinbaseFeed } from '../venues/coinbase/websocket/client.js';
import { KRAKEN_URLS } from '../venues/kraken/common/urls.js';
import { krakenFeed } from '../venues/kraken/websocket/client.js';
import { kucoinFeed } from '../venues/kucoin/websocket/client.js';
import type { Recorder } from './recorder.js';

/** Where each venue's socket goes when no override is given (KuCoin's comes from its bullet request). */
const DEFAULT_ENDPOINTS: Record<BookVenue, string> = {
  binance: BINANCE_US_URLS.ws,
  binanceus: BINANCE_US_URLS.ws,
  kraken: KRAKEN_URLS.ws,
  coinbase: COINBASE_URLS.ws,
  kucoin: 'wss://ws-api-spot.kucoin.com (from POST /api/v1/bullet-public)',
};

/** Options of {@link recordingFeed}. */
export interface RecordingFeedOptions {
  readonly venue: BookVenue;
  /** One grid per symbol (canonical symbol, tick size, lot size). */
  readonly grids: readonly DecimalGrid[];
  /** Where the raw frames go. */
  readonly recorder: Recorder;
  /** Kraken book depth (10, 25, 100, 500, 1000). Defaults to 10. */
  readonly depth?: number;
  /** Endpoint overrides: `ws` (Binance, Coinbase, Kraken) and `rest` (Binance, KuCoin). */
  readonly urls?: { readonly ws?: string; readonly rest?: string };
  /** Normalized events, as the live pipeline would see them. */
  readonly emit?: EventSink;
  /** The process's one clock (core's `LiveClock`; `TestClock` in tests): frame stamps and every timer. Required. */
  readonly clock: Clock;
  /** Jitter source in [0, 1) for reconnect backoff, e.g. `() => rng.next()` of core's `SeededRandom`. Required. */
  readonly random: () => number;
  readonly logger?: FeedLogger;
}

/**
 * Builds the venue's live feed with a recorder in front of its handler: each WebSocket message
 * received or sent is written with the `localTs` the connection stamped on it, before parsing;
 * each REST depth snapshot with its URL when it arrives; each socket opening (`connect`, with the
 * endpoint) and closing (`disconnect`, with the close code and reason) at its local time. Secrets (tokens) are masked by the feed
 * before they reach the recorder. Start and stop it like any feed; close the recorder after.
 *
 * @example
 * ```ts
 * const clock = new LiveClock(); // the app's one clock
 * const rng = new SeededRandom(1); // reconnect jitter
 * const recorder = new Recorder({ dir: 'data/raw', venue: 'kraken', clock });
 * const feed = recordingFeed({ venue: 'kraken', grids: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')], recorder, clock, random: () => rng.next() });
 * feed.start();
 * // later
 * feed.stop();
 * recorder.close();
 * ```
 */
export function recordingFeed(options: RecordingFeedOptions): Feed {
  const clock = options.clock;
  const random = options.random;
  const recorder = options.recorder;
  const userEmit: EventSink = options.emit ?? (() => {});
  const ws = options.urls?.ws;
  const rest = options.urls?.rest;
  const endpoint = ws ?? DEFAULT_ENDPOINTS[options.venue];
  // The feed says `connected` / `disconnected` once per symbol of the socket, at one localTs:
  // one record each, with the endpoint, and the close code and reason.
  let lastHealth = '';
  const emit: EventSink = (e) => {
    if (e.kind === 'connected' || e.kind === 'disconnected') {
      const key = `${e.kind} ${e.localTs}`;
      if (key !== lastHealth) {
        lastHealth = key;
        if (e.kind === 'connected') recorder.connect(options.venue, endpoint, e.localTs);
        else recorder.disconnect(options.venue, e.reason, e.localTs);
      }
    }
    userEmit(e);
  };
  // The feeds hand over every raw frame before parsing, secrets already masked.
  const onRawFrame = (frame: RawFrame) => {
    recorder.write(frame);
  };
  const common = {
    instruments: options.grids,
    emit,
    clock,
    random,
    onRawFrame,
    ...(options.logger ? { logger: options.logger } : {}),
  };
  switch (options.venue) {
    case 'binance':
    case 'binanceus':
      return binanceUsFeed({
        ...common,
        venue: options.venue,
        urls: { ...(ws ? { ws } : {}), ...(rest ? { rest } : {}) },
      });
    case 'kraken':
      return krakenFeed({ ...common, ...(options.depth ? { depth: options.depth } : {}), urls: ws ? { ws } : {} });
    case 'coinbase':
      return coinbaseFeed({ ...common, urls: ws ? { ws } : {} });
    case 'kucoin':
      return kucoinFeed({ ...common, urls: rest ? { rest } : {} });
  }
}
