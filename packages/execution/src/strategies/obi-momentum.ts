import type { MarketEvent } from '@tickerml/core';
import { DepthImbalance } from '@tickerml/microstructure';
import type { Strategy, StrategyContext } from '../kernel.js';
import { crossTouch, hasTouch, hasWorkingOrder, isBookEventFor } from './common.js';

/** Options of {@link obiMomentum}. */
export interface ObiMomentumOptions {
  readonly venue: string;
  readonly symbol: string;
  /** Levels per side summed into the imbalance. Default 5. */
  readonly levels?: number;
  /** Imbalance beyond which we follow it, in (0, 1). Default 0.6. */
  readonly threshold?: number;
  /** Size of each order, lots. */
  readonly qtyLots: number;
  /** Largest absolute position, lots. */
  readonly maxPositionLots: number;
  /** Minimum time between two orders, µs. Default 1 s. */
  readonly cooldownUs?: number;
}

/**
 * Order-book-imbalance momentum (microstructure's `DepthImbalance`, flat over the top `levels`
 * levels, read on the venue book): when the top of the book leans to the bid (imbalance above
 * `threshold`), buy at the ask with an IOC; when it leans to the ask, sell at the bid. Long only
 * on spot (it sells what it holds), long/short on perpetuals.
 *
 * @example
 * ```ts
 * const s = obiMomentum({ venue: 'binance', symbol: 'BTC/USDT', qtyLots: 100_000, maxPositionLots: 300_000 });
 * ```
 */
export function obiMomentum(options: ObiMomentumOptions): Strategy {
  const imbalanceOf = new DepthImbalance(options.levels ?? 5);
  const threshold = options.threshold ?? 0.6;
  const cooldownUs = options.cooldownUs ?? 1_000_000;
  let lastOrderUs = Number.NEGATIVE_INFINITY;
  return {
    name: 'obi-momentum',
    onEvent(e: MarketEvent, ctx: StrategyContext) {
      if (!isBookEventFor(e, options.venue, options.symbol)) return;
      const now = ctx.nowUs();
      if (now - lastOrderUs < cooldownUs || hasWorkingOrder(ctx, options.venue, options.symbol)) return;
      const book = ctx.book(options.venue, options.symbol);
      if (!hasTouch(book)) return;
      const imbalance = imbalanceOf.update(book);
      const side = imbalance > threshold ? 'buy' : imbalance < -threshold ? 'sell' : undefined;
      if (side !== undefined && crossTouch(ctx, book, options, side, `obi-${side}`)) lastOrderUs = now;
    },
  };
}
