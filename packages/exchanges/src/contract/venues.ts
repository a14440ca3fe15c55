/**
 * The adapters under the contract suite: for each venue, its real recording, instrument grids,
 * how to build the transport-free handler (reference path) and the live feed pointed at a
 * replay server (live path), and which faults its protocol can detect.
 *
 * @module
 */
import type { Clock } from '@tickerml/core';
import { DecimalGrid } from '../common/decimal.js';
import type { EventSink, HandlerHooks, VenueHandler } from '../common/feed.js';
import type { ManagedConnection } from '../connection/connection.js';
import type { Feed, FeedClient, FeedGroup } from '../connection/feed-client.js';
import type { RawFrame } from '../readers/raw-frame.js';
import { binanceUsFeed } from '../venues/binance/websocket/client.js';
import { BinanceHandler } from '../venues/binance/websocket/handler.js';
import { coinbaseFeed } from '../venues/coinbase/websocket/client.js';
import { CoinbaseHandler } from '../venues/coinbase/websocket/handler.js';
import { krakenFeed } from '../venues/kraken/websocket/client.js';
import { KrakenHandler } from '../venues/kraken/websocket/handler.js';
import { kucoinFeed } from '../venues/kucoin/websocket/client.js';
import { KucoinHandler } from '../venues/kucoin/websocket/handler.js';

/** Endpoints of a replay server. */
export interface ServerUrls {
  readonly wsUrl: string;
  readonly httpUrl: string;
}

/** A live feed and the connections behind it. */
export interface LiveFeed {
  readonly feed: Feed;
  readonly connections: readonly ManagedConnection[];
}

/** One adapter as the contract suite sees it. */
export interface VenueContract {
  readonly venue: string;
  /** Recording path relative to `packages/exchanges/test/fixtures/`. */
  readonly fixture: string;
  /** Grids of the symbols checked. */
  grids(frames: readonly RawFrame[]): DecimalGrid[];
  handler(grids: readonly DecimalGrid[], hooks: HandlerHooks): VenueHandler;
  /** Venue symbol an `http` record is a depth snapshot of. */
  snapshotSymbol(url: string): string | undefined;
  live(
    grids: readonly DecimalGrid[],
    server: ServerUrls,
    emit: EventSink,
    clock: Clock,
    random: () => number,
  ): LiveFeed;
  /** How the venue detects a lost/reordered update: a sequence gap or a checksum mismatch. */
  readonly detector: 'sequence' | 'checksum';
  /** Whether the venue's resync can be served a stale snapshot (REST snapshots, Kraken re-subscribe). */
  readonly staleSnapshot: boolean;
}

const backoff = { initialMs: 20, maxMs: 200 };

function single(client: FeedClient): LiveFeed {
  return { feed: client, connections: [client.connection] };
}

function group(g: FeedGroup): LiveFeed {
  return { feed: g, connections: g.feeds.map((f) => f.connection) };
}

/** KuCoin book sizes are finer than the order lot size; CAPP-BTC's cannot fit a safe integer and is left out. */
const KUCOIN_LOTS: Record<string, string> = {
  'BCHSV-USDT': '0.00000000001',
  'ANKR-BTC': '0.0001',
  'EQZ-BTC': '0.0001',
};
/** Symbols with a recorded REST snapshot (LTX-USDT has none). */
const KUCOIN_SYMBOLS = ['BCHSV-USDT', 'SNX-BTC', 'ANKR-BTC', 'EQZ-BTC', 'NRG-BTC', 'FET-BTC', 'DAPPT-BTC', 'COV-BTC'];

export const VENUE_CONTRACTS: readonly VenueContract[] = [
  {
    venue: 'binanceus',
    fixture: 'binance/hftbacktest_spot_btcusdt_20240808.gz',
    grids: () => [new DecimalGrid('BTC/USDT', '0.01', '0.00000001')],
    handler: (grids, hooks) => new BinanceHandler({ instruments: grids, hooks }),
    snapshotSymbol: (url) => /depth\?symbol=([A-Z0-9]+)/.exec(url)?.[1],
    live: (grids, s, emit, clock, random) =>
      single(
        binanceUsFeed({ instruments: grids, emit, clock, random, backoff, urls: { ws: s.wsUrl, rest: s.httpUrl } }),
      ),
    detector: 'sequence',
    staleSnapshot: true,
  },
  {
    venue: 'kraken',
    fixture: 'kraken/crossbook_kraken_btcusd_sample.cbcap',
    grids: () => [new DecimalGrid('BTC/USD', '0.1', '0.00000001')],
    handler: (grids, hooks) => new KrakenHandler({ instruments: grids, hooks, depth: 25 }),
    snapshotSymbol: () => undefined,
    live: (grids, s, emit, clock, random) =>
      single(krakenFeed({ instruments: grids, emit, clock, random, backoff, depth: 25, urls: { ws: s.wsUrl } })),
    detector: 'checksum',
    staleSnapshot: true,
  },
  {
    venue: 'coinbase',
    fixture: 'coinbase/cryptofeed_COINBASE_advtrade.jsonl.gz',
    grids: () => [new DecimalGrid('BTC/USD', '0.01', '0.00000001'), new DecimalGrid('ETH/USD', '0.01', '0.00000001')],
    handler: (grids, hooks) => new CoinbaseHandler({ instruments: grids, hooks }),
    snapshotSymbol: () => undefined,
    live: (grids, s, emit, clock, random) =>
      group(coinbaseFeed({ instruments: grids, emit, clock, random, backoff, urls: { ws: s.wsUrl } })),
    detector: 'sequence',
    staleSnapshot: false,
  },
  {
    venue: 'kucoin',
    fixture: 'kucoin/cryptofeed_KUCOIN.jsonl.gz',
    grids: (frames) => {
      const symbols = frames.find((f) => f.kind === 'http' && f.url?.endsWith('/api/v1/symbols'));
      const list = JSON.parse(symbols?.data ?? '{"data":[]}').data as { symbol: string; priceIncrement: string }[];
      return list
        .filter((s) => KUCOIN_SYMBOLS.includes(s.symbol))
        .map(
          (s) => new DecimalGrid(s.symbol.replace('-', '/'), s.priceIncrement, KUCOIN_LOTS[s.symbol] ?? '0.00000001'),
        );
    },
    handler: (grids, hooks) => new KucoinHandler({ instruments: grids, hooks }),
    snapshotSymbol: (url) => /level2(?:_100)?\?symbol=([A-Z0-9-]+)/.exec(url)?.[1],
    live: (grids, s, emit, clock, random) =>
      single(kucoinFeed({ instruments: grids, emit, clock, random, backoff, urls: { rest: s.httpUrl } })),
    detector: 'sequence',
    staleSnapshot: true,
  },
];
