/**
 * `--live`: the real venues' public feeds for the venues and symbols enabled in config.yaml,
 * with instrument grids from the venues' metadata (ccxt `loadMarkets`, cached on disk).
 *
 * @module
 */
import { type Clock, type Logger, type MarketEvent, SeededRandom, type TickerMLConfig } from '@tickerml/core';
import {
  binanceUsFeed,
  coinbaseFeed,
  type Feed,
  type FeedLogger,
  type FeedStats,
  gridFor,
  krakenFeed,
  kucoinFeed,
  loadInstruments,
  type RawFrame,
} from '@tickerml/exchanges';
import type { InstrumentSpec } from '@tickerml/execution';
import { capSnapshot } from './snapshot-cap.js';

/** The live feeds and what they trade. */
export interface LiveFeeds {
  readonly venues: readonly { venue: string; instruments: InstrumentSpec[]; latencyMs: { min: number; max: number } }[];
  stats(): { venue: string; stats: FeedStats[] }[];
  stop(): void;
}

/**
 * Loads the instruments of every enabled venue and starts its feed.
 * @throws InstrumentsUnavailableError when a venue's metadata can be neither fetched nor read from the cache;
 *   UnknownSymbolError for a configured symbol the venue does not list.
 */
export async function startLiveFeeds(options: {
  readonly config: TickerMLConfig;
  readonly logger: Logger;
  readonly emit: (e: MarketEvent) => void;
  readonly cacheDir: string;
  /** The app's one clock (its `LiveClock`): the feeds stamp frames and run their timers on it. */
  readonly clock: Clock;
  /** Every raw frame and REST body a venue's feed receives, before parsing (for the recorder). */
  readonly onRawFrame?: (venue: string, frame: RawFrame) => void;
  /** Called once with every instrument of every venue, before any feed starts. */
  readonly onInstruments?: (instruments: readonly InstrumentSpec[]) => void;
}): Promise<LiveFeeds> {
  const log: FeedLogger = {
    debug: (f, msg) => options.logger.debug(f, msg),
    info: (f, msg) => options.logger.info(f, msg),
    warn: (f, msg) => options.logger.warn(f, msg),
    error: (f, msg) => options.logger.error(f, msg),
  };
  const random = new SeededRandom(options.config.app.trading.seed).fork('live-reconnect-jitter');
  const jitter = () => random.next();
  const feeds: { venue: string; feed: Feed }[] = [];
  const venues: { venue: string; instruments: InstrumentSpec[]; latencyMs: { min: number; max: number } }[] = [];
  for (const [venue, v] of Object.entries(options.config.app.venues)) {
    if (!v.enabled || v.symbols.length === 0) continue;
    const loaded = await loadInstruments(venue, { cacheDir: options.cacheDir, logger: log });
    const grids = v.symbols.map((s) => gridFor(loaded, s));
    const instruments = v.symbols.map((symbol): InstrumentSpec => {
      const info = loaded.instruments.find((i) => i.symbol === symbol);
      if (info === undefined) throw new Error(`unreachable: gridFor checked ${symbol}`);
      return {
        venue,
        symbol,
        base: info.base,
        quote: info.quote,
        tickSize: info.tickSize,
        lotSize: info.lotSize,
        ...(info.minNotional === undefined ? {} : { minNotional: info.minNotional }),
      };
    });
    // A whole-book snapshot (Coinbase) would not fit one Kafka message: the bus gets the best levels.
    const emit = (e: MarketEvent) => options.emit(capSnapshot(e));
    const onRawFrame = options.onRawFrame;
    const common = {
      instruments: grids,
      emit,
      clock: options.clock,
      random: jitter,
      logger: log,
      ...(onRawFrame === undefined ? {} : { onRawFrame: (f: RawFrame) => onRawFrame(venue, f) }),
    };
    let feed: Feed;
    switch (venue) {
      case 'binanceus':
      case 'binance':
        feed = binanceUsFeed({ ...common, venue });
        break;
      case 'coinbase':
        feed = coinbaseFeed(common);
        break;
      case 'kraken':
        feed = krakenFeed(common);
        break;
      case 'kucoin':
        feed = kucoinFeed(common);
        break;
      default:
        throw new Error(
          `config.yaml venues.${venue}: no live adapter for '${venue}' (binanceus, coinbase, kraken, kucoin)`,
        );
    }
    feeds.push({ venue, feed });
    venues.push({ venue, instruments, latencyMs: v.latencyMs });
  }
  if (feeds.length === 0)
    throw new Error('config.yaml: no venue is enabled with symbols (venues.<name>.enabled: true, symbols: [...])');
  // Every venue's metadata is loaded before the first feed starts: the callback sees them all.
  options.onInstruments?.(venues.flatMap((v) => v.instruments));
  for (const { feed } of feeds) feed.start();
  return {
    venues,
    stats: () =>
      feeds.map(({ venue, feed }) => ({
        venue,
        stats: [...feed.stats().entries()].filter(([k]) => k !== '*').map(([, s]) => s),
      })),
    stop: () => {
      for (const { feed } of feeds) feed.stop();
    },
  };
}
