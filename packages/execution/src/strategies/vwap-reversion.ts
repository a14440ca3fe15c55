import type { MarketEvent } from '../internal/core.js';
import type { Strategy, StrategyContext } from '../kernel.js';
import { hasTouch, hasWorkingOrder, positionLots } from './common.js';

/** Options of {@link vwapReversion}. */
export interface VwapReversionOptions {
  readonly venue: string;
  readonly symbol: string;
  /** VWAP window, µs of trade time. Default 60 s. */
  readonly windowUs?: number;
  /** Deviation of the mid from the VWAP that triggers a trade, basis points. Default 5. */
  readonly thresholdBps?: number;
  readonly qtyLots: number;
  readonly maxPositionLots: number;
  /** Minimum time between two orders, µs. Default 1 s. */
  readonly cooldownUs?: number;
}

/**
 * VWAP-deviation mean reversion: keeps a rolling VWAP of public trades over `windowUs`; buys at
 * the ask when the mid is more than `thresholdBps` below it, sells at the bid when above.
 * The window lives in a ring of fixed arrays (no allocation per trade once grown).
 *
 * @example
 * ```ts
 * const s = vwapReversion({ venue: 'binance', symbol: 'BTC/USDT', thresholdBps: 3, qtyLots: 100_000, maxPositionLots: 300_000 });
 * ```
 */
export function vwapReversion(options: VwapReversionOptions): Strategy {
  const windowUs = options.windowUs ?? 60_000_000;
  const threshold = (options.thresholdBps ?? 5) / 10_000;
  const cooldownUs = options.cooldownUs ?? 1_000_000;
  let ts = new Float64Array(1024);
  let pq = new Float64Array(1024);
  let q = new Float64Array(1024);
  let head = 0;
  let len = 0;
  let sumPq = 0;
  let sumQ = 0;
  let lastOrderUs = Number.NEGATIVE_INFINITY;
  const push = (t: number, price: number, qty: number) => {
    if (len === ts.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2);
        for (let i = 0; i < len; i++) b[i] = a[(head + i) % a.length] as number;
        return b;
      };
      ts = grow(ts);
      pq = grow(pq);
      q = grow(q);
      head = 0;
    }
    const i = (head + len) % ts.length;
    ts[i] = t;
    pq[i] = price * qty;
    q[i] = qty;
    len++;
    sumPq += price * qty;
    sumQ += qty;
    while (len > 0 && (ts[head] as number) < t - windowUs) {
      sumPq -= pq[head] as number;
      sumQ -= q[head] as number;
      head = (head + 1) % ts.length;
      len--;
    }
  };
  return {
    name: 'vwap-reversion',
    onEvent(e: MarketEvent, ctx: StrategyContext) {
      if (e.venue !== options.venue || e.symbol !== options.symbol) return;
      if (e.kind === 'trade') push(e.exchTs, e.priceTicks, e.qtyLots);
      if (sumQ <= 0 || len < 20) return;
      const now = ctx.nowUs();
      if (now - lastOrderUs < cooldownUs || hasWorkingOrder(ctx, options.venue, options.symbol)) return;
      const book = ctx.book(options.venue, options.symbol);
      if (!hasTouch(book)) return;
      const vwap = sumPq / sumQ;
      const deviation = (book.mid() - vwap) / vwap;
      const pos = positionLots(ctx, options.venue, options.symbol);
      const perpetual = ctx.instrument(options.venue, options.symbol).perpetual;
      if (deviation < -threshold && pos + options.qtyLots <= options.maxPositionLots) {
        ctx.placeOrder({
          venue: options.venue,
          symbol: options.symbol,
          side: 'buy',
          type: 'ioc',
          priceTicks: book.bestAsk(),
          qtyLots: options.qtyLots,
          tag: 'vwap-buy',
        });
        lastOrderUs = now;
      } else if (
        deviation > threshold &&
        (perpetual ? pos - options.qtyLots >= -options.maxPositionLots : pos >= options.qtyLots)
      ) {
        ctx.placeOrder({
          venue: options.venue,
          symbol: options.symbol,
          side: 'sell',
          type: 'ioc',
          priceTicks: book.bestBid(),
          qtyLots: options.qtyLots,
          tag: 'vwap-sell',
        });
        lastOrderUs = now;
      }
    },
  };
}
