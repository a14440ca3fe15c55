/**
 * Runs one strategy through the same `Engine` the backtest and the paper trader use, and records
 * what happened at each decision step: the action, its size, the marked equity and the reward.
 * Trajectories (every step of the data) and the CPCV evaluation (the steps of a test group's
 * period) are both built on it.
 *
 * Definitions (docs/learning.md, "Trajectories and reward"):
 * - a step runs from its decision time `t0` (after every event with `localTs ≤ t0`) to the next
 *   step's `t0` (or the end of the run);
 * - **action** of a step: the sign of the net order flow the strategy placed for the traded
 *   instrument during the step (buy lots − sell lots, as sent, filled or not): positive → buy
 *   (2), negative → sell (0), zero → hold (1);
 * - **size**: `min(1, |net lots| / capLots)`, `capLots` the strategy's position cap (the
 *   baselines cap at three orders); 0 for hold;
 * - **reward**: change in marked equity over the step (fees, slippage and funding included: they
 *   are in the cash), as a fraction of the starting equity;
 * - **ε-perturbation**: at the start of a step, with probability ε (drawn from a seeded
 *   `SeededRandom`), the strategy's own orders of that step are not sent; instead a random action
 *   (sell, hold or buy, each 1/3) of a random size `u ~ U[0, 1)` × `capLots` (at least one lot,
 *   within the cap) is sent as a market order.
 *
 * @module
 */
import { BaseError, type MarketEvent, SeededRandom, TestClock } from '@tickerml/core';
import {
  buildVenues,
  Engine,
  type InstrumentSpec,
  NO_ASK,
  NO_BID,
  type OrderRequest,
  Portfolio,
  type SimulatedVenue,
  type Strategy,
  type StrategyContext,
  type VenueSettings,
} from '@tickerml/execution';

/** The three actions of the trajectory files and the Decision Transformer. */
export const TrajectoryAction = { Sell: 0, Hold: 1, Buy: 2 } as const;
/** One of {@link TrajectoryAction}'s values. */
export type TrajectoryAction = (typeof TrajectoryAction)[keyof typeof TrajectoryAction];

/** ε-perturbation of a rollout. */
export interface Perturbation {
  /** Probability in [0, 1] that a step's action is replaced by a random one. */
  readonly epsilon: number;
  /** The generator of the replacements (a `SeededRandom`, e.g. `new SeededRandom(seed).fork('obi/0.1')`). */
  readonly random: SeededRandom;
}

/** Options of {@link rollout}. */
export interface RolloutOptions {
  /** Market events in `localTs` order (a recording's events), from the start of the data. */
  readonly events: AsyncIterable<MarketEvent> | Iterable<MarketEvent>;
  /** The instruments of the data, each traded on a simulated venue (fields of execution's `InstrumentSpec`). */
  readonly instruments: readonly InstrumentSpec[];
  /** The instrument whose steps are recorded. */
  readonly traded: { readonly venue: string; readonly symbol: string };
  /** Decision times, µs, ascending: one step each. */
  readonly decisionTimesUs: ArrayLike<number>;
  /** The strategy (a baseline or a policy). */
  readonly strategy: Strategy;
  /** Largest absolute position in the traded instrument, lots (for `size` and perturbations). */
  readonly capLots: number;
  /** Seed of the engine (latency draws, the strategy's `ctx.random`). */
  readonly seed: number;
  /** Starting cash in each instrument's quote currency, decimal string. Default `'10000'`. */
  readonly startingBalance?: string;
  /** Orders are sent only from the first decision time on; events before it warm the books and the strategy up. Default true. */
  readonly warmUp?: boolean;
  /** End of the last step, µs. Default: the last decision time plus the spacing of the last two. */
  readonly endUs?: number;
  /** ε-perturbation; none by default. */
  readonly perturbation?: Perturbation;
  /** Fee rates per venue overriding the defaults (`{ maker, taker }` decimal strings). */
  readonly fees?: Readonly<Record<string, { readonly maker: string; readonly taker: string }>>;
}

/** One recorded step. */
export interface RolloutStep {
  /** Decision time, µs. */
  readonly t0Us: number;
  /** The action taken in the step. */
  readonly action: TrajectoryAction;
  /** Size in [0, 1] (fraction of `capLots`). */
  readonly size: number;
  /** Marked equity at `t0`, quote currency. */
  readonly equity: number;
  /** Change in marked equity until the next step (or the end), as a fraction of the starting equity. */
  readonly reward: number;
  /** Whether the action was a random replacement. */
  readonly perturbed: boolean;
}

/** The outcome of {@link rollout}. */
export interface RolloutResult {
  readonly strategy: string;
  readonly steps: readonly RolloutStep[];
  /** Equity at the first decision time, quote currency. */
  readonly startingEquity: number;
  /** Marked equity at the end of the run, quote currency. */
  readonly finalEquity: number;
  /** Notional traded in the traded instrument during the steps, quote currency. */
  readonly tradedNotional: number;
  /** Fees paid during the run, quote currency. */
  readonly fees: number;
  /** Market events fed to the engine. */
  readonly events: number;
}

/**
 * A rollout that cannot run: no decision time, a traded instrument not among the instruments,
 * an ε outside [0, 1], a non-positive position cap.
 *
 * @example
 * ```ts
 * await rollout({ ...options, decisionTimesUs: [] }); // throws RolloutError
 * ```
 */
export class RolloutError extends BaseError {
  override name = 'RolloutError' as const;
}

const ATOMS = 1e18;

/**
 * Runs `strategy` over `events` through the Engine and records one {@link RolloutStep} per
 * decision time. The last step runs until `endUs`; no event after it is fed. (One window of
 * {@link rolloutWindows}.)
 *
 * @throws {RolloutError} for impossible options; the engine's errors for events out of order.
 * @example
 * ```ts
 * const run = await rollout({ events, instruments, traded: { venue: 'binance', symbol: 'BTC/USDT' },
 *   decisionTimesUs: t0s, strategy, capLots: 300, seed: 1 });
 * run.steps[0]?.action; // 0 sell, 1 hold, 2 buy
 * ```
 */
export async function rollout(options: RolloutOptions): Promise<RolloutResult> {
  const times = options.decisionTimesUs;
  const n = times.length;
  if (n === 0) throw new RolloutError('rollout needs at least one decision time');
  const last = times[n - 1] as number;
  const endUs = options.endUs ?? (n > 1 ? 2 * last - (times[n - 2] as number) : last);
  const [result] = await rolloutWindows({ ...options, windows: [{ decisionTimesUs: times, endUs }] });
  return result as RolloutResult;
}

/** One active window of {@link rolloutWindows}: its decision times and where its last step ends. */
export interface RolloutWindow {
  /** Decision times, µs, ascending. */
  readonly decisionTimesUs: ArrayLike<number>;
  /** End of the window's last step, µs (≥ its last decision time). */
  readonly endUs: number;
}

/** Options of {@link rolloutWindows}: those of {@link rollout} with windows instead of one list of times. */
export interface RolloutWindowsOptions extends Omit<RolloutOptions, 'decisionTimesUs' | 'endUs'> {
  /** Disjoint windows in time order: each next one starts after the previous one's `endUs`. */
  readonly windows: readonly RolloutWindow[];
}

/**
 * One Engine run with the strategy active only inside `windows` (its orders are held back
 * outside them, as during the warm-up), one {@link RolloutResult} per window. The strategy object
 * lives through the whole run and sees every event once, in time order, so a stateful policy
 * (an encoder, a context of past steps) can serve several test groups. Positions it holds at the
 * end of a window carry into the next; what they earn between windows is in no window's result.
 *
 * @throws {RolloutError} for impossible options or overlapping windows; the engine's errors.
 * @example
 * ```ts
 * const [g1, g3] = await rolloutWindows({ ...options, windows: [{ decisionTimesUs: g1Times, endUs: e1 }, { decisionTimesUs: g3Times, endUs: e3 }] });
 * ```
 */
export async function rolloutWindows(options: RolloutWindowsOptions): Promise<RolloutResult[]> {
  const windows = options.windows;
  if (windows.length === 0) throw new RolloutError('a rollout needs at least one window');
  const times: number[] = [];
  const windowOf: number[] = [];
  let previousEnd = Number.NEGATIVE_INFINITY;
  for (const [w, window] of windows.entries()) {
    const list = window.decisionTimesUs;
    if (list.length === 0) throw new RolloutError(`window ${w} has no decision time`);
    for (let i = 0; i < list.length; i++) {
      const t = list[i] as number;
      if (!(t > (times.length === 0 ? Number.NEGATIVE_INFINITY : (times[times.length - 1] as number))))
        throw new RolloutError(`decision times must increase: ${times[times.length - 1]} then ${t} µs`);
      if (i === 0 && !(t >= previousEnd))
        throw new RolloutError(`window ${w} starts at ${t} µs, before the previous window's end ${previousEnd} µs`);
      times.push(t);
      windowOf.push(w);
    }
    const lastTime = list[list.length - 1] as number;
    if (!(window.endUs >= lastTime))
      throw new RolloutError(`window ${w}: endUs ${window.endUs} is before its last decision time ${lastTime}`);
    previousEnd = window.endUs;
  }
  const n = times.length;
  if (!(options.capLots > 0)) throw new RolloutError(`capLots must be > 0, was ${options.capLots}`);
  const epsilon = options.perturbation?.epsilon ?? 0;
  if (!(epsilon >= 0 && epsilon <= 1)) throw new RolloutError(`epsilon must be in [0, 1], was ${epsilon}`);
  const { venue: tradedVenue, symbol: tradedSymbol } = options.traded;
  if (!options.instruments.some((i) => i.venue === tradedVenue && i.symbol === tradedSymbol))
    throw new RolloutError(`the traded instrument ${tradedVenue} ${tradedSymbol} is not among the instruments`);

  const balance = options.startingBalance ?? '10000';
  const byVenue = new Map<string, InstrumentSpec[]>();
  for (const i of options.instruments) {
    const list = byVenue.get(i.venue) ?? [];
    list.push(i);
    byVenue.set(i.venue, list);
  }
  const settings: VenueSettings[] = [...byVenue].map(([venue, instruments]) => ({
    venue,
    instruments,
    balances: Object.fromEntries(instruments.map((i) => [i.quote, balance])),
    ...(options.fees?.[venue] === undefined ? {} : { fees: options.fees[venue] }),
  }));
  const portfolio = new Portfolio();
  const venues = buildVenues({ seed: options.seed, venues: settings }, portfolio);
  const tradedVenueSim = venues.find((v) => v.venueId === tradedVenue) as SimulatedVenue;
  const instrument = tradedVenueSim.instrument(tradedSymbol);

  const recorder = new StepRecorder(options.strategy, tradedVenue, tradedSymbol, options.warmUp ?? true);
  const engine = new Engine({ venues, portfolio, strategy: recorder, clock: new TestClock(0), seed: options.seed });

  const markAll = (): void => {
    for (const pos of portfolio.positions()) {
      if (pos.qtyLots === 0) continue;
      const v = venues.find((x) => x.venueId === pos.venue);
      if (v === undefined || !v.trades(pos.symbol)) continue;
      const book = v.book(pos.symbol);
      const bid = book.bestBid();
      const ask = book.bestAsk();
      if (bid !== NO_BID && ask !== NO_ASK) portfolio.mark(pos.instrument, bid, ask);
    }
  };
  const equityNow = (): number => {
    markAll();
    return Number(portfolio.equityAtoms()) / ATOMS;
  };
  const tradedAtoms = (): bigint => portfolio.position(instrument).tradedNotionalAtoms;

  const results: RolloutResult[] = [];
  let actions: TrajectoryAction[] = [];
  let sizes: number[] = [];
  let perturbedFlags: boolean[] = [];
  let equities: number[] = [];
  let stepTimes: number[] = [];
  let tradedAtStart = 0n;
  let feesAtStart = 0n;
  let eventsAtStart = 0;
  let next = 0;
  let open = -1; // the window whose steps are being recorded
  const closeStep = (): void => {
    const lots = recorder.takeFlowLots();
    actions.push(lots > 0 ? TrajectoryAction.Buy : lots < 0 ? TrajectoryAction.Sell : TrajectoryAction.Hold);
    sizes.push(lots === 0 ? 0 : Math.min(1, Math.abs(lots) / options.capLots));
  };
  const closeWindow = (): void => {
    const window = windows[open] as RolloutWindow;
    engine.advanceTo(window.endUs);
    closeStep();
    recorder.deactivate();
    const finalEquity = equityNow();
    const startingEquity = equities[0] as number;
    const steps: RolloutStep[] = equities.map((equity, i) => {
      const after = i + 1 < equities.length ? (equities[i + 1] as number) : finalEquity;
      return {
        t0Us: stepTimes[i] as number,
        action: actions[i] as TrajectoryAction,
        size: sizes[i] as number,
        equity,
        reward: startingEquity === 0 ? 0 : (after - equity) / startingEquity,
        perturbed: perturbedFlags[i] as boolean,
      };
    });
    results.push({
      strategy: options.strategy.name,
      steps,
      startingEquity,
      finalEquity,
      tradedNotional: Number(tradedAtoms() - tradedAtStart) / ATOMS,
      fees: Number(portfolio.totalFeesAtoms - feesAtStart) / ATOMS,
      events: engine.eventCount - eventsAtStart,
    });
    actions = [];
    sizes = [];
    perturbedFlags = [];
    equities = [];
    stepTimes = [];
    open = -1;
  };
  const boundary = (): void => {
    const t0 = times[next] as number;
    const w = windowOf[next] as number;
    engine.advanceTo(t0);
    if (open === w) closeStep();
    else {
      open = w;
      recorder.activate();
      tradedAtStart = tradedAtoms();
      feesAtStart = portfolio.totalFeesAtoms;
      eventsAtStart = engine.eventCount;
    }
    stepTimes.push(t0);
    equities.push(equityNow());
    let perturbed = false;
    if (epsilon > 0) {
      const random = (options.perturbation as Perturbation).random;
      if (random.next() < epsilon) {
        perturbed = true;
        const action = random.int(0, 2) as TrajectoryAction;
        const u = random.next();
        recorder.suppress(true);
        if (action !== TrajectoryAction.Hold) {
          const position = portfolio.position(instrument).qtyLots;
          const room = action === TrajectoryAction.Buy ? options.capLots - position : options.capLots + position;
          const lots = Math.min(Math.max(1, Math.round(u * options.capLots)), Math.floor(room));
          if (lots > 0) {
            recorder.sendOwn(engine.context, {
              venue: tradedVenue,
              symbol: tradedSymbol,
              side: action === TrajectoryAction.Buy ? 'buy' : 'sell',
              type: 'market',
              qtyLots: lots,
              tag: 'epsilon',
            });
          }
        }
      } else recorder.suppress(false);
    }
    perturbedFlags.push(perturbed);
    next++;
  };
  // Closes the open window when `atUs` is past its end and all its steps have started.
  const closeDue = (atUs: number): void => {
    if (open >= 0 && (next >= n || windowOf[next] !== open) && atUs > (windows[open] as RolloutWindow).endUs)
      closeWindow();
  };

  const finalEnd = (windows[windows.length - 1] as RolloutWindow).endUs;
  for await (const event of options.events) {
    for (;;) {
      closeDue(event.localTs);
      if (next < n && (times[next] as number) < event.localTs) boundary();
      else break;
    }
    // The last window's last step ends at its endUs; nothing later is fed.
    if (event.localTs > finalEnd) break;
    engine.step(event);
  }
  while (next < n || open >= 0) {
    closeDue(Number.POSITIVE_INFINITY);
    if (next < n) boundary();
  }
  engine.finish();
  return results;
}

/**
 * Sits between the engine and the strategy: counts the strategy's net order flow in the traded
 * instrument, and holds its orders back before the first step (warm-up) and in perturbed steps
 * (answering with an id no venue knows, whose cancels are ignored).
 */
class StepRecorder implements Strategy {
  readonly name: string;
  private flowLots = 0;
  private active: boolean;
  private held = false;
  private heldSeq = 0;
  private readonly heldIds = new Set<string>();
  private proxy: StrategyContext | undefined;

  constructor(
    private readonly inner: Strategy,
    private readonly venue: string,
    private readonly symbol: string,
    warmUp: boolean,
  ) {
    this.name = inner.name;
    this.active = !warmUp;
  }

  activate(): void {
    this.active = true;
  }

  deactivate(): void {
    this.active = false;
    this.held = false;
  }

  suppress(on: boolean): void {
    this.held = on;
  }

  takeFlowLots(): number {
    const lots = this.flowLots;
    this.flowLots = 0;
    return lots;
  }

  /** Sends an order of the recorder's own (a perturbation), counted in the step's flow. */
  sendOwn(ctx: StrategyContext, request: OrderRequest): string {
    this.count(request);
    return ctx.placeOrder(request);
  }

  private count(request: OrderRequest): void {
    if (request.venue !== this.venue || request.symbol !== this.symbol) return;
    const lots = request.qtyLots ?? 0;
    this.flowLots += request.side === 'buy' ? lots : -lots;
  }

  private holdBack(): string {
    const id = `held-${this.heldSeq++}`;
    this.heldIds.add(id);
    return id;
  }

  private ctx(ctx: StrategyContext): StrategyContext {
    if (this.proxy !== undefined) return this.proxy;
    const place = (request: OrderRequest): string => {
      if (!this.active || this.held) return this.holdBack();
      this.count(request);
      return ctx.placeOrder(request);
    };
    this.proxy = {
      ...ctx,
      placeOrder: place,
      cancelOrder: (venue, orderId) => {
        if (this.heldIds.delete(orderId)) return;
        ctx.cancelOrder(venue, orderId);
      },
      replaceOrder: (venue, orderId, request) => {
        if (this.heldIds.delete(orderId)) return place(request);
        if (!this.active || this.held) {
          ctx.cancelOrder(venue, orderId);
          return this.holdBack();
        }
        this.count(request);
        return ctx.replaceOrder(venue, orderId, request);
      },
    };
    return this.proxy;
  }

  onStart(ctx: StrategyContext): void {
    this.inner.onStart?.(this.ctx(ctx));
  }
  onEvent(event: MarketEvent, ctx: StrategyContext): void {
    this.inner.onEvent(event, this.ctx(ctx));
  }
  onTimer(timer: Parameters<NonNullable<Strategy['onTimer']>>[0], ctx: StrategyContext): void {
    this.inner.onTimer?.(timer, this.ctx(ctx));
  }
  onOrderUpdate(update: Parameters<NonNullable<Strategy['onOrderUpdate']>>[0], ctx: StrategyContext): void {
    this.inner.onOrderUpdate?.(update, this.ctx(ctx));
  }
  onFill(fill: Parameters<NonNullable<Strategy['onFill']>>[0], ctx: StrategyContext): void {
    this.inner.onFill?.(fill, this.ctx(ctx));
  }
  onCancelReject(reject: Parameters<NonNullable<Strategy['onCancelReject']>>[0], ctx: StrategyContext): void {
    this.inner.onCancelReject?.(reject, this.ctx(ctx));
  }
  onEnd(ctx: StrategyContext): void {
    this.inner.onEnd?.(this.ctx(ctx));
  }
}

/** A strategy that never trades: the "flat" benchmark of the evaluation. */
export const flatStrategy: Strategy = { name: 'flat', onEvent() {} };

/**
 * Buys `qtyLots` of the traded instrument at the first book it sees after the start and holds:
 * the "buy and hold" benchmark of the evaluation.
 *
 * @example
 * ```ts
 * buyAndHold({ venue: 'binance', symbol: 'BTC/USDT', qtyLots: 300 });
 * ```
 */
export function buyAndHold(options: { venue: string; symbol: string; qtyLots: number }): Strategy {
  let sent = false;
  return {
    name: 'buy-and-hold',
    onEvent(event, ctx) {
      if (sent || event.venue !== options.venue || event.symbol !== options.symbol) return;
      const book = ctx.book(options.venue, options.symbol);
      if (book.bestAsk() === NO_ASK || book.bestBid() === NO_BID) return;
      const id = ctx.placeOrder({ ...options, side: 'buy', type: 'market', qtyLots: options.qtyLots });
      // Held back during warm-up: try again at the next event.
      sent = !id.startsWith('held-');
    },
  };
}

/** `new SeededRandom(seed).fork(label)`: the generator of one perturbed variant. */
export function variantRandom(seed: number, label: string): SeededRandom {
  return new SeededRandom(seed).fork(label);
}
