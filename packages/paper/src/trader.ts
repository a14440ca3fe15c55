/**
 * The live paper trader: the execution {@link Engine} (the same kernel as the backtest) driven by
 * market events as they arrive and by a ticker on the injected clock, so that acknowledgements,
 * fills (after their response latency) and strategy timers fire as time passes even when no
 * market event comes. Orders go through an optional {@link RiskGate}; orders, fills, portfolio
 * states and checkpoints go to SQLite.
 *
 * Time: market events carry `localTs` (stamped on receipt by the feed's clock); the strategy's
 * clock is a `TestClock` owned by the engine, moved to each event's `localTs` and, by the
 * ticker, to `clock.nowUs()`. With core's `LiveClock` that is wall time; with a `TestClock`
 * (tests) it is whatever the test advances to. Nothing here reads the host clock.
 *
 * @module
 */
import type { Clock, MarketEvent } from '@tickerml/core';
import { TestClock } from '@tickerml/core';
import {
  atomsToDecimal,
  Engine,
  type Fill,
  liveEquityAtoms,
  type OrderUpdate,
  type Portfolio,
  RiskGate,
  type RiskGateOptions,
  type SimulatedVenue,
  type Strategy,
  type StrategyContext,
  type TradableInstrument,
} from '@tickerml/execution';
import type { FillRow, OrderRow, PortfolioStateRow } from '@tickerml/storage';
import { CheckpointFormatError, PaperTraderError, RecoveryMismatchError } from './errors.js';
import { AccountFigures, type AccountFiguresOptions } from './figures.js';
import { CHECKPOINT_VERSION, type Checkpoint, type CheckpointOrder, type PaperStore } from './store.js';

/** How a run resumes from a checkpoint. */
export const ResumeMode = {
  /**
   * The input is re-readable (a recording): re-process it from its start up to the checkpoint's
   * position without writing anything, check that the rebuilt account equals the checkpoint,
   * then go on. Books, queue positions, in-flight orders and latency draws are rebuilt exactly,
   * so the run ends as an uninterrupted one would.
   */
  Replay: 'replay',
  /**
   * Live feeds: the events missed while down are gone. Cash, positions (cost basis, realised
   * P&L, fees, funding) and the fill count are restored exactly; open orders are placed again
   * (limit, remaining size) once their book is two-sided, at the back of the queue.
   */
  Live: 'live',
} as const;
export type ResumeMode = (typeof ResumeMode)[keyof typeof ResumeMode];

/** Options of {@link PaperTrader}. */
export interface PaperTraderOptions {
  readonly venues: readonly SimulatedVenue[];
  readonly portfolio: Portfolio;
  readonly strategy: Strategy;
  /** Gates every order through the risk engine (see {@link RiskGate}). Omit to trade ungated. */
  readonly risk?: RiskGateOptions;
  /** Drives the ticker: core's `LiveClock` live, a `TestClock` in tests. */
  readonly clock: Clock;
  /** Ticker period, µs of `clock` time. Default 10 ms. 0 disables the ticker (a replay moved by its events only). */
  readonly tickIntervalUs?: number;
  /** Seed of the strategy's generator. Default 0. */
  readonly seed?: number;
  /** Equity sampling period, µs. Default 1 s. */
  readonly equitySampleUs?: number;
  /** Persistence; omit to keep nothing. */
  readonly store?: PaperStore;
  /** Checkpoint after this many market events. Default 5,000. */
  readonly checkpointEveryEvents?: number;
  /** …or when this much strategy time passed since the last one, µs. Default 1 s. */
  readonly checkpointIntervalUs?: number;
  /** The caller's input position, stored in each checkpoint (JSON). */
  readonly sourcePosition?: () => unknown;
  /** Resume from this checkpoint (see {@link ResumeMode}). */
  readonly resume?: { readonly checkpoint: Checkpoint; readonly mode: ResumeMode };
  readonly onCheckpoint?: (checkpoint: Checkpoint) => void;
  /** Sampling of the Sharpe ratio's equity series (see {@link AccountFigures}). */
  readonly figures?: AccountFiguresOptions;
  /** Called once the account equals the checkpoint again (replay: after re-processing; live: at once). */
  readonly onRecovered?: (checkpoint: Checkpoint) => void;
}

/**
 * A strategy wrapper that records every order update the strategy hears (for the `orders`
 * table), including the risk gate's rejections.
 */
class OrderRecorder implements Strategy {
  readonly name: string;
  readonly rows: OrderRow[] = [];
  muted = false;
  constructor(
    readonly inner: Strategy,
    private readonly instrument: (venue: string, symbol: string) => TradableInstrument | undefined,
  ) {
    this.name = inner.name;
  }
  onStart(ctx: StrategyContext): void {
    this.inner.onStart?.(ctx);
  }
  onEvent(event: MarketEvent, ctx: StrategyContext): void {
    this.inner.onEvent(event, ctx);
  }
  onTimer(timer: Parameters<NonNullable<Strategy['onTimer']>>[0], ctx: StrategyContext): void {
    this.inner.onTimer?.(timer, ctx);
  }
  onOrderUpdate(u: OrderUpdate, ctx: StrategyContext): void {
    if (!this.muted) {
      const inst = this.instrument(u.venue, u.symbol);
      const view = ctx.openOrders(u.venue, u.symbol).find((o) => o.orderId === u.orderId);
      const qtyLots = view?.qtyLots ?? u.filledLots + u.leavesLots;
      this.rows.push({
        timestamp: ctx.nowUs(),
        exchange: u.venue,
        symbol: u.symbol,
        order_id: u.orderId,
        side: u.side,
        order_type: u.priceTicks > 0 ? 'limit' : 'market',
        price: inst === undefined || u.priceTicks <= 0 ? null : inst.ticksToPrice(u.priceTicks),
        quantity: inst === undefined ? String(qtyLots) : inst.lotsToQty(qtyLots),
        status: u.status,
        reason: u.rejectReason ?? null,
      });
    }
    this.inner.onOrderUpdate?.(u, ctx);
  }
  onFill(fill: Fill, ctx: StrategyContext): void {
    this.inner.onFill?.(fill, ctx);
  }
  onCancelReject(r: Parameters<NonNullable<Strategy['onCancelReject']>>[0], ctx: StrategyContext): void {
    this.inner.onCancelReject?.(r, ctx);
  }
  onEnd(ctx: StrategyContext): void {
    this.inner.onEnd?.(ctx);
  }
}

const TICK_TIMER = 'paper-trader-tick';
/** The account figures are observed on this grid of strategy time, µs. */
const FIGURES_GRID_US = 1_000_000;

/**
 * Runs a strategy live against simulated venues.
 *
 * @example
 * ```ts
 * const portfolio = new Portfolio();
 * const venues = buildVenues({ seed: 42, venues: [{ venue: 'binance', instruments: [btc], balances: { USDT: '10000' } }] }, portfolio);
 * const trader = new PaperTrader({
 *   venues, portfolio, strategy: obiMomentum({ venue: 'binance', symbol: 'BTC/USDT', qtyLots: 2_000, maxPositionLots: 6_000 }),
 *   clock: new LiveClock(), risk: { risk: new RiskEngine() }, store: new PaperStore(SqliteStore.open('data/paper.sqlite')),
 * });
 * trader.start();
 * feed = binanceUsFeed({ instruments, emit: (e) => trader.onEvent(e), clock, random }); // the trader's clock; events in arrival order
 * // …on SIGINT:
 * trader.stop(); // last checkpoint, ticker off
 * ```
 */
export class PaperTrader {
  readonly engine: Engine;
  readonly portfolio: Portfolio;
  /** The risk gate, when `risk` was given. */
  readonly gate: RiskGate | undefined;
  readonly clock: Clock;
  /** Market events stepped (including those re-processed on a replay resume). */
  eventsProcessed = 0;
  /** Checkpoints committed by this process. */
  checkpointsWritten = 0;
  /** The last checkpoint committed or resumed from. */
  lastCheckpoint: Checkpoint | undefined;
  /** Max drawdown so far, UTC-day P&L and the Sharpe ratio, as the `portfolio_state` rows carry them. */
  readonly figures: AccountFigures;

  readonly #venues: readonly SimulatedVenue[];
  readonly #recorder: OrderRecorder;
  readonly #store: PaperStore | undefined;
  readonly #tickUs: number;
  readonly #everyEvents: number;
  readonly #intervalUs: number;
  readonly #sourcePosition: (() => unknown) | undefined;
  readonly #onCheckpoint: ((cp: Checkpoint) => void) | undefined;
  readonly #onRecovered: ((cp: Checkpoint) => void) | undefined;
  #resume: { readonly checkpoint: Checkpoint; readonly mode: ResumeMode } | undefined;
  /** Orders to place again after a live resume, once their book is two-sided. */
  #toReplace: CheckpointOrder[] = [];
  #seq = 0;
  #sinceCheckpoint = 0;
  #lastCheckpointUs = Number.NEGATIVE_INFINITY;
  /** Fills booked before this process (live resume), so fill counts continue. */
  #fillsBase = 0;
  #fillsPersisted = 0;
  #initialEquity: bigint | undefined;
  #ticking = false;
  #lastLocalTs = Number.NEGATIVE_INFINITY;
  #stopped = false;
  #nextFiguresUs = Number.NEGATIVE_INFINITY;

  /** @throws PaperTraderError for a bad option value; CheckpointFormatError for a resume checkpoint that names an unknown venue or symbol. */
  constructor(options: PaperTraderOptions) {
    this.portfolio = options.portfolio;
    this.clock = options.clock;
    this.#venues = options.venues;
    this.#store = options.store;
    this.#tickUs = options.tickIntervalUs ?? 10_000;
    this.#everyEvents = options.checkpointEveryEvents ?? 5_000;
    this.#intervalUs = options.checkpointIntervalUs ?? 1_000_000;
    this.#sourcePosition = options.sourcePosition;
    this.#onCheckpoint = options.onCheckpoint;
    this.#onRecovered = options.onRecovered;
    this.figures = new AccountFigures(options.figures);
    if (!Number.isSafeInteger(this.#tickUs) || this.#tickUs < 0)
      throw new PaperTraderError(`tickIntervalUs must be a non-negative integer of µs, was ${this.#tickUs}`);
    if (!Number.isSafeInteger(this.#everyEvents) || this.#everyEvents < 1)
      throw new PaperTraderError(`checkpointEveryEvents must be a positive integer, was ${this.#everyEvents}`);
    if (!(this.#intervalUs > 0))
      throw new PaperTraderError(`checkpointIntervalUs must be positive, was ${this.#intervalUs}`);
    this.#recorder = new OrderRecorder(options.strategy, (venue, symbol) => this.#instrument(venue, symbol));
    // Order ids continue after those already stored (a replay resume re-creates the original ids instead).
    const last =
      options.store === undefined || options.resume?.mode === ResumeMode.Replay
        ? { orders: 0, rejections: 0 }
        : options.store.lastOrderSeqs();
    this.gate =
      options.risk === undefined
        ? undefined
        : new RiskGate(this.#recorder, { firstRejectSeq: last.rejections, ...options.risk });
    this.engine = new Engine({
      venues: options.venues,
      portfolio: options.portfolio,
      strategy: this.gate ?? this.#recorder,
      clock: new TestClock(0),
      seed: options.seed ?? 0,
      equitySampleUs: options.equitySampleUs ?? 1_000_000,
      firstOrderSeq: last.orders,
    });
    if (options.resume !== undefined) {
      const cp = options.resume.checkpoint;
      this.#seq = cp.seq;
      if (options.resume.mode === ResumeMode.Replay) {
        if (cp.eventsProcessed === 0) this.#resumed(cp);
        else {
          this.#resume = options.resume;
          this.#recorder.muted = true;
        }
      } else {
        this.#restoreAccount(cp);
        this.#resumed(cp);
      }
    }
  }

  #instrument(venue: string, symbol: string): TradableInstrument | undefined {
    for (const v of this.#venues) if (v.venueId === venue && v.trades(symbol)) return v.instrument(symbol);
    return undefined;
  }

  /** True while a replay resume is re-processing input already accounted for. */
  get recovering(): boolean {
    return this.#resume !== undefined;
  }

  /** Equity at the start of the run (kept across restarts), quote atoms. */
  get initialEquityAtoms(): bigint {
    return this.#initialEquity ?? this.portfolio.initialEquityAtoms;
  }

  /** Fills booked in this run, including those before a live restart. */
  get fillsCount(): number {
    return this.#fillsBase + this.portfolio.fillsBooked;
  }

  /** Equity with positions marked at the current mids, quote atoms. */
  equityAtoms(): bigint {
    const ctx = this.engine.context;
    return liveEquityAtoms(this.portfolio, (venue, symbol) =>
      this.#instrument(venue, symbol) === undefined ? undefined : ctx.book(venue, symbol),
    );
  }

  /** Starts the ticker (when `tickIntervalUs` > 0). */
  start(): void {
    if (this.#tickUs > 0 && !this.#ticking) {
      this.#ticking = true;
      this.clock.setTimer(TICK_TIMER, this.#tickUs, undefined, undefined, () => this.tick());
    }
  }

  /**
   * Steps one market event into the engine, in arrival order. An event stamped earlier than one
   * already stepped is stepped at that later time (its `exchTs` is kept).
   * @throws PaperTraderError after {@link stop};
   *   RecoveryMismatchError when a replay resume reaches the checkpoint with another account.
   */
  onEvent(event: MarketEvent): void {
    if (this.#stopped)
      throw new PaperTraderError(
        `event after stop (${event.venue} ${event.symbol} ${event.kind} at ${event.localTs} µs)`,
      );
    // Arrival order rules: an event stamped before one already stepped (a feed releasing its
    // pre-snapshot buffer, two sockets racing) is stepped at the later time.
    if (event.localTs < this.#lastLocalTs) this.engine.step({ ...event, localTs: this.#lastLocalTs });
    else {
      this.#lastLocalTs = event.localTs;
      this.engine.step(event);
    }
    this.eventsProcessed++;
    this.#observeFigures();
    const resume = this.#resume;
    if (resume !== undefined) {
      if (this.eventsProcessed === resume.checkpoint.eventsProcessed) this.#verifyReplay(resume.checkpoint);
      return;
    }
    if (this.#toReplace.length > 0) this.#placeRestoredOrders();
    this.#sinceCheckpoint++;
    if (
      this.#store !== undefined &&
      (this.#sinceCheckpoint >= this.#everyEvents ||
        this.engine.clock.nowUs() - this.#lastCheckpointUs >= this.#intervalUs ||
        this.#fillWindowFull())
    )
      this.checkpoint();
  }

  /** Lets time pass to `clock.nowUs()`: delivers due reports and timers (the ticker calls this). */
  tick(): void {
    if (this.#stopped) return;
    this.engine.advanceTo(this.clock.nowUs());
    this.#observeFigures();
    if (
      this.#resume === undefined &&
      this.#store !== undefined &&
      ((this.#sinceCheckpoint > 0 && this.engine.clock.nowUs() - this.#lastCheckpointUs >= this.#intervalUs) ||
        this.#fillWindowFull())
    )
      this.checkpoint();
  }

  /**
   * True when the fills not yet stored fill the portfolio's in-memory window (`maxFills`): the
   * next checkpoint must come now, before the window drops any of them.
   */
  #fillWindowFull(): boolean {
    return this.portfolio.fillsBooked - this.#fillsPersisted >= this.portfolio.maxFills;
  }

  /** The state a checkpoint would hold now. */
  snapshot(): Checkpoint {
    const p = this.portfolio;
    const cash: { venue: string; currency: string; atoms: string }[] = [];
    for (const v of this.#venues) {
      const currencies = new Set<string>();
      for (const s of v.symbolList()) currencies.add(v.instrument(s).quote);
      if (!p.hasAccount(v.venueId)) continue;
      for (const c of [...currencies].sort())
        cash.push({ venue: v.venueId, currency: c, atoms: p.cashAtoms(v.venueId, c).toString() });
    }
    const positions = p.positions().map((pos) => ({
      venue: pos.venue,
      symbol: pos.symbol,
      qtyLots: pos.qtyLots,
      costAtoms: pos.costAtoms.toString(),
      realizedAtoms: pos.realizedAtoms.toString(),
      feesAtoms: pos.feesAtoms.toString(),
      fundingAtoms: pos.fundingAtoms.toString(),
      markSumTicks: pos.markSumTicks,
      tradedLots: pos.tradedLots,
      tradedNotionalAtoms: pos.tradedNotionalAtoms.toString(),
    }));
    const openOrders = this.engine.context.openOrders().map((o) => ({
      orderId: o.orderId,
      venue: o.venue,
      symbol: o.symbol,
      side: o.side,
      priceTicks: o.priceTicks,
      qtyLots: o.qtyLots,
      filledLots: o.filledLots,
      status: o.status,
      tag: o.tag,
    }));
    const risk =
      this.gate === undefined
        ? undefined
        : { peakEquity: this.gate.risk.drawdown.peakEquity, emergencyStop: this.gate.risk.drawdown.tripped };
    return {
      version: CHECKPOINT_VERSION,
      seq: this.#seq,
      atUs: this.engine.clock.nowUs(),
      eventsProcessed: this.eventsProcessed,
      source: this.#sourcePosition?.() ?? null,
      cash,
      positions,
      totalFeesAtoms: p.totalFeesAtoms.toString(),
      totalFundingAtoms: p.totalFundingAtoms.toString(),
      fillsCount: this.fillsCount,
      initialEquityAtoms: this.initialEquityAtoms.toString(),
      openOrders,
      risk,
      figures: this.figures.state(),
    };
  }

  /**
   * Commits a checkpoint now (with the fills, order updates and a portfolio state since the last
   * one, in one transaction) and returns it. Without a store it only returns the state.
   */
  checkpoint(): Checkpoint {
    this.#seq++;
    const cp = this.snapshot();
    if (this.#store !== undefined) {
      const window = this.portfolio.fills;
      const pending = this.portfolio.fillsBooked - this.#fillsPersisted;
      if (pending > window.length)
        throw new PaperTraderError(
          `${pending - window.length} fills left the portfolio's in-memory window (maxFills ${this.portfolio.maxFills}) before they were stored; raise maxFills`,
        );
      const fills = window.slice(window.length - pending).map((f) => this.#fillRow(f));
      const orders = this.#recorder.rows.splice(0);
      this.#store.commit(cp, { fills, orders, portfolioState: this.#portfolioRow(cp) });
      this.#fillsPersisted = this.portfolio.fillsBooked;
      this.checkpointsWritten++;
    }
    this.#sinceCheckpoint = 0;
    this.#lastCheckpointUs = cp.atUs;
    this.lastCheckpoint = cp;
    this.#onCheckpoint?.(cp);
    return cp;
  }

  /** Stops the ticker and commits a last checkpoint. Further events throw. */
  stop(): Checkpoint | undefined {
    if (this.#stopped) return this.lastCheckpoint;
    if (this.#ticking) this.clock.cancelTimer(TICK_TIMER);
    this.#ticking = false;
    const cp = this.#resume === undefined && this.#store !== undefined ? this.checkpoint() : undefined;
    this.#stopped = true;
    return cp;
  }

  #fillRow(f: Fill): FillRow {
    const inst = this.#instrument(f.venue, f.symbol);
    return {
      timestamp: f.atUs,
      exchange: f.venue,
      symbol: f.symbol,
      order_id: f.orderId,
      fill_id: String(this.#fillsBase + f.fillId),
      side: f.side,
      price: inst === undefined ? String(f.priceTicks) : inst.ticksToPrice(f.priceTicks),
      quantity: inst === undefined ? String(f.qtyLots) : inst.lotsToQty(f.qtyLots),
      fee: atomsToDecimal(f.feeAtoms),
      fee_currency: inst?.quote ?? '',
      liquidity: f.liquidity,
    };
  }

  #portfolioRow(cp: Checkpoint): PortfolioStateRow {
    let cash = 0n;
    for (const c of cp.cash) cash += BigInt(c.atoms);
    const equity = this.equityAtoms();
    const positions: Record<string, unknown> = {};
    for (const pos of this.portfolio.positions()) {
      if (pos.qtyLots === 0 && pos.realizedAtoms === 0n) continue;
      positions[`${pos.venue}|${pos.symbol}`] = {
        qty: pos.instrument.lotsToQty(Math.abs(pos.qtyLots)),
        side: pos.qtyLots >= 0 ? 'long' : 'short',
        cost: atomsToDecimal(pos.costAtoms),
        realized: atomsToDecimal(pos.realizedAtoms),
        fees: atomsToDecimal(pos.feesAtoms),
        // Funding received (+) or paid (−) by a perpetual position so far.
        funding: atomsToDecimal(pos.fundingAtoms),
      };
    }
    return {
      timestamp: cp.atUs,
      cash_balance: atomsToDecimal(cash),
      total_value: atomsToDecimal(equity),
      positions,
      daily_pnl: atomsToDecimal(this.figures.dailyPnlAtoms(equity)),
      max_drawdown: this.figures.maxDrawdown,
      sharpe_ratio: this.figures.sharpeRatio(),
    };
  }

  #verifyReplay(expected: Checkpoint): void {
    const got = this.snapshot();
    const fields: (keyof Checkpoint)[] = [
      'atUs',
      'cash',
      'positions',
      'totalFeesAtoms',
      'totalFundingAtoms',
      'fillsCount',
      'openOrders',
      'risk',
    ];
    for (const f of fields) {
      const a = JSON.stringify(got[f] ?? null);
      const b = JSON.stringify(expected[f] ?? null);
      if (a !== b) {
        throw new RecoveryMismatchError(
          `re-processing ${expected.eventsProcessed} events did not rebuild checkpoint ${expected.seq}: ${f} differs`,
          {
            details: `rebuilt ${a.slice(0, 400)}; checkpoint ${b.slice(0, 400)}`,
            metaMessages: [
              'Was the input, the configuration or the seed changed since the checkpoint? Start with --fresh to ignore it.',
            ],
          },
        );
      }
    }
    this.#resume = undefined;
    this.#recorder.muted = false;
    this.#fillsPersisted = this.portfolio.fillsBooked;
    this.#initialEquity = BigInt(expected.initialEquityAtoms);
    this.#restoreFigures(expected);
    this.#lastCheckpointUs = expected.atUs;
    this.#sinceCheckpoint = 0;
    this.lastCheckpoint = expected;
    this.#onRecovered?.(expected);
  }

  #resumed(cp: Checkpoint): void {
    this.#restoreFigures(cp);
    this.#initialEquity = BigInt(cp.initialEquityAtoms);
    this.lastCheckpoint = cp;
    this.#onRecovered?.(cp);
  }

  /**
   * Feeds {@link figures} once per second of strategy time (on a fixed grid, so a resumed run
   * observes at the same instants as an uninterrupted one).
   */
  #observeFigures(): void {
    const t = this.engine.clock.nowUs();
    if (t < this.#nextFiguresUs) return;
    this.#nextFiguresUs = (Math.floor(t / FIGURES_GRID_US) + 1) * FIGURES_GRID_US;
    this.figures.observe(t, this.equityAtoms());
  }

  /** Continues the running figures from the checkpoint and the equity history stored before it. */
  #restoreFigures(cp: Checkpoint): void {
    if (cp.figures === undefined) return;
    const f = this.figures;
    const since = cp.atUs - f.sampleIntervalUs * f.maxSamples;
    f.restore(cp.figures, this.#store?.equityHistory(since, f.sampleIntervalUs) ?? []);
  }

  /** Live resume: sets cash, positions and totals to the checkpoint's exact values. */
  #restoreAccount(cp: Checkpoint): void {
    const p = this.portfolio;
    for (const c of cp.cash) {
      if (!p.hasAccount(c.venue)) p.openAccount(c.venue, {});
      const delta = BigInt(c.atoms) - p.cashAtoms(c.venue, c.currency);
      if (delta !== 0n) p.openAccount(c.venue, { [c.currency]: atomsToDecimal(delta) });
    }
    for (const s of cp.positions) {
      const inst = this.#instrument(s.venue, s.symbol);
      if (inst === undefined)
        throw new CheckpointFormatError(
          `checkpoint ${cp.seq} holds a position on ${s.venue} ${s.symbol}, which this run does not trade`,
        );
      const pos = p.position(inst);
      pos.qtyLots = s.qtyLots;
      pos.costAtoms = BigInt(s.costAtoms);
      pos.realizedAtoms = BigInt(s.realizedAtoms);
      pos.feesAtoms = BigInt(s.feesAtoms);
      pos.fundingAtoms = BigInt(s.fundingAtoms);
      pos.markSumTicks = s.markSumTicks;
      pos.tradedLots = s.tradedLots;
      pos.tradedNotionalAtoms = BigInt(s.tradedNotionalAtoms);
    }
    p.totalFeesAtoms = BigInt(cp.totalFeesAtoms);
    p.totalFundingAtoms = BigInt(cp.totalFundingAtoms);
    this.#fillsBase = cp.fillsCount;
    for (const o of cp.openOrders) {
      if (this.#instrument(o.venue, o.symbol) === undefined)
        throw new CheckpointFormatError(
          `checkpoint ${cp.seq} holds order ${o.orderId} on ${o.venue} ${o.symbol}, which this run does not trade`,
        );
    }
    this.#toReplace = cp.openOrders.filter((o) => o.qtyLots - o.filledLots > 0 && o.priceTicks > 0);
    if (cp.risk !== undefined && this.gate !== undefined) {
      // Rebuild the drawdown guard: the peak, then (if it had tripped) a drawdown past the limit.
      this.gate.risk.updateEquity(cp.risk.peakEquity, 0);
      if (cp.risk.emergencyStop)
        this.gate.risk.updateEquity(cp.risk.peakEquity * (1 - this.gate.risk.limits.maxDrawdown) * 0.999, 0);
    }
  }

  #placeRestoredOrders(): void {
    const ctx = this.engine.context;
    const left: CheckpointOrder[] = [];
    for (const o of this.#toReplace) {
      const b = ctx.book(o.venue, o.symbol);
      if (!Number.isFinite(b.bestBid()) || !Number.isFinite(b.bestAsk())) {
        left.push(o);
        continue;
      }
      ctx.placeOrder({
        venue: o.venue,
        symbol: o.symbol,
        side: o.side,
        type: 'limit',
        priceTicks: o.priceTicks,
        qtyLots: o.qtyLots - o.filledLots,
        ...(o.tag === undefined ? {} : { tag: o.tag }),
      });
    }
    this.#toReplace = left;
  }
}
