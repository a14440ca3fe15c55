/**
 * Perpetual funding rates for the pi-trader (config.yaml `funding:`): the funding feeds of
 * `@tickerml/exchanges` (Binance USD-M, Kraken Futures, KuCoin Futures) for the perpetuals of the
 * traded base assets, their events published on the bus like any market event (the trader's risk
 * gate and the state encoder read them; a simulated perpetual venue settles them in the ledger),
 * each change stored in `funding_rates`, the last rate per perpetual on the dashboard and in
 * `tickerml_pi_funding_rate_ratio`.
 *
 * In the demo no recording has funding frames, so hand-written Binance USD-M `markPriceUpdate`
 * frames ({@link demoFundingFrames}) and Kraken Futures `ticker` frames
 * ({@link demoKrakenFuturesFrames}) are served on loopback by the replay kit's `ReplayServer` and
 * read by the real Binance USD-M and Kraken Futures funding feeds.
 *
 * @module
 */
import type { Clock, FundingRate, Logger, MarketEvent, MetricsRegistry } from '@tickerml/core';
import {
  binanceUsdmFundingFeed,
  type Feed,
  type FeedLogger,
  krakenFuturesFundingFeed,
  kucoinFuturesFundingFeed,
  type RawFrame,
} from '@tickerml/exchanges';
import { ReplayServer } from '@tickerml/exchanges/testkit';
import type { SqliteStore } from '@tickerml/storage';

/** A funding venue of config.yaml `funding.venues`. */
export type FundingVenue = 'binanceusdm' | 'krakenfutures' | 'kucoinfutures';

/** The perpetual of `base` on a funding venue: `BTC` → `BTC/USDT:USDT` (Binance USD-M, KuCoin Futures), `BTC/USD:USD` (Kraken Futures). */
export function perpetualOf(venue: FundingVenue, base: string): string {
  return venue === 'krakenfutures' ? `${base}/USD:USD` : `${base}/USDT:USDT`;
}

/** The last funding rate of one perpetual. */
export interface FundingRow {
  readonly venue: string;
  readonly symbol: string;
  /** Per funding interval, decimal text as the venue sent it. */
  readonly rate: string;
  /** When it applies, µs. */
  readonly fundingTs: number;
  /** When we received it, µs. */
  readonly receivedTs: number;
}

/** Options of {@link startFunding}. */
export interface FundingOptions {
  readonly venues: readonly FundingVenue[];
  /** Base assets traded (BTC, ETH…). */
  readonly bases: readonly string[];
  /** Hand-written demo frames on loopback instead of the venues. */
  readonly demo: boolean;
  readonly emit: (event: MarketEvent) => void;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly sqlite: SqliteStore;
  /** Every raw frame of the live feeds (for the recorder; the demo's hand-written frames are not recorded). */
  readonly onRawFrame?: (venue: string, frame: RawFrame) => void;
  /** Wall clock, µs (for the demo frames' stamps). */
  readonly nowUs: () => number;
  /** The app's one clock: the funding feeds stamp frames and run their timers on it. */
  readonly clock: Clock;
  /** Reconnect jitter in [0, 1) (a fork of the app's seeded generator). */
  readonly random: () => number;
}

/** Running funding feeds. */
export interface Funding {
  /** Feeds a funding event seen on the bus: stores a change, updates the metric and the view. */
  onEvent(event: FundingRate): void;
  /** The last rate per perpetual, by venue then symbol. */
  rows(): FundingRow[];
  stop(): Promise<void>;
}

const DEMO_RATES = ['0.00010000', '0.00012500', '0.00008000', '-0.00002500', '0.00010000', '0.00015000'];
/** Kraken Futures funds hourly: its relative rates are an eighth of the 8-hour ones. */
const DEMO_RATES_HOURLY = ['0.0000125', '0.0000156', '0.0000100', '-0.0000031', '0.0000125', '0.0000188'];
const EIGHT_HOURS_MS = 8 * 3_600_000;
const HOUR_MS = 3_600_000;

/**
 * Hand-written Kraken Futures `ticker` frames for the demo: one per second for a minute per base
 * asset (`PF_XBTUSD` for BTC), `relative_funding_rate` stepping through an hourly schedule every
 * 10 s, `next_funding_rate_time` the next full hour after `nowUs`.
 */
export function demoKrakenFuturesFrames(bases: readonly string[], nowUs: number): RawFrame[] {
  const frames: RawFrame[] = [];
  const startMs = Math.floor(nowUs / 1000);
  const next = (Math.floor(startMs / HOUR_MS) + 1) * HOUR_MS;
  for (let i = 0; i < 60; i++) {
    for (const base of bases) {
      const rate = DEMO_RATES_HOURLY[Math.floor(i / 10)] ?? '0.0000125';
      const product = `PF_${base === 'BTC' ? 'XBT' : base}USD`;
      const text = `{"time":${startMs + i * 1000},"feed":"ticker","product_id":"${product}","funding_rate":${rate},"relative_funding_rate":${rate},"next_funding_rate_time":${next},"markPrice":${base === 'BTC' ? 60005.5 : 3000.2}}`;
      frames.push({ localTs: nowUs + i * 1_000_000, kind: 'recv', data: text });
    }
  }
  return frames;
}

/**
 * Hand-written Binance USD-M `<symbol>@markPrice@1s` frames for the demo: one per second for a
 * minute per base asset, the rate stepping through {@link DEMO_RATES} every 10 s, the next funding
 * time the next 8-hour UTC boundary after `nowUs`.
 */
export function demoFundingFrames(bases: readonly string[], nowUs: number): RawFrame[] {
  const frames: RawFrame[] = [];
  const startMs = Math.floor(nowUs / 1000);
  const nextFundingMs = (Math.floor(startMs / EIGHT_HOURS_MS) + 1) * EIGHT_HOURS_MS;
  for (let i = 0; i < 60; i++) {
    for (const base of bases) {
      const s = `${base}USDT`;
      const data = {
        e: 'markPriceUpdate',
        E: startMs + i * 1000,
        s,
        p: base === 'BTC' ? '60000.00000000' : '3000.00000000',
        i: base === 'BTC' ? '60010.00000000' : '3000.50000000',
        P: base === 'BTC' ? '60005.00000000' : '3000.20000000',
        r: DEMO_RATES[Math.floor(i / 10)] ?? '0.00010000',
        T: nextFundingMs,
      };
      frames.push({
        localTs: nowUs + i * 1_000_000,
        kind: 'recv',
        data: JSON.stringify({ stream: `${s.toLowerCase()}@markPrice@1s`, data }),
      });
    }
  }
  return frames;
}

/**
 * Starts the funding feeds of `venues` for the perpetuals of `bases` (the demo: Binance USD-M on
 * hand-written frames, looping).
 *
 * @throws ReplayServerError when the demo server cannot bind a port.
 */
export async function startFunding(options: FundingOptions): Promise<Funding> {
  const { logger, metrics, sqlite } = options;
  const gauge = metrics.gauge(
    'funding_rate_ratio',
    'Last funding rate of a followed perpetual, per funding interval (0.0001 = 1 bp)',
    ['venue', 'symbol'],
  );
  const log: FeedLogger = {
    debug: (f, m) => logger.debug(f, m),
    info: (f, m) => logger.info(f, m),
    warn: (f, m) => logger.warn(f, m),
    error: (f, m) => logger.error(f, m),
  };
  const last = new Map<string, FundingRow>();
  const feeds: Feed[] = [];
  const servers: ReplayServer[] = [];
  const raw = (venue: string) =>
    options.onRawFrame === undefined
      ? {}
      : { onRawFrame: (f: RawFrame) => (options.onRawFrame as NonNullable<typeof options.onRawFrame>)(venue, f) };
  if (options.demo) {
    // Only the rates: the reconnect at each loop of a hand-written tape is the demo's seam, not an
    // outage (it would halt the venue and fire an alert every minute).
    const ratesOnly = (e: MarketEvent) => {
      if (e.kind === 'funding_rate') options.emit(e);
    };
    const start = options.nowUs();
    const server = await ReplayServer.start({
      frames: demoFundingFrames(options.bases, start),
      pace: 'recorded',
      loop: true,
    });
    const kraken = await ReplayServer.start({
      frames: demoKrakenFuturesFrames(options.bases, start),
      pace: 'recorded',
      loop: true,
    });
    servers.push(server, kraken);
    feeds.push(
      krakenFuturesFundingFeed({
        symbols: options.bases.map((b) => perpetualOf('krakenfutures', b)),
        emit: ratesOnly,
        logger: log,
        urls: { ws: kraken.wsUrl },
        backoff: { initialMs: 50, maxMs: 1_000 },
        clock: options.clock,
        random: options.random,
      }),
    );
    const symbols = options.bases.map((b) => perpetualOf('binanceusdm', b));
    feeds.push(
      binanceUsdmFundingFeed({
        symbols,
        emit: ratesOnly,
        logger: log,
        urls: { ws: server.wsUrl },
        backoff: { initialMs: 50, maxMs: 1_000 },
        clock: options.clock,
        random: options.random,
        // Hand-written frames are not market data: they never go to the raw recordings.
      }),
    );
  } else {
    for (const venue of options.venues) {
      const symbols = options.bases.map((b) => perpetualOf(venue, b));
      const common = {
        symbols,
        emit: options.emit,
        logger: log,
        clock: options.clock,
        random: options.random,
        ...raw(venue),
      };
      feeds.push(
        venue === 'binanceusdm'
          ? binanceUsdmFundingFeed(common)
          : venue === 'krakenfutures'
            ? krakenFuturesFundingFeed(common)
            : kucoinFuturesFundingFeed(common),
      );
    }
  }
  for (const f of feeds) f.start();
  logger.info(
    {
      venues: options.demo ? ['binanceusdm', 'krakenfutures'] : options.venues,
      demo: options.demo,
      bases: options.bases,
    },
    'following perpetual funding rates',
  );

  return {
    onEvent(e) {
      const key = `${e.venue}|${e.symbol}`;
      const prev = last.get(key);
      last.set(key, { venue: e.venue, symbol: e.symbol, rate: e.rate, fundingTs: e.fundingTs, receivedTs: e.localTs });
      const rate = Number(e.rate);
      if (Number.isFinite(rate)) gauge.set({ venue: e.venue, symbol: e.symbol }, rate);
      // Binance sends the same rate every second: a row per change, not per frame.
      if (prev !== undefined && prev.rate === e.rate && prev.fundingTs === e.fundingTs) return;
      try {
        sqlite.writeEvents([e]);
      } catch (error) {
        logger.error({ err: error, venue: e.venue, symbol: e.symbol }, 'funding rate not stored');
      }
    },
    rows: () => [...last.values()].sort((a, b) => (a.venue + a.symbol).localeCompare(b.venue + b.symbol)),
    async stop() {
      for (const f of feeds) f.stop();
      for (const s of servers) await s.close();
    },
  };
}
