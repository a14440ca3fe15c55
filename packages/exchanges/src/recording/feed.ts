/**
 * A live feed that records every raw frame and REST response before its handler parses it:
 * what `tickerml record` runs against the real venues (or a replay server, in tests).
 *
 * @module
 */
import { type FeedClock, systemClock } from '../common/clock.js';
import type { DecimalGrid } from '../common/decimal.js';
import type { EventSink } from '../common/feed.js';
import type { FeedLogger } from '../common/logger.js';
import { defaultHttpGet, type Feed, FeedClient, type FeedGroup, type HttpGet } from '../connection/feed-client.js';
import type { BookVenue } from '../testkit/venues.js';
import { binanceUsFeed } from '../venues/binance/websocket/client.js';
import { coinbaseFeed } from '../venues/coinbase/websocket/client.js';
import { krakenFeed } from '../venues/kraken/websocket/client.js';
import { kucoinFeed } from '../venues/kucoin/websocket/client.js';
import type { Recorder } from './recorder.js';

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
  /** Defaults to the system clock. */
  readonly clock?: FeedClock;
  /** Jitter source in [0, 1); defaults to `Math.random`. */
  readonly random?: () => number;
  readonly logger?: FeedLogger;
}

/**
 * Builds the venue's live feed with a recorder in front of every handler: each WebSocket message
 * is written with the `localTs` the connection stamped on it, before parsing; each REST body
 * (depth snapshots, KuCoin's bullet token) with its URL when it arrives. Start and stop it like
 * any feed; close the recorder after stopping.
 *
 * @example
 * ```ts
 * const recorder = new Recorder({ dir: 'data/raw', venue: 'kraken', clock: systemClock() });
 * const feed = recordingFeed({ venue: 'kraken', grids: [new DecimalGrid('BTC/USD', '0.1', '0.00000001')], recorder });
 * feed.start();
 * // later
 * feed.stop();
 * recorder.close();
 * ```
 */
export function recordingFeed(options: RecordingFeedOptions): Feed {
  const clock = options.clock ?? systemClock();
  const random = options.random ?? Math.random;
  const emit: EventSink = options.emit ?? (() => {});
  const recorder = options.recorder;
  const httpGet: HttpGet = async (url, init) => {
    const body = await defaultHttpGet(url, init);
    recorder.http(url, body, clock.nowUs());
    return body;
  };
  const common = {
    instruments: options.grids,
    emit,
    clock,
    random,
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const ws = options.urls?.ws;
  const rest = options.urls?.rest;
  let feed: Feed;
  switch (options.venue) {
    case 'binance':
    case 'binanceus':
      feed = binanceUsFeed({
        ...common,
        httpGet,
        venue: options.venue,
        urls: { ...(ws ? { ws } : {}), ...(rest ? { rest } : {}) },
      });
      break;
    case 'kraken':
      feed = krakenFeed({ ...common, ...(options.depth ? { depth: options.depth } : {}), urls: ws ? { ws } : {} });
      break;
    case 'coinbase':
      feed = coinbaseFeed({ ...common, urls: ws ? { ws } : {} });
      break;
    case 'kucoin':
      feed = kucoinFeed({ ...common, httpGet, urls: rest ? { rest } : {} });
      break;
  }
  const clients = feed instanceof FeedClient ? [feed] : [...(feed as FeedGroup).feeds];
  clients.forEach((client, i) => {
    const handler = client.handler;
    const parse = handler.onFrame.bind(handler);
    const connId = `${options.venue}.ws.${i + 1}`;
    handler.onFrame = (text, localTs) => {
      recorder.recv(text, connId, localTs);
      parse(text, localTs);
    };
  });
  return feed;
}
