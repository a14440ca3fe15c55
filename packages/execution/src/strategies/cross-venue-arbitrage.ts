import type { MarketEvent } from '@tickerml/core';
import type { Strategy, StrategyContext } from '../kernel.js';
import type { Fill } from '../portfolio.js';
import { hasTouch, hasWorkingOrder, positionLots } from './common.js';

/** Options of {@link crossVenueArbitrage}. */
export interface CrossVenueArbitrageOptions {
  /** The two venues and the symbol each trades (the same asset, prices on one tick grid). */
  readonly legA: { readonly venue: string; readonly symbol: string };
  readonly legB: { readonly venue: string; readonly symbol: string };
  /** Size of each leg, lots. */
  readonly qtyLots: number;
  /** Gross edge required before trading, basis points of the price (should cover both taker fees). Default 10. */
  readonly minEdgeBps?: number;
  /** Minimum time between two attempts, µs. Default 500 ms. */
  readonly cooldownUs?: number;
}

/** What the arbitrage saw and did; money in quote atoms. */
export interface ArbitrageStats {
  /** Times the displayed books showed an edge above the threshold. */
  opportunities: number;
  /** Pairs of legs sent. */
  attempts: number;
  /** Legs filled (lots) on each venue. */
  filledLotsA: number;
  filledLotsB: number;
  /** Edge the books showed at the attempts, summed, in ticks × lots. */
  quotedEdgeTickLots: number;
}

/**
 * Cross-exchange arbitrage with both legs on two simulated venues: when venue A's best bid is
 * above venue B's best ask by more than `minEdgeBps`, sell on A and buy on B (IOC at the quoted
 * prices), and the other way round. Each leg goes through its own venue's latency and fees, so
 * legs can miss or fill partly; the run's P&L after fees says whether the edge survives costs
 * (see {@link arbitrageSurvivesCosts}). Spot legs need inventory on the selling venue.
 *
 * @example
 * ```ts
 * const arb = crossVenueArbitrage({ legA: { venue: 'binance', symbol: 'BTC/USDT' }, legB: { venue: 'coinbase', symbol: 'BTC/USD' }, qtyLots: 10_000 });
 * ```
 */
export function crossVenueArbitrage(
  options: CrossVenueArbitrageOptions,
): Strategy & { readonly stats: ArbitrageStats } {
  const minEdge = (options.minEdgeBps ?? 10) / 10_000;
  const cooldownUs = options.cooldownUs ?? 500_000;
  const { legA, legB } = options;
  const stats: ArbitrageStats = {
    opportunities: 0,
    attempts: 0,
    filledLotsA: 0,
    filledLotsB: 0,
    quotedEdgeTickLots: 0,
  };
  let lastUs = Number.NEGATIVE_INFINITY;
  const tryLeg = (ctx: StrategyContext, sell: typeof legA, buy: typeof legB, sellPx: number, buyPx: number) => {
    stats.opportunities++;
    const now = ctx.nowUs();
    if (now - lastUs < cooldownUs) return;
    const sellPerp = ctx.instrument(sell.venue, sell.symbol).perpetual;
    if (!sellPerp && positionLots(ctx, sell.venue, sell.symbol) < options.qtyLots) return;
    ctx.placeOrder({
      venue: sell.venue,
      symbol: sell.symbol,
      side: 'sell',
      type: 'ioc',
      priceTicks: sellPx,
      qtyLots: options.qtyLots,
      tag: 'arb-sell',
    });
    ctx.placeOrder({
      venue: buy.venue,
      symbol: buy.symbol,
      side: 'buy',
      type: 'ioc',
      priceTicks: buyPx,
      qtyLots: options.qtyLots,
      tag: 'arb-buy',
    });
    stats.attempts++;
    stats.quotedEdgeTickLots += (sellPx - buyPx) * options.qtyLots;
    lastUs = now;
  };
  return {
    name: 'cross-venue-arbitrage',
    stats,
    onEvent(e: MarketEvent, ctx: StrategyContext) {
      if (e.kind !== 'book_delta' && e.kind !== 'book_snapshot') return;
      if (hasWorkingOrder(ctx, legA.venue, legA.symbol) || hasWorkingOrder(ctx, legB.venue, legB.symbol)) return;
      const a = ctx.book(legA.venue, legA.symbol);
      const b = ctx.book(legB.venue, legB.symbol);
      if (!hasTouch(a) || !hasTouch(b)) return;
      if (a.bestBid() - b.bestAsk() > minEdge * b.bestAsk()) tryLeg(ctx, legA, legB, a.bestBid(), b.bestAsk());
      else if (b.bestBid() - a.bestAsk() > minEdge * a.bestAsk()) tryLeg(ctx, legB, legA, b.bestBid(), a.bestAsk());
    },
    onFill(f: Fill) {
      if (f.venue === legA.venue) stats.filledLotsA += f.qtyLots;
      else if (f.venue === legB.venue) stats.filledLotsB += f.qtyLots;
    },
  };
}

/**
 * Whether the arbitrage made money after fees (and funding), from the run's net P&L in quote
 * atoms: true when positive.
 */
export function arbitrageSurvivesCosts(netPnlAtoms: bigint): boolean {
  return netPnlAtoms > 0n;
}
