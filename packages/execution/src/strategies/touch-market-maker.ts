import type { MarketEvent } from '@tickerml/core';
import type { OrderView, Strategy, StrategyContext } from '../kernel.js';
import type { OrderRequest } from '../orders.js';
import { hasTouch, isBookEventFor, positionLots } from './common.js';

/** Options of {@link touchMarketMaker}. */
export interface TouchMarketMakerOptions {
  readonly venue: string;
  readonly symbol: string;
  /** Size quoted on each side, lots. */
  readonly qtyLots: number;
  /** Inventory band: stop bidding above `+max`, stop offering below `−max` (spot: below 0). */
  readonly maxInventoryLots: number;
  /** Minimum time between two requotes of one side, µs. Default 100 ms. */
  readonly requoteUs?: number;
}

/**
 * Market making at the touch: one post-only bid at the best bid and one post-only ask at the best
 * ask; when the touch moves away from a quote, the quote is cancel-replaced at the new touch.
 * Inventory is bounded by `maxInventoryLots`.
 *
 * @example
 * ```ts
 * const s = touchMarketMaker({ venue: 'binance', symbol: 'BTC/USDT', qtyLots: 50_000, maxInventoryLots: 200_000 });
 * ```
 */
export function touchMarketMaker(options: TouchMarketMakerOptions): Strategy {
  const requoteUs = options.requoteUs ?? 100_000;
  const lastQuoteUs = { buy: Number.NEGATIVE_INFINITY, sell: Number.NEGATIVE_INFINITY };
  const postOnly = (side: 'buy' | 'sell', priceTicks: number): OrderRequest => ({
    venue: options.venue,
    symbol: options.symbol,
    side,
    type: 'post_only',
    priceTicks,
    qtyLots: options.qtyLots,
    tag: `mm-${side}`,
  });
  const quote = (
    ctx: StrategyContext,
    side: 'buy' | 'sell',
    priceTicks: number,
    working: OrderView | undefined,
    allowed: boolean,
  ) => {
    const now = ctx.nowUs();
    if (working !== undefined) {
      if (working.cancelPending || working.status === 'pending') return;
      if (!allowed) {
        ctx.cancelOrder(options.venue, working.orderId);
        return;
      }
      if (working.priceTicks === priceTicks || now - lastQuoteUs[side] < requoteUs) return;
      ctx.replaceOrder(options.venue, working.orderId, postOnly(side, priceTicks));
      lastQuoteUs[side] = now;
      return;
    }
    if (!allowed || now - lastQuoteUs[side] < requoteUs) return;
    ctx.placeOrder(postOnly(side, priceTicks));
    lastQuoteUs[side] = now;
  };
  return {
    name: 'touch-market-maker',
    onEvent(e: MarketEvent, ctx: StrategyContext) {
      if (!isBookEventFor(e, options.venue, options.symbol)) return;
      const book = ctx.book(options.venue, options.symbol);
      if (!hasTouch(book)) return;
      const pos = positionLots(ctx, options.venue, options.symbol);
      const perpetual = ctx.instrument(options.venue, options.symbol).perpetual;
      let bid: OrderView | undefined;
      let ask: OrderView | undefined;
      for (const o of ctx.openOrders(options.venue, options.symbol)) {
        if (o.side === 'buy') bid ??= o;
        else ask ??= o;
      }
      quote(ctx, 'buy', book.bestBid(), bid, pos + options.qtyLots <= options.maxInventoryLots);
      quote(
        ctx,
        'sell',
        book.bestAsk(),
        ask,
        perpetual ? pos - options.qtyLots >= -options.maxInventoryLots : pos >= options.qtyLots,
      );
    },
  };
}
