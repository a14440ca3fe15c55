/**
 * Queue-position models: where our resting limit order stands among the displayed quantity at
 * its price, and how that estimate moves as the level changes.
 *
 * Shared rules, applied by the venue whatever the model:
 * - **Joining**: a resting order joins behind the whole displayed quantity at its price
 *   (`queueAheadLots = displayed`), or, on L3 data, behind every order resting at that price.
 * - **Trades at our price** consume the queue ahead first, then fill us, partially up to the
 *   trade size: with `T` lots traded, `A` lots ahead and `O` lots of our own earlier orders at
 *   that price, we fill `clamp(floor(T − A − O), 0, leaves)` and the queue ahead shrinks by the
 *   market share of the traded volume that passed it.
 * - The models differ only in how a **decrease of the displayed level not explained by trades**
 *   (a cancel) moves us, {@link QueueModel.onDepthChange}.
 *
 * @module
 */
import type { SimOrder } from './orders.js';

/** The model kinds. */
export const QueueModelKind = {
  RiskAverse: 'risk_averse',
  ProbPower: 'prob_power',
  ProbLog: 'prob_log',
  L3Fifo: 'l3_fifo',
} as const;
export type QueueModelKind = (typeof QueueModelKind)[keyof typeof QueueModelKind];

/** Moves an order's estimated queue position when the displayed level at its price changes. */
export interface QueueModel {
  readonly kind: QueueModelKind;
  /** True when the model needs L3 (order-level) events. */
  readonly needsL3: boolean;
  /**
   * The displayed quantity at the order's price went from `prevLots` to `nextLots` (a depth
   * update; trades at the price since the previous update total `order.tradedSinceDepthLots`).
   * Updates `order.queueAheadLots` and resets `order.tradedSinceDepthLots`.
   */
  onDepthChange(order: SimOrder, prevLots: number, nextLots: number): void;
}

/**
 * Risk-averse: only trades at our price advance us. A level shrinking below our queue ahead caps
 * it: `ahead' = min(ahead, next)`; cancels never move us otherwise.
 *
 * @example
 * ```ts
 * const q = riskAverseQueue();
 * // ahead 5, the level drops from 5 to 3 with no trade: ahead becomes 3
 * ```
 */
export function riskAverseQueue(): QueueModel {
  return {
    kind: 'risk_averse',
    needsL3: false,
    onDepthChange(order, _prevLots, nextLots) {
      order.tradedSinceDepthLots = 0;
      if (order.queueAheadLots > nextLots) order.queueAheadLots = nextLots;
    },
  };
}

/**
 * The probabilistic step shared by the power and log models (the scheme of hftbacktest's
 * `ProbQueueModel`, re-derived here):
 *
 * - `chg = prev − next − tradedSinceDepth` is the decrease not explained by trades;
 * - if `chg < 0` (the level grew) then `ahead' = min(ahead, next)`;
 * - else with `front = ahead` and `back = prev − front` (≥ 0), `p = f(back) / (f(back) + f(front))`
 *   is the probability that a cancelled lot was behind us (1 when undefined, e.g. 0/0), and
 *   `ahead' = min(next, max(0, front − (1 − p)·chg + min(back − p·chg, 0)))`: the share
 *   `(1 − p)` of the cancel came from ahead, and any cancel assigned behind us beyond what is
 *   behind us spills to the front.
 */
function probabilistic(kind: 'prob_power' | 'prob_log', f: (lots: number) => number): QueueModel {
  return {
    kind,
    needsL3: false,
    onDepthChange(order, prevLots, nextLots) {
      const chg = prevLots - nextLots - order.tradedSinceDepthLots;
      order.tradedSinceDepthLots = 0;
      if (chg < 0) {
        if (order.queueAheadLots > nextLots) order.queueAheadLots = nextLots;
        return;
      }
      const front = order.queueAheadLots;
      const back = Math.max(0, prevLots - front);
      const fb = f(back);
      let p = fb / (fb + f(front));
      if (!Number.isFinite(p)) p = 1;
      const back2 = back - p * chg;
      let est = front - (1 - p) * chg + Math.min(back2, 0);
      if (est < 0) est = 0;
      order.queueAheadLots = Math.min(est, nextLots);
    },
  };
}

/**
 * Probabilistic queue with `f(x) = x^n`: a cancel of `chg` lots is behind us with probability
 * `back^n / (back^n + front^n)`. Larger `n` assumes cancels come more from the larger side.
 *
 * @param exponent `n`, > 0 (hftbacktest's examples use 2 or 3).
 * @example
 * ```ts
 * // ahead 4 behind 6, a cancel of 2 with n = 2: p = 36/52, ahead' = 4 − (16/52)·2 ≈ 3.3846
 * powerProbQueue(2);
 * ```
 */
export function powerProbQueue(exponent: number): QueueModel {
  return probabilistic('prob_power', (x) => x ** exponent);
}

/**
 * Probabilistic queue with `f(x) = ln(1 + x)`: a cancel is behind us with probability
 * `ln(1+back) / (ln(1+back) + ln(1+front))`.
 *
 * @example
 * ```ts
 * // ahead 4 behind 6, a cancel of 2: p = ln 7 / (ln 7 + ln 5), ahead' = 4 − (1 − p)·2
 * logProbQueue();
 * ```
 */
export function logProbQueue(): QueueModel {
  return probabilistic('prob_log', Math.log1p);
}

/**
 * Exact FIFO on L3 data: our order joins behind every order resting at its price when it
 * arrives; only those orders count. A removal or a size decrease of an order ahead moves us up
 * by exactly that quantity; an order ahead that grows or changes price loses its priority and
 * leaves the queue ahead; orders added after us never count. Trades at our price consume the
 * orders ahead in their time order. Depth updates (L2) do not move us.
 *
 * @example
 * ```ts
 * l3FifoQueue(); // needs OrderAdded / OrderChanged / OrderRemoved events for the instrument
 * ```
 */
export function l3FifoQueue(): QueueModel {
  return {
    kind: 'l3_fifo',
    needsL3: true,
    onDepthChange(order) {
      order.tradedSinceDepthLots = 0;
    },
  };
}
