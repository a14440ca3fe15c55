/**
 * Small helpers shared by the baseline strategies.
 *
 * @module
 */

import type { MarketEvent } from '@tickerml/core';
import type { VenueBook } from '../book.js';
import { NO_ASK, NO_BID } from '../book.js';
import type { StrategyContext } from '../kernel.js';

/** True when both sides of the book have a level. */
export function hasTouch(book: VenueBook): boolean {
  return book.bestBid() !== NO_BID && book.bestAsk() !== NO_ASK;
}

/**
 * Order-book imbalance over the best `levels` levels of each side:
 * `(bidLots − askLots) / (bidLots + askLots)`, in [−1, 1]; 0 for an empty book.
 */
export function bookImbalance(book: VenueBook, levels: number): number {
  let bid = 0;
  let ask = 0;
  const nb = Math.min(levels, book.bids.size);
  const na = Math.min(levels, book.asks.size);
  for (let i = 0; i < nb; i++) bid += book.bids.qtyAtIndex(i);
  for (let i = 0; i < na; i++) ask += book.asks.qtyAtIndex(i);
  const total = bid + ask;
  return total === 0 ? 0 : (bid - ask) / total;
}

/** Our position in lots on a venue's symbol (0 when none). */
export function positionLots(ctx: StrategyContext, venue: string, symbol: string): number {
  return ctx.portfolio.position(ctx.instrument(venue, symbol)).qtyLots;
}

/** True when an order of ours on that venue/symbol is still in flight or open. */
export function hasWorkingOrder(ctx: StrategyContext, venue: string, symbol: string): boolean {
  return ctx.openOrders(venue, symbol).length > 0;
}

/** True when `e` changes the book of that venue/symbol (a delta or a snapshot). */
export function isBookEventFor(e: MarketEvent, venue: string, symbol: string): boolean {
  return e.venue === venue && e.symbol === symbol && (e.kind === 'book_delta' || e.kind === 'book_snapshot');
}

/** What {@link crossTouch} sends: one venue/symbol, a fixed size and a position cap. */
export interface TouchTakerSizing {
  readonly venue: string;
  readonly symbol: string;
  /** Size of each order, lots. */
  readonly qtyLots: number;
  /** Largest absolute position, lots. */
  readonly maxPositionLots: number;
}

/**
 * Takes the touch on `side` with an IOC (a buy at the best ask, a sell at the best bid) when the
 * position allows it: a buy while the position stays within `maxPositionLots`; a sell of what is
 * held on spot, or down to `−maxPositionLots` on a perpetual. Returns whether an order was sent.
 */
export function crossTouch(
  ctx: StrategyContext,
  book: VenueBook,
  sizing: TouchTakerSizing,
  side: 'buy' | 'sell',
  tag: string,
): boolean {
  const { venue, symbol, qtyLots, maxPositionLots } = sizing;
  const pos = positionLots(ctx, venue, symbol);
  const allowed =
    side === 'buy'
      ? pos + qtyLots <= maxPositionLots
      : ctx.instrument(venue, symbol).perpetual
        ? pos - qtyLots >= -maxPositionLots
        : pos >= qtyLots;
  if (!allowed) return false;
  ctx.placeOrder({
    venue,
    symbol,
    side,
    type: 'ioc',
    priceTicks: side === 'buy' ? book.bestAsk() : book.bestBid(),
    qtyLots,
    tag,
  });
  return true;
}
