/**
 * The engine: one kernel for backtest and live paper trading. It merges an event source (already
 * ordered by `localTs`), drives a clock, feeds the simulated venues and a strategy, and carries
 * every order request and report across the latency models.
 *
 * Order of work at each market event `e` (time `e.localTs` on the strategy's clock):
 * 1. everything scheduled at or before `e.localTs` runs first, in time order (ties in the order
 *    scheduled): order and cancel arrivals at the venues, acknowledgements and fills reaching
 *    the strategy, timers;
 * 2. the venue of `e` applies it (book, queues, fills stamped `e.exchTs`);
 * 3. the strategy sees `e` (`onEvent`).
 *
 * A request sent at `t` reaches its venue at `t + entryLatency`; a venue action at venue time
 * `v` reaches the strategy at `max(now, v + responseLatency)`.
 *
 * @module
 */

import type { Clock, MarketEvent } from '@tickerml/core';
import { BaseError, OutOfOrderError, SeededRandom } from '@tickerml/core';
import { NO_ASK, NO_BID, type VenueBook } from './book.js';
import type { TradableInstrument } from './instrument.js';
import { isFinalStatus, type OrderRequest, type OrderStatus, type RejectReason, type SimOrder } from './orders.js';
import type { Fill, Portfolio, PortfolioView } from './portfolio.js';
import type { SimulatedVenue } from './venue.js';

/** What the strategy hears about one of its orders. Quantities in lots, times in µs. */
export interface OrderUpdate {
  readonly orderId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly status: OrderStatus;
  readonly filledLots: number;
  readonly leavesLots: number;
  readonly priceTicks: number;
  readonly side: 'buy' | 'sell';
  readonly rejectReason: RejectReason | undefined;
  /** Venue time of the change. */
  readonly venueUs: number;
  readonly tag: string | undefined;
}

/** A cancel the venue refused (the order had already filled, or was unknown). */
export interface CancelReject {
  readonly orderId: string;
  readonly venue: string;
  readonly reason: RejectReason;
  readonly venueUs: number;
}

/** A timer or alert that fired: its name and due time (µs). */
export interface TimerFired {
  readonly name: string;
  readonly atUs: number;
}

/** The strategy's view of one of its orders, as last reported (or as sent, before any report). */
export interface OrderView {
  readonly orderId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly priceTicks: number;
  readonly qtyLots: number;
  readonly status: OrderStatus | 'pending';
  readonly filledLots: number;
  readonly tag: string | undefined;
  /** A cancel was sent and no final report has come back yet. */
  readonly cancelPending: boolean;
}

/**
 * What a strategy can do and see. The same interface is served by the backtest and by the live
 * paper trader: a strategy cannot tell them apart.
 */
export interface StrategyContext {
  /** Strategy time, microseconds. */
  nowUs(): number;
  /** The market book of a venue's symbol as last received (displayed quantities, ticks and lots). */
  book(venue: string, symbol: string): VenueBook;
  instrument(venue: string, symbol: string): TradableInstrument;
  /** Sends an order; returns its id. It reaches the venue after the entry latency. */
  placeOrder(request: OrderRequest): string;
  /** Sends a cancel; the outcome arrives as an order update or a cancel reject. */
  cancelOrder(venue: string, orderId: string): void;
  /** Cancel-replace: cancels `orderId` and, if the cancel succeeds on arrival, places `request`. Returns the new id. */
  replaceOrder(venue: string, orderId: string, request: OrderRequest): string;
  /** Orders not known to be final, optionally of one venue and symbol, in sending order. */
  openOrders(venue?: string, symbol?: string): readonly OrderView[];
  /** The account (cash, positions, fills, equity), read only: only the engine books fills. */
  readonly portfolio: PortfolioView;
  /** Repeating timer every `intervalUs` from now. @throws InvalidTimerRequestError when the name is taken. */
  setTimer(name: string, intervalUs: number): void;
  /** One-shot alert at `atUs`. @throws InvalidTimerRequestError when the name is taken or the time is past. */
  setAlert(name: string, atUs: number): void;
  cancelTimer(name: string): boolean;
  /** A seeded generator for the strategy's own randomness. */
  readonly random: SeededRandom;
}

/**
 * A trading strategy. Only `onEvent` is required.
 *
 * @example
 * ```ts
 * const buyOnce: Strategy = {
 *   name: 'buy-once',
 *   onEvent(e, ctx) {
 *     if (e.kind === 'book_snapshot' && ctx.openOrders().length === 0 && ctx.portfolio.fills.length === 0)
 *       ctx.placeOrder({ venue: e.venue, symbol: e.symbol, side: 'buy', type: 'market', qtyLots: 1 });
 *   },
 * };
 * ```
 */
export interface Strategy {
  readonly name: string;
  onStart?(ctx: StrategyContext): void;
  onEvent(event: MarketEvent, ctx: StrategyContext): void;
  onTimer?(timer: TimerFired, ctx: StrategyContext): void;
  onOrderUpdate?(update: OrderUpdate, ctx: StrategyContext): void;
  onFill?(fill: Fill, ctx: StrategyContext): void;
  onCancelReject?(reject: CancelReject, ctx: StrategyContext): void;
  onEnd?(ctx: StrategyContext): void;
}

/**
 * A misuse of the engine; each condition has its own subclass below.
 *
 * @example
 * ```ts
 * try { ctx.placeOrder(request); } catch (e) { if (e instanceof EngineError) console.error(e.shortMessage); }
 * ```
 */
export class EngineError extends BaseError {
  override name: string = 'EngineError';
}

/**
 * A request for a venue the engine was not given.
 *
 * @example
 * ```ts
 * ctx.placeOrder({ venue: 'nowhere', symbol: 'BTC/USDT', side: 'buy', type: 'market', qtyLots: 1 }); // throws UnknownVenueError
 * ```
 */
export class UnknownVenueError extends EngineError {
  override name = 'UnknownVenueError' as const;
}

/**
 * Two venues with one id given to the engine.
 *
 * @example
 * ```ts
 * new Engine({ venues: [binance, binance], ... }); // throws DuplicateVenueError
 * ```
 */
export class DuplicateVenueError extends EngineError {
  override name = 'DuplicateVenueError' as const;
}

/**
 * A timer or alert that cannot be set: empty or taken name, bad interval, alert in the past.
 *
 * @example
 * ```ts
 * ctx.setTimer('bar', 1_000_000); ctx.setTimer('bar', 1_000_000); // throws InvalidTimerRequestError
 * ```
 */
export class InvalidTimerRequestError extends EngineError {
  override name = 'InvalidTimerRequestError' as const;
}

const Kind = { Submit: 0, Cancel: 1, Replace: 2, Update: 3, FillReport: 4, CancelReject: 5, Timer: 6 } as const;

interface Scheduled {
  atUs: number;
  seq: number;
  kind: number;
  payload: unknown;
}

/** A min-heap on (atUs, seq): same-time items run in the order they were scheduled. */
class Schedule {
  private readonly items: Scheduled[] = [];
  get size(): number {
    return this.items.length;
  }
  peekTime(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : (this.items[0] as Scheduled).atUs;
  }
  push(item: Scheduled): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as Scheduled, a[p] as Scheduled)) break;
      const tmp = a[i] as Scheduled;
      a[i] = a[p] as Scheduled;
      a[p] = tmp;
      i = p;
    }
  }
  pop(): Scheduled | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0] as Scheduled;
    const last = a.pop() as Scheduled;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as Scheduled, a[m] as Scheduled)) m = l;
        if (r < a.length && less(a[r] as Scheduled, a[m] as Scheduled)) m = r;
        if (m === i) break;
        const tmp = a[i] as Scheduled;
        a[i] = a[m] as Scheduled;
        a[m] = tmp;
        i = m;
      }
    }
    return top;
  }
}
function less(x: Scheduled, y: Scheduled): boolean {
  return x.atUs < y.atUs || (x.atUs === y.atUs && x.seq < y.seq);
}

/**
 * The engine's clock: core's `TestClock` in backtests (the engine moves it with `advanceTo`), or
 * core's `LiveClock` in paper trading (no `advanceTo`: time moves by itself, and the driver calls
 * {@link Engine.advanceTo} periodically so requests and reports in flight land on time).
 */
export interface DrivableClock extends Clock {
  advanceTo?(toUs: number): unknown;
}

/** Engine options. */
export interface EngineOptions {
  readonly venues: readonly SimulatedVenue[];
  readonly portfolio: Portfolio;
  readonly strategy: Strategy;
  readonly clock: DrivableClock;
  /** Seed of the strategy's generator (`ctx.random`). Default 0. */
  readonly seed?: number;
  /** Equity curve sampling period, microseconds of strategy time. Default 1 s. */
  readonly equitySampleUs?: number;
  /** Called every `progressEvery` events with the count so far (for progress bars). */
  readonly onProgress?: (eventsDone: number) => void;
  readonly progressEvery?: number;
  /**
   * Order ids are `<venue>-<n>`, `n` counting from this number + 1. A caller that persists orders
   * passes the highest `n` already stored, so ids stay unique for the life of its database across
   * restarts. Default 0.
   */
  readonly firstOrderSeq?: number;
}

interface Timer {
  name: string;
  intervalUs: number;
  nextUs: number;
  generation: number;
}

/** Mutable strategy-side view of an order. */
interface MutableOrderView {
  orderId: string;
  venue: string;
  symbol: string;
  side: 'buy' | 'sell';
  priceTicks: number;
  qtyLots: number;
  status: OrderStatus | 'pending';
  filledLots: number;
  tag: string | undefined;
  cancelPending: boolean;
}

/** The strategy's view of an order it has just sent: pending until the venue answers. */
function pendingView(orderId: string, request: OrderRequest): MutableOrderView {
  return {
    orderId,
    venue: request.venue,
    symbol: request.symbol,
    side: request.side,
    priceTicks: request.priceTicks ?? 0,
    qtyLots: request.qtyLots ?? 0,
    status: 'pending',
    filledLots: 0,
    tag: request.tag,
    cancelPending: false,
  };
}

/**
 * Runs a strategy over an event source against simulated venues.
 *
 * @example
 * ```ts
 * const engine = new Engine({ venues: [venue], portfolio, strategy, clock: new TestClock(), seed: 1 });
 * engine.run(events); // events ordered by localTs, e.g. mergeByLocalTsSync(streams)
 * portfolio.equityCurve; // sampled each second
 * ```
 */
export class Engine {
  readonly portfolio: Portfolio;
  readonly strategy: Strategy;
  readonly clock: DrivableClock;
  private readonly venues = new Map<string, SimulatedVenue>();
  private readonly schedule = new Schedule();
  private seq = 0;
  private orderSeq = 0;
  private readonly views = new Map<string, MutableOrderView>();
  private readonly timers = new Map<string, Timer>();
  private readonly ctx: StrategyContext;
  private readonly equitySampleUs: number;
  private nextSampleUs = Number.NEGATIVE_INFINITY;
  private lastLocalTs = Number.NEGATIVE_INFINITY;
  private started = false;
  /** Market events processed. */
  eventCount = 0;

  /** @throws DuplicateVenueError when two venues share an id. */
  constructor(options: EngineOptions) {
    this.portfolio = options.portfolio;
    this.strategy = options.strategy;
    this.clock = options.clock;
    this.equitySampleUs = options.equitySampleUs ?? 1_000_000;
    this.onProgress = options.onProgress;
    const firstOrderSeq = options.firstOrderSeq ?? 0;
    if (!Number.isSafeInteger(firstOrderSeq) || firstOrderSeq < 0)
      throw new RangeError(`firstOrderSeq must be a non-negative safe integer, was ${firstOrderSeq}`);
    this.orderSeq = firstOrderSeq;
    this.progressEvery = options.progressEvery ?? 100_000;
    for (const v of options.venues) {
      if (this.venues.has(v.venueId)) throw new DuplicateVenueError(`two venues with id '${v.venueId}'`);
      this.venues.set(v.venueId, v);
      v.setListener({
        onOrderUpdate: (order, venueUs) => this.reportUpdate(v, order, venueUs),
        onFill: (fill) => this.push(this.deliveryTime(v, fill.atUs), Kind.FillReport, fill),
        onCancelReject: (orderId, reason, venueUs) =>
          this.push(this.deliveryTime(v, venueUs), Kind.CancelReject, {
            orderId,
            venue: v.venueId,
            reason,
            venueUs,
          } satisfies CancelReject),
      });
    }
    const random = new SeededRandom(options.seed ?? 0);
    this.ctx = {
      nowUs: () => this.clock.nowUs(),
      book: (venue, symbol) => this.venue(venue).book(symbol),
      instrument: (venue, symbol) => this.venue(venue).instrument(symbol),
      placeOrder: (request) => this.placeOrder(request),
      cancelOrder: (venue, orderId) => this.cancelOrder(venue, orderId),
      replaceOrder: (venue, orderId, request) => this.replaceOrder(venue, orderId, request),
      openOrders: (venue, symbol) => {
        const out: OrderView[] = [];
        for (const v of this.views.values())
          if ((venue === undefined || v.venue === venue) && (symbol === undefined || v.symbol === symbol)) out.push(v);
        return out;
      },
      portfolio: this.portfolio,
      setTimer: (name, intervalUs) => this.setTimer(name, intervalUs, this.clock.nowUs() + intervalUs),
      setAlert: (name, atUs) => {
        if (atUs < this.clock.nowUs())
          throw new InvalidTimerRequestError(
            `alert '${name}' at ${atUs} µs is in the past (now ${this.clock.nowUs()} µs)`,
          );
        this.setTimer(name, 0, atUs);
      },
      cancelTimer: (name) => this.timers.delete(name),
      random,
    };
  }
  private readonly onProgress: ((n: number) => void) | undefined;
  private readonly progressEvery: number;

  /** The context handed to the strategy (also usable by a driver, e.g. to place orders in tests). */
  get context(): StrategyContext {
    return this.ctx;
  }

  private venue(id: string): SimulatedVenue {
    const v = this.venues.get(id);
    if (v === undefined)
      throw new UnknownVenueError(`unknown venue '${id}' (configured: ${[...this.venues.keys()].join(', ')})`);
    return v;
  }

  private push(atUs: number, kind: number, payload: unknown): void {
    this.schedule.push({ atUs, seq: this.seq++, kind, payload });
  }

  /**
   * When a venue report reaches the strategy: after the response latency, never before now, and
   * never before an earlier report of the same venue (one ordered connection per venue, so a
   * fill can never overtake the acknowledgement sent before it).
   */
  private deliveryTime(v: SimulatedVenue, venueUs: number): number {
    let t = venueUs + v.latency.responseUs(venueUs);
    const now = this.clock.nowUs();
    if (t < now) t = now;
    const last = this.lastDeliveryUs.get(v.venueId) ?? Number.NEGATIVE_INFINITY;
    if (t < last) t = last;
    this.lastDeliveryUs.set(v.venueId, t);
    return t;
  }
  private readonly lastDeliveryUs = new Map<string, number>();

  private reportUpdate(v: SimulatedVenue, order: SimOrder, venueUs: number): void {
    const update: OrderUpdate = {
      orderId: order.orderId,
      venue: order.venue,
      symbol: order.symbol,
      status: order.status,
      filledLots: order.filledLots,
      leavesLots: order.leavesLots,
      priceTicks: order.priceTicks,
      side: order.side,
      rejectReason: order.rejectReason,
      venueUs,
      tag: order.tag,
    };
    this.push(this.deliveryTime(v, venueUs), Kind.Update, update);
  }

  private placeOrder(request: OrderRequest): string {
    const v = this.venue(request.venue);
    const orderId = `${request.venue}-${++this.orderSeq}`;
    const now = this.clock.nowUs();
    this.views.set(orderId, pendingView(orderId, request));
    this.push(now + v.latency.entryUs(now), Kind.Submit, { request, orderId, sentUs: now });
    return orderId;
  }

  private cancelOrder(venue: string, orderId: string): void {
    const v = this.venue(venue);
    const view = this.views.get(orderId);
    if (view !== undefined) view.cancelPending = true;
    const now = this.clock.nowUs();
    this.push(now + v.latency.entryUs(now), Kind.Cancel, { venue, orderId });
  }

  private replaceOrder(venue: string, orderId: string, request: OrderRequest): string {
    const v = this.venue(venue);
    const view = this.views.get(orderId);
    if (view !== undefined) view.cancelPending = true;
    const newId = `${request.venue}-${++this.orderSeq}`;
    const now = this.clock.nowUs();
    this.views.set(newId, pendingView(newId, request));
    this.push(now + v.latency.entryUs(now), Kind.Replace, { venue, orderId, request, newId, sentUs: now });
    return newId;
  }

  private setTimer(name: string, intervalUs: number, firstUs: number): void {
    if (name === '' || this.timers.has(name))
      throw new InvalidTimerRequestError(`timer name '${name}' is empty or already in use`);
    if (!Number.isSafeInteger(intervalUs) || intervalUs < 0)
      throw new InvalidTimerRequestError(
        `timer '${name}': interval must be a non-negative integer of µs, was ${intervalUs}`,
      );
    const timer: Timer = { name, intervalUs, nextUs: firstUs, generation: this.seq };
    this.timers.set(name, timer);
    this.push(firstUs, Kind.Timer, timer);
  }

  /** Runs scheduled work due at or before `untilUs`, moving the clock to each item's time. */
  private drain(untilUs: number): void {
    while (this.schedule.peekTime() <= untilUs) {
      const item = this.schedule.pop() as Scheduled;
      if (item.atUs > this.clock.nowUs()) this.clock.advanceTo?.(item.atUs);
      this.runItem(item);
    }
  }

  private runItem(item: Scheduled): void {
    const ctx = this.ctx;
    switch (item.kind) {
      case Kind.Submit: {
        const p = item.payload as { request: OrderRequest; orderId: string; sentUs: number };
        this.venue(p.request.venue).submit(p.request, p.orderId, p.sentUs, item.atUs);
        break;
      }
      case Kind.Cancel: {
        const p = item.payload as { venue: string; orderId: string };
        this.venue(p.venue).cancel(p.orderId, item.atUs);
        break;
      }
      case Kind.Replace: {
        const p = item.payload as {
          venue: string;
          orderId: string;
          request: OrderRequest;
          newId: string;
          sentUs: number;
        };
        const v = this.venue(p.venue);
        if (v.cancel(p.orderId, item.atUs) === undefined) v.submit(p.request, p.newId, p.sentUs, item.atUs);
        else {
          // The original could not be cancelled (it filled first): the replacement is dropped.
          const view = this.views.get(p.newId);
          if (view !== undefined) {
            this.views.delete(p.newId);
            this.push(this.deliveryTime(v, item.atUs), Kind.Update, {
              orderId: p.newId,
              venue: p.venue,
              symbol: p.request.symbol,
              status: 'rejected',
              filledLots: 0,
              leavesLots: 0,
              priceTicks: view.priceTicks,
              side: view.side,
              rejectReason: 'order_already_closed',
              venueUs: item.atUs,
              tag: view.tag,
            } satisfies OrderUpdate);
          }
        }
        break;
      }
      case Kind.Update: {
        const u = item.payload as OrderUpdate;
        const view = this.views.get(u.orderId);
        if (view !== undefined) {
          view.status = u.status;
          if (u.filledLots > view.filledLots) view.filledLots = u.filledLots;
          view.priceTicks = u.priceTicks;
          if (isFinalStatus(u.status)) this.views.delete(u.orderId);
        }
        this.strategy.onOrderUpdate?.(u, ctx);
        break;
      }
      case Kind.FillReport: {
        const f = item.payload as Fill;
        const view = this.views.get(f.orderId);
        if (view !== undefined) {
          view.filledLots += f.qtyLots;
          view.status = view.filledLots >= view.qtyLots ? 'filled' : 'partially_filled';
          if (view.status === 'filled') this.views.delete(f.orderId);
        }
        this.strategy.onFill?.(f, ctx);
        break;
      }
      case Kind.CancelReject: {
        const r = item.payload as CancelReject;
        const view = this.views.get(r.orderId);
        if (view !== undefined) view.cancelPending = false;
        this.strategy.onCancelReject?.(r, ctx);
        break;
      }
      case Kind.Timer: {
        const t = item.payload as Timer;
        if (this.timers.get(t.name) !== t || t.nextUs !== item.atUs) break; // cancelled
        if (t.intervalUs > 0) {
          t.nextUs += t.intervalUs;
          this.push(t.nextUs, Kind.Timer, t);
        } else this.timers.delete(t.name);
        this.strategy.onTimer?.({ name: t.name, atUs: item.atUs }, ctx);
        break;
      }
      default:
        break;
    }
  }

  private sample(atUs: number): void {
    for (const pos of this.portfolio.positions()) {
      if (pos.qtyLots === 0) continue;
      const v = this.venues.get(pos.venue);
      if (v === undefined || !v.trades(pos.symbol)) continue;
      const b = v.book(pos.symbol);
      const bid = b.bestBid();
      const ask = b.bestAsk();
      if (bid !== NO_BID && ask !== NO_ASK) this.portfolio.mark(pos.instrument, bid, ask);
    }
    this.portfolio.sampleEquity(atUs);
  }

  /** Feeds one market event (events must come in `localTs` order). @throws core's `OutOfOrderError` when time goes back. */
  step(e: MarketEvent): void {
    const t = e.localTs;
    if (t < this.lastLocalTs)
      throw new OutOfOrderError('event source', this.lastLocalTs, t, { note: ` (${e.venue} ${e.symbol} ${e.kind})` });
    this.lastLocalTs = t;
    if (!this.started) this.start(t);
    if (this.schedule.peekTime() <= t) this.drain(t);
    if (t > this.clock.nowUs()) this.clock.advanceTo?.(t);
    const v = this.venues.get(e.venue);
    if (v !== undefined) v.onEvent(e);
    this.strategy.onEvent(e, this.ctx);
    if (t >= this.nextSampleUs) {
      this.sample(t);
      this.nextSampleUs = (Math.floor(t / this.equitySampleUs) + 1) * this.equitySampleUs;
    }
    this.eventCount++;
    if (this.onProgress !== undefined && this.eventCount % this.progressEvery === 0) this.onProgress(this.eventCount);
  }

  /**
   * Lets strategy time pass without a market event, for live paper trading: runs everything
   * scheduled at or before `untilUs` (order arrivals, acknowledgements and fills reaching the
   * strategy, timers), in time order, then moves the clock to `untilUs`. A backtest never needs
   * it (events move time); a live driver calls it from a ticker so that replies and timers fire
   * when no market event arrives. Times before the clock are a no-op.
   *
   * @param untilUs - strategy time to reach, microseconds.
   * @example
   * ```ts
   * engine.step(event);                   // at event.localTs
   * engine.advanceTo(liveClock.nowUs());  // later: the ack due 80 ms after the order is delivered
   * ```
   */
  advanceTo(untilUs: number): void {
    if (this.schedule.peekTime() <= untilUs) this.drain(untilUs);
    if (untilUs > this.clock.nowUs()) this.clock.advanceTo?.(untilUs);
  }

  private start(t: number): void {
    this.started = true;
    if (t > this.clock.nowUs()) this.clock.advanceTo?.(t);
    this.strategy.onStart?.(this.ctx);
  }

  /**
   * Ends the run: delivers every report still in flight (requests sent after the last event
   * still reach their venue), samples equity a last time and calls `onEnd`.
   */
  finish(): void {
    const end = this.clock.nowUs();
    // Deliver what is in flight; timers beyond the data are not run.
    while (this.schedule.size > 0) {
      const next = this.schedule.peekTime();
      const item = this.schedule.pop() as Scheduled;
      if (item.kind === Kind.Timer && next > end) continue;
      if (next > this.clock.nowUs()) this.clock.advanceTo?.(next);
      this.runItem(item);
    }
    this.sample(this.clock.nowUs());
    this.strategy.onEnd?.(this.ctx);
  }

  /** Runs every event of `events` (ordered by `localTs`), then {@link finish}. */
  run(events: Iterable<MarketEvent>): void {
    for (const e of events) this.step(e);
    this.finish();
  }
}
