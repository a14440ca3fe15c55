/**
 * The pi-trader app: feeds → event bus → paper trader (books, strategy, risk gate, simulated
 * venue) → SQLite, with the live dashboard, Prometheus metrics and daily-rotated logs.
 *
 * @module
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import {
  BaseError,
  type Clock,
  closeLogger,
  createLogger,
  createMetricsRegistry,
  Delivery,
  type EventBus,
  ensureDirectory,
  InProcessBus,
  LiveClock,
  type Logger,
  type MarketEvent,
  parseDuration,
  SeededRandom,
  type TickerMLConfig,
} from '@tickerml/core';
import { DashboardServer, type DashboardUpdate, type FeedView, type FillView } from '@tickerml/dashboard';
import type { FeedStats } from '@tickerml/exchanges';
import {
  atomsToDecimal,
  buildVenues,
  createBaseline,
  type Fill,
  Portfolio,
  type SimulatedVenue,
  TradableInstrument,
  type VenueSettings,
} from '@tickerml/execution';
import { type AlertRecord, type GateDecision, PaperStore, PaperTrader, ResumeMode } from '@tickerml/paper';
import { BreakerRule, RiskEngine, resolveRiskLimits } from '@tickerml/risk';
import { collectSettings, SqliteStore, type StorageSettings, storageSettings } from '@tickerml/storage';
import type { BusRecord, KafkaBus as KafkaBusType } from '@tickerml/streaming';
import type { PiTraderArgs } from './args.js';
import { type Collection, startCollection } from './collect.js';
import { DEMO_INSTRUMENT, DemoSource } from './demo.js';
import { type Funding, startFunding } from './funding.js';
import { type LiveFeeds, startLiveFeeds } from './live.js';
import { type Monitoring, startMonitoring, type VenueCounters } from './monitoring.js';
import { newsDashboardView, startNews } from './news.js';
import { DT_STRATEGY, PolicyRuntime } from './policy.js';

/** The database path cannot be used (a component is a file, a directory cannot be created). */
export class DatabasePathError extends BaseError {
  override name = 'DatabasePathError' as const;
}

/** A running pi-trader. */
export interface PiTrader {
  readonly trader: PaperTrader;
  /** Dashboard URL (a token shows as `[REDACTED]`), or `undefined` with `--no-dashboard`. */
  readonly dashboardUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  readonly dbPath: string;
  /** Checkpoint the account was restored from (live resume), or `undefined` on a fresh start. */
  readonly resumedFrom: { readonly seq: number; readonly fills: number; readonly atUs: number } | undefined;
  /** Orders sent to the venue so far (accepted or resized by risk). */
  readonly counts: Counts;
  /** The alert engine and its channels (monitoring_config.yaml `alerts:`). */
  readonly monitoring: Monitoring;
  /** Stops the market-data feeds (demo or live) while the rest keeps running: what an outage looks like. */
  stopFeeds(): Promise<void>;
  /** What it persists of the market data (config.yaml `collect:`): recordings and row counters. */
  readonly collection: Collection;
  /** Resolves once {@link stop} has flushed everything. */
  stop(reason: string): Promise<Summary>;
}

interface Counts {
  events: number;
  decisions: number;
  ordersSent: number;
  ordersRejected: number;
}

/** What the run did, printed at exit. */
export interface Summary {
  readonly reason: string;
  readonly events: number;
  readonly ordersSent: number;
  readonly ordersRejected: number;
  /** Orders refused by the risk gate, by rule. */
  readonly refusedByRule: Readonly<Record<string, number>>;
  readonly fills: number;
  readonly equity: string;
  readonly pnl: string;
  readonly realizedPnl: string;
  readonly checkpoint: number;
}

/** Options besides the parsed flags. */
export interface PiTraderOptions {
  readonly args: PiTraderArgs;
  readonly config: TickerMLConfig;
  /** Where status lines go. Default `console.log`. */
  readonly print?: (line: string) => void;
  /**
   * Every decision latency, µs, for benchmarks: from the WebSocket `message` event of the frame
   * the decision was made on (the feed's `localTs`) to the order handed to the simulated venue
   * (`sent`: accepted or resized by risk) or refused by the risk gate (`refused`). Decisions
   * made from a timer or an order report (no frame) are not timed. `heldUs` is the part of `us`
   * before the event reached the trader: parsing, plus any wait in the feed (events held until
   * the book is synchronized with its REST snapshot) or in the demo (events held for a loop's
   * re-anchoring).
   */
  readonly onDecisionLatencyUs?: (us: number, outcome: DecisionOutcome, heldUs: number) => void;
  /**
   * In-memory history of the portfolio (see `PortfolioOptions` of `@tickerml/execution`): the
   * complete history of fills and portfolio states is in the SQLite store, so a long run keeps
   * only the recent fills and a thinned equity curve. Default {@link PI_TRADER_MEMORY}.
   */
  readonly memory?: { readonly maxFills?: number; readonly maxEquityPoints?: number };
  /**
   * How core's in-process bus hands events to the trader (see `Delivery` of `@tickerml/core`).
   * Default `synchronous`: each frame's events are decided inside its WebSocket `message` event.
   * `microtask` is there for benchmarks that compare the two.
   */
  readonly busDelivery?: Delivery;
}

/** What became of an order the strategy placed: `sent` to the simulated venue (accepted or resized by risk), or `refused` by risk. */
export type DecisionOutcome = 'sent' | 'refused';

/** Default in-memory history bounds of the pi-trader: 1,000 recent fills, 10,000 equity points. */
export const PI_TRADER_MEMORY = { maxFills: 1_000, maxEquityPoints: 10_000 } as const;
/** Closed orders each simulated venue of the pi-trader keeps for lookups by id (the rest are in SQLite). */
const PI_TRADER_CLOSED_ORDERS = 1_000;

const STARTING_NOTE = 'stablecoins count at par with USD';

/**
 * Starts the pi-trader: opens storage (resuming the last checkpoint unless `--fresh`), builds the
 * venues and the strategy, starts the feeds (demo recording or live venues), the dashboard and
 * the metrics endpoint.
 *
 * @throws the storage, dashboard and feed errors (a locked or corrupt database, a port in use).
 */
export async function startPiTrader(options: PiTraderOptions): Promise<PiTrader> {
  const { args, config } = options;
  const print = options.print ?? ((line: string) => console.log(line));
  const app = config.app;
  const logger: Logger = createLogger({
    dir: app.logging.dir,
    level: app.logging.level,
    name: 'pi-trader',
    fileName: 'pi-trader',
  });
  const clock: Clock = new LiveClock();
  // The Decision Transformer (--strategy dt, the default): its model is loaded and checked first.
  const policy =
    args.strategy === DT_STRATEGY ? await PolicyRuntime.start(args.model, logger, () => performance.now()) : undefined;
  const dbPath = args.db ?? app.storage.sqlitePath;
  if (dbPath !== ':memory:') {
    try {
      ensureDirectory(dirname(dbPath));
    } catch (error) {
      throw new DatabasePathError(
        `cannot keep the database ${dbPath}: ${error instanceof BaseError ? error.shortMessage : String(error)}`,
        { cause: error },
      );
    }
  }
  const sqlite = SqliteStore.open(dbPath);
  // storage.retention_days > 0: market data older than that is deleted every retention_check_minutes.
  const storage = storageSettings(app.storage);
  const stopSqliteRetention = storage.retention
    ? sqlite.startRetentionJob({
        ...storage.retention,
        clock,
        onError: (error) => logger.error({ err: error }, 'SQLite retention pass failed; the next one retries'),
      })
    : undefined;
  // PostgreSQL (storage.postgres_url): a mirror of the orders, fills and portfolio states, copied
  // from SQLite (which stays the crash-safe source of the checkpoints) every 30 s and at shutdown,
  // idempotently by row id. `pg` is loaded only when configured.
  const mirror =
    storage.backend !== 'postgres' || storage.postgresUrl === undefined
      ? undefined
      : await startPostgresMirror(storage.postgresUrl, sqlite, logger, storage, clock);
  const store = new PaperStore(sqlite);
  if (args.fresh) store.clear();
  const checkpoint = store.latest();
  // Market data it sees (config.yaml collect:): raw frames, order_books, trades, ohlcv, features.
  const collection = await startCollection({
    settings: collectSettings(config.app.collect),
    storage,
    recordingsDir: app.storage.recordingsDir,
    sqlite,
    clock,
    logger,
    bus: args.bus === 'kafka' ? 'kafka' : 'memory',
  });

  // News (config.yaml news:): harvested, scored and recorded beside trading, never blocking it.
  const news = await startNews({
    config: app.news,
    recordingsDir: app.storage.recordingsDir,
    clock,
    logger,
    demo: !args.live,
    store: sqlite,
  });

  // --- venues and instruments
  let live: LiveFeeds | undefined;
  let venueSettings: VenueSettings[];
  if (args.live) {
    live = await startLiveFeeds({
      config,
      logger,
      emit: (e) => publish(e),
      cacheDir: dirname(dbPath),
      clock, // the feeds stamp and time on the trader's clock
      onRawFrame: collection.onRawFrame,
      // No feed has started yet: the portfolio exists before the first event reaches the encoders.
      onInstruments: (fed) => {
        collection.addInstruments(fed);
        collection.enableFeatures(fed, fed, () => portfolio);
      },
    });
    venueSettings = live.venues.map((v) => ({
      venue: v.venue,
      instruments: v.instruments,
      latency: { kind: 'range', minMs: v.latencyMs.min, maxMs: v.latencyMs.max },
    }));
  } else {
    venueSettings = [
      {
        venue: DEMO_INSTRUMENT.venue,
        instruments: [DEMO_INSTRUMENT],
        latency: { kind: 'range', minMs: 50, maxMs: 100 },
      },
    ];
  }
  // The starting balance goes to each venue in its quote currency (stablecoins at par with USD).
  const balance = app.trading.startingBalance;
  venueSettings = venueSettings.map((v) => ({
    ...v,
    balances: { [v.instruments[0]?.quote ?? app.trading.currency]: balance },
    // Orders closed long ago are in SQLite; the venue keeps only recent ones for late cancels.
    closedOrderRetention: PI_TRADER_CLOSED_ORDERS,
  }));
  const portfolio = new Portfolio({ ...PI_TRADER_MEMORY, ...options.memory });
  const venues: SimulatedVenue[] = buildVenues({ seed: app.trading.seed, venues: venueSettings }, portfolio);
  const markets = venueSettings.flatMap((v) =>
    v.instruments.map((spec) => ({
      instrument: new TradableInstrument({ ...spec, venue: v.venue }),
      refPriceTicks: 0,
    })),
  );

  // The reference price sizes the orders: taken from the first two-sided book, then the strategy is built.
  const counts: Counts = { events: 0, decisions: 0, ordersSent: 0, ordersRejected: 0 };
  const metrics = createMetricsRegistry({ prefix: 'tickerml_pi_', processMetrics: true });
  const m = {
    events: metrics.counter('events_total', 'Market events stepped into the engine'),
    decisions: metrics.counter('decisions_total', 'Orders the strategy placed, by risk outcome', ['action']),
    orders: metrics.counter('orders_total', 'Orders sent to the simulated venue'),
    fills: metrics.counter('fills_total', 'Fills booked'),
    frames: metrics.counter('feed_frames_total', 'WebSocket frames routed by the feed (count)', ['venue']),
    gaps: metrics.counter('feed_gaps_total', 'Sequence gaps and checksum mismatches detected by the feed (count)', [
      'venue',
    ]),
    resyncs: metrics.counter(
      'feed_resyncs_total',
      "Books rebuilt from a fresh snapshot (count; in the demo without the loop seam's planned resyncs)",
      ['venue'],
    ),
    mismatches: metrics.counter('feed_checksum_mismatches_total', 'Book checksum mismatches (count)', ['venue']),
    lastBook: metrics.gauge(
      'feed_last_book_update_timestamp_seconds',
      'When the last book update of the venue was received (localTs), seconds since the Unix epoch',
      ['venue'],
    ),
    feedLag: metrics.gauge(
      'feed_lag_seconds',
      "Market-data latency localTs - exchTs of the venue's last event, seconds",
      ['venue'],
    ),
    equity: metrics.gauge('equity', 'Account equity with positions at the current mid, in quote currency units'),
    drawdown: metrics.gauge('drawdown_ratio', 'Drawdown from the equity peak, a fraction (0.1 = 10 %)'),
    emergencyStop: metrics.gauge('emergency_stop', 'The drawdown emergency stop is in force (1) or not (0)'),
    maxDrawdown: metrics.gauge('max_drawdown_ratio', 'Largest drawdown from a running equity peak so far, a fraction'),
    dailyPnl: metrics.gauge('daily_pnl', 'P&L since the start of the UTC day, in quote currency units'),
    sharpe: metrics.gauge(
      'sharpe_ratio',
      'Annualised Sharpe ratio of the equity series (absent until 30 returns over 30 days), dimensionless',
    ),
    halts: metrics.gauge('circuit_breaker_halts', 'Circuit-breaker halts in force, by breaker (count)', ['breaker']),
    checkpoints: metrics.counter('checkpoints_total', 'Checkpoints committed'),
    latency: metrics.histogram(
      'decision_latency_seconds',
      'Frame received (WebSocket message event) to order sent to the simulated venue, or refused by risk',
      ['outcome'],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
    ),
  };
  // Both outcomes exported from the start (zero counts), not only once the first one happens.
  m.latency.zero({ outcome: 'sent' });
  m.latency.zero({ outcome: 'refused' });
  for (const action of ['accepted', 'resized', 'rejected']) m.decisions.inc({ action }, 0);
  const risk = new RiskEngine(
    resolveRiskLimits({
      kellyFraction: config.risk.kellyFraction,
      maxPositionFraction: config.risk.maxPositionFraction,
      maxDrawdown: config.risk.maxDrawdown,
      flattenOnEmergencyStop: config.risk.flattenOnEmergencyStop,
      correlationThreshold: config.risk.correlationThreshold,
      correlationWindow: config.risk.correlationWindow,
      volRegimePercentiles: config.risk.volRegime.percentiles as unknown as readonly [number, number, number],
      volRegimeScale: config.risk.volRegime.scale,
      breakers: {
        staleFeedUs: config.risk.circuitBreakers.staleDataMs * 1000,
        maxSpreadBps: config.risk.circuitBreakers.maxSpreadBps,
        maxPriceJumpFraction: config.risk.circuitBreakers.maxPriceJumpFraction,
        priceJumpSigmas: config.risk.circuitBreakers.priceJumpSigmas,
        priceJumpWindow: config.risk.circuitBreakers.priceJumpWindow,
        gapStormCount: config.risk.circuitBreakers.gapStormCount,
        gapStormWindowUs: config.risk.circuitBreakers.gapStormWindowMs * 1000,
        cooldownUs: config.risk.circuitBreakers.cooldownMs * 1000,
      },
    }),
  );

  // Alerts (monitoring_config.yaml): rules evaluated on the clock, channels delivering in the background.
  let monitoredFeeds = (): VenueCounters[] => [];
  /** Perpetual funding rates (config.yaml funding:), started with the feeds. */
  let funding: Funding | undefined;
  const refreshEveryUs = parseDuration(config.model.training.refreshEvery);
  const monitoring = startMonitoring({
    config,
    clock,
    logger,
    metrics,
    risk,
    feeds: () => monitoredFeeds(),
    ...(policy === undefined
      ? {}
      : {
          // The bundled demo model is trained on a 2024 recording: stale by design, so only --live
          // raises model_stale; a refused model file alerts in both.
          ...(args.live ? { model: () => policy.modelAge(clock.nowUs(), refreshEveryUs) } : {}),
          refusedModels: () => policy.refusedModels(),
        }),
  });

  let trader: PaperTrader | undefined;
  const onDecision = (d: GateDecision): void => {
    // Timed first: the order has just been handed to the venue (or refused); logging is not part of it.
    const latencyUs = d.eventLocalTs === undefined ? undefined : clock.nowUs() - d.eventLocalTs;
    if (trader?.recovering) return;
    const outcome: DecisionOutcome = d.decision.action === 'rejected' ? 'refused' : 'sent';
    if (latencyUs !== undefined) {
      m.latency.observe({ outcome }, latencyUs / 1e6);
      monitoring.onDecisionLatency(latencyUs);
      options.onDecisionLatencyUs?.(latencyUs, outcome, reachedTraderUs - (d.eventLocalTs ?? 0));
    }
    counts.decisions++;
    m.decisions.inc({ action: d.decision.action });
    if (d.decision.action === 'rejected') {
      counts.ordersRejected++;
      logger.info(
        { orderId: d.orderId, rule: d.decision.decidedBy, reason: d.decision.reason },
        'order rejected by risk',
      );
    } else {
      counts.ordersSent++;
      m.orders.inc();
      if (d.decision.action === 'resized')
        logger.info(
          { orderId: d.orderId, rule: d.decision.decidedBy, reason: d.decision.reason },
          'order resized by risk',
        );
    }
  };

  // Strategy: the Decision Transformer (policy.ts) or a baseline from packages/execution.
  // It is built when the first two-sided book gives the reference price that sizes its orders.
  const pending: MarketEvent[] = [];
  const makeTrader = (refPriceTicks: number): PaperTrader => {
    const sized = markets.map((mk) => ({ ...mk, refPriceTicks }));
    const strategy =
      policy?.strategy(sized, args.orderNotional) ??
      createBaseline(args.strategy, sized, { orderNotional: args.orderNotional });
    const t = new PaperTrader({
      venues,
      portfolio,
      strategy,
      clock,
      seed: app.trading.seed,
      risk: {
        risk,
        flattenOnEmergencyStop: config.risk.flattenOnEmergencyStop,
        onDecision,
        onEmergencyStop: (r) => logger.warn(r, 'emergency stop: drawdown limit reached, open orders cancelled'),
      },
      store,
      checkpointIntervalUs: 1_000_000,
      ...(checkpoint === undefined ? {} : { resume: { checkpoint, mode: ResumeMode.Live } }),
      onCheckpoint: (cp) => {
        m.checkpoints.inc();
        logger.debug({ seq: cp.seq, events: cp.eventsProcessed, fills: cp.fillsCount }, 'checkpoint');
      },
    });
    t.start();
    return t;
  };

  /** When the event being stepped reached the trader, µs (for the latency breakdown). */
  let reachedTraderUs = 0;
  const step = (e: MarketEvent): void => {
    if (trader === undefined) {
      pending.push(e);
      if (e.kind !== 'book_snapshot' && e.kind !== 'book_delta') return;
      const venue = venues.find((v) => v.venueId === e.venue);
      if (venue === undefined || !venue.trades(e.symbol)) return;
      // Apply to a scratch copy of the book: take the mid from the event's own levels.
      const bid = e.bids[0]?.priceTicks;
      const ask = e.asks[0]?.priceTicks;
      if (e.kind !== 'book_snapshot' || bid === undefined || ask === undefined) return;
      trader = makeTrader(Math.round((bid + ask) / 2));
      for (const p of pending.splice(0)) {
        counts.events++;
        reachedTraderUs = clock.nowUs();
        trader.onEvent(p);
      }
      return;
    }
    counts.events++;
    reachedTraderUs = clock.nowUs();
    trader.onEvent(e);
  };

  // --- bus: adapters publish, the trader subscribes. Core's in-process bus by default; Kafka
  // (kafka_config.yaml brokers and topics) with --bus kafka, loaded only then.
  const connected = new Map<string, boolean>();
  const lagMs = new Map<string, number>();
  let failed: unknown;
  const onBusEvent = (e: MarketEvent): void => {
    if (e.kind === 'connected') connected.set(e.venue, true);
    else if (e.kind === 'disconnected') connected.set(e.venue, false);
    else lagMs.set(e.venue, (e.localTs - e.exchTs) / 1000);
    if (e.kind === 'book_snapshot' || e.kind === 'book_delta') monitoring.onBookUpdate(e.venue, e.localTs);
    else if (e.kind === 'funding_rate') funding?.onEvent(e);
    step(e);
    collection.onEvent(e);
  };
  // A broker outage (--bus kafka) is not a failure of the trader: kafkajs reconnects, and the run
  // ends with exit 0 once the broker is back. Only a handler's own failure is.
  let isBrokerError: (error: unknown) => boolean = () => false;
  const outage = { errors: 0, undelivered: 0 };
  const onBrokerError = (error: unknown, where: string): void => {
    if (outage.errors++ === 0)
      logger.warn({ err: error, where }, 'Kafka broker unreachable: the bus reconnects and the run goes on');
  };
  const onBusError = (error: unknown): void => {
    if (isBrokerError(error)) return onBrokerError(error, 'consumer');
    failed ??= error;
    logger.error({ err: error }, 'the trader failed on an event');
  };
  let publishOne: (e: MarketEvent) => Promise<void>;
  let closeBus: () => Promise<void>;
  if (args.bus === 'kafka') {
    const { KafkaBus, isBrokerConnectionError } = await import('@tickerml/streaming');
    isBrokerError = isBrokerConnectionError;
    // kafkajs' own lines go through our logger at the configured level, not to the console.
    const kafka = KafkaBus.fromConfig<MarketEvent>(config.kafka, { metrics, logger });
    await kafka.connect();
    const subs = (['orderBooks', 'trades', 'funding'] as const).map((kind) =>
      kafka.subscribe(kafka.topicName(kind), (e) => onBusEvent(e), {
        groupId: `pi-trader.${kind}.${process.pid}`,
        onError: onBusError,
      }),
    );
    await Promise.all(subs.map((s) => s.ready));
    publishOne = (e) => kafka.publishEvent(e);
    // News items are records with kind 'news' on their own topic, keyed by source.
    news?.setPublisher((item) =>
      (kafka as unknown as KafkaBusType<BusRecord>).publish(kafka.topicName('news'), { ...item }, { key: item.source }),
    );
    closeBus = async () => {
      for (const s of subs) await s.unsubscribe().catch(() => undefined);
      await kafka.close();
    };
  } else {
    // Synchronous delivery: a frame's events reach the trader inside the feed's `message`
    // handler, so its decision does not wait for the other frames of the same socket read.
    const bus: EventBus<MarketEvent> = new InProcessBus<MarketEvent>({
      delivery: options.busDelivery ?? Delivery.Synchronous,
    });
    const subscription = bus.subscribe('market', (e) => onBusEvent(e), { bufferSize: 65_536, onError: onBusError });
    publishOne = (e) => bus.publish('market', e);
    closeBus = async () => {
      await bus.close();
      await subscription.unsubscribe().catch(() => undefined);
    };
  }
  const publish = (e: MarketEvent): void => {
    publishOne(e).catch((error: unknown) => {
      if (isBrokerError(error)) {
        outage.undelivered++;
        onBrokerError(error, 'producer');
        return;
      }
      failed ??= error;
    });
  };

  let demo: DemoSource | undefined;
  if (!args.live) {
    demo = new DemoSource({
      emit: publish,
      clock,
      speed: args.speed,
      seed: app.trading.seed,
      onRawFrame: collection.onRawFrame,
      // The feeds' instruments: tick sizes for the rows, venues for the encoder's cross-venue features.
      onInstruments: (all) => {
        collection.addInstruments(all);
        collection.enableFeatures([DEMO_INSTRUMENT], all, () => portfolio);
      },
      onLoop: (n, venue) => {
        logger.info({ loop: n, venue }, 'demo recording restarts');
      },
    });
    await demo.start();
  }
  if (app.funding.enabled) {
    const fundingJitter = new SeededRandom(app.trading.seed).fork('funding-reconnect-jitter');
    funding = await startFunding({
      venues: app.funding.venues,
      bases: [...new Set(venueSettings.flatMap((v) => v.instruments.map((i) => i.base)))],
      demo: !args.live,
      emit: publish,
      logger,
      metrics,
      sqlite,
      onRawFrame: collection.onRawFrame,
      nowUs: () => clock.nowUs(),
      clock,
      random: () => fundingJitter.next(),
    });
  }

  // --- dashboard
  let dashboard: DashboardServer | undefined;
  let dashboardUrl: string | undefined;
  if (args.dashboard) {
    dashboard = new DashboardServer({
      port: args.port ?? app.dashboard.port,
      host: app.dashboard.host,
      ...(app.dashboard.token === undefined ? {} : { token: app.dashboard.token }),
      allowedHosts: app.dashboard.allowedHosts,
      title: `pi-trader (${args.live ? 'live feeds' : 'demo recording'}, paper)`,
      startingBalance: balance,
      ...(policy === undefined ? {} : { modelFile: () => policy.modelFile() }),
    });
    await dashboard.start();
    // Printed and logged: the token never appears in either.
    dashboardUrl = dashboard.redactedUrl;
  }

  // --- metrics endpoint
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (config.monitoring.metrics.enabled) {
    metricsServer = createServer((req, res) => {
      if (req.url === '/metrics') {
        metrics.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
            res.end(text);
          },
          (error: unknown) => {
            res.writeHead(500);
            res.end(String(error));
          },
        );
        return;
      }
      res.writeHead(404);
      res.end('not found: try /metrics\n');
    });
    const host = config.monitoring.metrics.host;
    await new Promise<void>((resolve, reject) => {
      metricsServer?.once('error', reject);
      metricsServer?.listen(args.metricsPort ?? config.monitoring.metrics.port, host, () => resolve());
    });
    metricsUrl = `http://${host}:${(metricsServer.address() as AddressInfo).port}/metrics`;
  }

  // --- periodic: dashboard, metrics, status line
  const feedStats = (): { venue: string; stats: FeedStats[] }[] => {
    if (demo !== undefined) return demo.stats();
    return live?.stats() ?? [];
  };
  /**
   * Resyncs that are not the demo's loop seam: each loop of a recording resyncs every book of the
   * venue once (planned, see demo.ts), which is not a resync storm. The dashboard shows them all.
   */
  const unplannedResyncs = (venue: string, stats: readonly FeedStats[]): number => {
    const seam = demo === undefined ? 0 : ((demo.passes.get(venue) ?? 1) - 1) * stats.length;
    return Math.max(0, stats.reduce((a, x) => a + x.resyncs, 0) - seam);
  };
  monitoredFeeds = () =>
    feedStats().map(({ venue, stats }) => ({
      venue,
      resyncs: unplannedResyncs(venue, stats),
      checksumMismatches: stats.reduce((a, x) => a + x.checksumsMismatched, 0),
    }));
  /** Feed counters already added to the metrics, per venue and counter (counters only go up). */
  const exported = new Map<string, number>();
  const addUp = (counter: typeof m.frames, venue: string, total: number): void => {
    const k = `${counter === m.frames ? 'f' : counter === m.gaps ? 'g' : counter === m.resyncs ? 'r' : 'c'}|${venue}`;
    const before = exported.get(k);
    const delta = total - (before ?? 0);
    // Exported (at 0) from the first refresh, so rules over it have a series before the first event.
    if (delta > 0 || before === undefined) counter.inc({ venue }, Math.max(0, delta));
    exported.set(k, total);
  };
  let sentFills = 0;
  let lastFills = 0;
  const refresh = (): void => {
    const t = trader;
    const feeds: FeedView[] = feedStats().map(({ venue, stats }) => {
      const sum = { frames: 0, gaps: 0, resyncs: 0, mismatches: 0 };
      for (const s of stats) {
        sum.frames += s.frames;
        sum.gaps += s.gaps;
        sum.resyncs += s.resyncs;
        sum.mismatches += s.checksumsMismatched;
      }
      addUp(m.frames, venue, sum.frames);
      addUp(m.gaps, venue, sum.gaps + sum.mismatches);
      addUp(m.resyncs, venue, unplannedResyncs(venue, stats));
      addUp(m.mismatches, venue, sum.mismatches);
      const lastBookUs = monitoring.lastBookUpdateUs(venue);
      if (lastBookUs !== undefined) m.lastBook.set({ venue }, lastBookUs / 1e6);
      const lag = lagMs.get(venue);
      if (lag !== undefined) m.feedLag.set({ venue }, lag / 1000);
      return {
        venue,
        connected: connected.get(venue) ?? false,
        gaps: sum.gaps,
        resyncs: sum.resyncs,
        checksumMismatches: sum.mismatches,
        lagMs: lagMs.get(venue) ?? null,
        frames: sum.frames,
      };
    });
    m.events.inc(counts.events - (refreshState.events ?? 0));
    refreshState.events = counts.events;
    m.emergencyStop.set(risk.drawdown.tripped ? 1 : 0);
    const haltCounts = new Map<string, number>();
    for (const h of risk.breakers.allHalts()) haltCounts.set(h.rule, (haltCounts.get(h.rule) ?? 0) + 1);
    for (const rule of BREAKERS) m.halts.set({ breaker: rule }, haltCounts.get(rule) ?? 0);
    const alerts = alertsView(monitoring);
    const newsView = news === undefined ? undefined : newsDashboardView(news, clock.nowUs());
    if (newsView !== undefined) dashboard?.update({ news: newsView });
    const modelUpdate = policy?.dashboardUpdate();
    if (modelUpdate !== undefined) dashboard?.update(modelUpdate);
    if (t === undefined) {
      dashboard?.update({ feeds, alerts, funding: funding?.rows() ?? [] });
      return;
    }
    const equityAtoms = t.equityAtoms();
    const pnlAtoms = equityAtoms - t.initialEquityAtoms;
    m.equity.set(Number(equityAtoms) / 1e18);
    m.drawdown.set(risk.drawdown.drawdown);
    const dailyPnlAtoms = t.figures.dailyPnlAtoms(equityAtoms);
    const sharpe = t.figures.sharpeRatio();
    m.maxDrawdown.set(t.figures.maxDrawdown);
    m.dailyPnl.set(Number(dailyPnlAtoms) / 1e18);
    if (sharpe !== null) m.sharpe.set(sharpe);
    const fills = t.fillsCount;
    if (fills > lastFills) m.fills.inc(fills - lastFills);
    lastFills = fills;
    if (dashboard === undefined) return;
    const ctx = t.engine.context;
    const all = portfolio.fills;
    // The new fills since the last refresh, and at least the last 20 again (their markouts arrive later).
    const fresh = portfolio.fillsBooked - sentFills;
    const recent = all.slice(Math.max(0, all.length - Math.max(fresh, 20)));
    sentFills = portfolio.fillsBooked;
    dashboard.update({
      equity: [{ tsUs: clock.nowUs(), equity: atomsToDecimal(equityAtoms, 2), pnl: atomsToDecimal(pnlAtoms, 2) }],
      positions: portfolio
        .positions()
        .filter((p) => p.qtyLots !== 0 || p.realizedAtoms !== 0n)
        .map((p) => ({
          venue: p.venue,
          symbol: p.symbol,
          qty: `${p.qtyLots < 0 ? '-' : ''}${p.instrument.lotsToQty(Math.abs(p.qtyLots))}`,
          avgPrice: p.qtyLots === 0 ? '0' : avgPrice(p.costAtoms, p.qtyLots, p.instrument),
          unrealizedPnl: atomsToDecimal(portfolio.unrealizedAtoms(p), 2),
          realizedPnl: atomsToDecimal(p.realizedAtoms, 2),
        })),
      openOrders: ctx.openOrders().map((o) => {
        const inst = ctx.instrument(o.venue, o.symbol);
        return {
          id: o.orderId,
          venue: o.venue,
          symbol: o.symbol,
          side: o.side,
          type: o.priceTicks > 0 ? 'limit' : 'market',
          price: o.priceTicks > 0 ? inst.ticksToPrice(o.priceTicks) : '',
          qty: inst.lotsToQty(o.qtyLots),
          filledQty: inst.lotsToQty(o.filledLots),
          status: o.status,
        };
      }),
      fills: recent.map((f) => fillView(f, ctx.instrument(f.venue, f.symbol))),
      risk: {
        drawdown: risk.drawdown.drawdown,
        emergencyStop: risk.drawdown.tripped,
        halts: risk.breakers.allHalts().map((h) => ({
          rule: h.rule,
          venue: h.venue,
          ...(h.symbol === undefined ? {} : { symbol: h.symbol }),
          detail: h.detail,
        })),
        ...(t.gate?.lastReason === undefined ? {} : { lastDecision: t.gate.lastReason }),
      },
      feeds,
      alerts,
      funding: funding?.rows() ?? [],
      stats: { sharpeRatio: sharpe, maxDrawdown: t.figures.maxDrawdown, dailyPnl: atomsToDecimal(dailyPnlAtoms, 2) },
    });
  };
  const refreshState: { events?: number } = {};
  clock.setTimer('pi-trader-refresh', 500_000, undefined, undefined, () => {
    try {
      refresh();
    } catch (error) {
      logger.error({ err: error }, 'dashboard refresh failed');
    }
  });
  const startedUs = clock.nowUs();
  if (args.statusEveryS > 0) {
    clock.setTimer('pi-trader-status', Math.round(args.statusEveryS * 1e6), undefined, undefined, () => {
      const t = trader;
      const eq = t === undefined ? balance : atomsToDecimal(t.equityAtoms(), 2);
      print(
        `[${((clock.nowUs() - startedUs) / 1e6).toFixed(0)} s] events ${counts.events}  orders ${counts.ordersSent} (+${counts.ordersRejected} refused by risk)  fills ${t?.fillsCount ?? 0}  equity ${eq}  drawdown ${(risk.drawdown.drawdown * 100).toFixed(2)} %`,
      );
    });
  }

  let feedsStopped: Promise<void> | undefined;
  const stopFeeds = (): Promise<void> => {
    feedsStopped ??= (async () => {
      await demo?.stop();
      live?.stop();
      await funding?.stop();
    })();
    return feedsStopped;
  };
  let stopping: Promise<Summary> | undefined;
  const stop = (reason: string): Promise<Summary> => {
    stopping ??= (async () => {
      clock.cancelTimers();
      await stopFeeds();
      await closeBus().catch((error: unknown) => {
        if (isBrokerError(error)) onBrokerError(error, 'close');
        else failed ??= error;
      });
      if (outage.errors > 0)
        logger.warn(
          { connectionErrors: outage.errors, eventsNotDelivered: outage.undelivered },
          'the Kafka broker was unreachable during the run',
        );
      const t = trader;
      const cp = t?.stop();
      refresh();
      await monitoring.stop();
      await dashboard?.stop();
      await new Promise<void>((resolve) =>
        metricsServer === undefined ? resolve() : metricsServer.close(() => resolve()),
      );
      const equity = t === undefined ? 0n : t.equityAtoms();
      const realized = portfolio.positions().reduce((a, p) => a + p.realizedAtoms, 0n);
      const summary: Summary = {
        reason,
        events: counts.events,
        ordersSent: counts.ordersSent,
        ordersRejected: counts.ordersRejected,
        refusedByRule: Object.fromEntries(t?.gate?.rejectedByRule ?? []),
        fills: t?.fillsCount ?? 0,
        equity: t === undefined ? balance : atomsToDecimal(equity, 2),
        pnl: t === undefined ? '0' : atomsToDecimal(equity - t.initialEquityAtoms, 2),
        realizedPnl: atomsToDecimal(realized, 2),
        checkpoint: cp?.seq ?? checkpoint?.seq ?? 0,
      };
      logger.info(summary, 'pi-trader stopped');
      stopSqliteRetention?.();
      await collection.stop();
      await news?.stop();
      await mirror?.stop();
      sqlite.close();
      await closeLogger(logger);
      if (failed !== undefined) throw failed;
      return summary;
    })();
    return stopping;
  };

  logger.info(
    {
      mode: args.live ? 'live' : 'demo',
      dbPath,
      resumed: checkpoint?.seq,
      dashboardUrl,
      metricsUrl,
      strategy: args.strategy,
      note: STARTING_NOTE,
    },
    'pi-trader started',
  );
  if (checkpoint !== undefined) monitoring.onRecovered(checkpoint.seq, checkpoint.fillsCount, checkpoint.atUs);
  return {
    get trader() {
      if (trader === undefined) throw new Error('no book yet: the trader starts on the first snapshot');
      return trader;
    },
    dashboardUrl,
    metricsUrl,
    dbPath,
    resumedFrom:
      checkpoint === undefined
        ? undefined
        : { seq: checkpoint.seq, fills: checkpoint.fillsCount, atUs: checkpoint.atUs },
    counts,
    collection,
    monitoring,
    stopFeeds,
    stop,
  };
}

/** Every circuit breaker, so each halt gauge is exported (at 0) from the start. */
const BREAKERS = Object.values(BreakerRule);

function alertsView(monitoring: Monitoring): NonNullable<DashboardUpdate['alerts']> {
  const view = (r: AlertRecord) => ({
    key: r.key,
    rule: r.rule,
    severity: r.severity,
    summary: r.summary,
    status: r.status,
    startedAtUs: r.startedAtUs,
    endedAtUs: r.endedAtUs ?? null,
  });
  const { active, recent } = monitoring.alerts();
  return { active: active.map(view), recent: recent.map(view) };
}

/** Copies the paper tables from SQLite into PostgreSQL every `intervalMs`, one run at a time. */
async function startPostgresMirror(
  url: string,
  sqlite: SqliteStore,
  logger: Logger,
  storage: StorageSettings,
  clock: Clock,
  intervalMs = 30_000,
): Promise<{ stop(): Promise<void> }> {
  const { migrateSqliteToPostgres, PostgresStore } = await import('@tickerml/storage/postgres');
  // Partition width, TimescaleDB chunks/compression/retention and the retention job come from config.
  const pg = await PostgresStore.connect(url, { ...storage.postgres, log: (line) => logger.info(line) });
  const stopRetention = storage.retention
    ? pg.startRetentionJob({
        ...storage.retention,
        clock,
        onError: (error) => logger.error({ err: error }, 'PostgreSQL retention pass failed; the next one retries'),
      })
    : undefined;
  const tables = ['orders', 'fills', 'portfolio_state'] as const;
  let running: Promise<void> = Promise.resolve();
  const copy = (): Promise<void> => {
    running = running.then(async () => {
      try {
        const report = await migrateSqliteToPostgres(sqlite, pg, { tables });
        const copied = report.tables.reduce((a, t) => a + t.copiedRows, 0);
        if (!report.ok) logger.error({ tables: report.tables }, 'PostgreSQL mirror differs from SQLite');
        else logger.debug({ copied }, 'PostgreSQL mirror up to date');
      } catch (error) {
        logger.error({ err: error }, 'PostgreSQL mirror failed; SQLite keeps everything, the next run retries');
      }
    });
    return running;
  };
  const timer = setInterval(() => void copy(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      stopRetention?.();
      await copy();
      await pg.close();
    },
  };
}

function avgPrice(costAtoms: bigint, qtyLots: number, inst: TradableInstrument): string {
  // cost / (qty × tickLotAtoms) is the average price in ticks; show it with the tick's decimals (truncated).
  const ticks = costAtoms / (BigInt(qtyLots) * inst.tickLotAtoms);
  return inst.ticksToPrice(Number(ticks < 0n ? -ticks : ticks));
}

function fillView(f: Fill, inst: TradableInstrument): FillView {
  const bps = (ticks: number): number | null =>
    Number.isNaN(ticks) || f.midAtFillTicks === 0 ? null : (ticks / f.midAtFillTicks) * 10_000;
  return {
    id: `${f.venue}:${f.fillId}`,
    tsUs: f.atUs,
    venue: f.venue,
    symbol: f.symbol,
    side: f.side,
    price: inst.ticksToPrice(f.priceTicks),
    qty: inst.lotsToQty(f.qtyLots),
    fee: atomsToDecimal(f.feeAtoms, 4),
    liquidity: f.liquidity,
    markoutsBps: [bps(f.markoutsTicks[0]), bps(f.markoutsTicks[1]), bps(f.markoutsTicks[2])],
    toxic: f.toxic,
  };
}
