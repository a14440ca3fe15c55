import type { MarketEvent } from '@tickerml/core';
import { RollingVwap } from '@tickerml/microstructure';
import type { Strategy, StrategyContext } from '../kernel.js';
import { crossTouch, hasTouch, hasWorkingOrder } from './common.js';

/** Options of {@link vwapReversion}. */
export interface VwapReversionOptions {
  readonly venue: string;
  readonly symbol: string;
  /** VWAP window, µs of receive time. Default 60 s. */
  readonly windowUs?: number;
  /** Deviation of the mid from the VWAP that triggers a trade, basis points. Default 5. */
  readonly thresholdBps?: number;
  readonly qtyLots: number;
  readonly maxPositionLots: number;
  /** Minimum time between two orders, µs. Default 1 s. */
  readonly cooldownUs?: number;
}

/**
 * VWAP-deviation mean reversion: keeps a rolling VWAP of public trades over `windowUs`
 * (microstructure's `RollingVwap`, on receive time); buys at the ask when the mid is more than
 * `thresholdBps` below it, sells at the bid when above.
 *
 * @example
 * ```ts
 * const s = vwapReversion({ venue: 'binance', symbol: 'BTC/USDT', thresholdBps: 3, qtyLots: 100_000, maxPositionLots: 300_000 });
 * ```
 */
export function vwapReversion(options: VwapReversionOptions): Strategy {
  const threshold = options.thresholdBps ?? 5;
  const cooldownUs = options.cooldownUs ?? 1_000_000;
  const vwap = new RollingVwap(options.windowUs ?? 60_000_000);
  let trades = 0;
  let lastOrderUs = Number.NEGATIVE_INFINITY;
  return {
    name: 'vwap-reversion',
    onEvent(e: MarketEvent, ctx: StrategyContext) {
      if (e.venue !== options.venue || e.symbol !== options.symbol) return;
      if (e.kind === 'trade') {
        vwap.onTrade(e.localTs, e.priceTicks, e.qtyLots);
        trades++;
      }
      if (trades < 20) return;
      const now = ctx.nowUs();
      if (now - lastOrderUs < cooldownUs || hasWorkingOrder(ctx, options.venue, options.symbol)) return;
      const book = ctx.book(options.venue, options.symbol);
      if (!hasTouch(book)) return;
      const deviationBps = vwap.advance(e.localTs) > 0 ? vwap.deviationBps(book.mid()) : Number.NaN;
      if (Number.isNaN(deviationBps)) return;
      const side = deviationBps < -threshold ? 'buy' : deviationBps > threshold ? 'sell' : undefined;
      if (side !== undefined && crossTouch(ctx, book, options, side, `vwap-${side}`)) lastOrderUs = now;
    },
  };
}
