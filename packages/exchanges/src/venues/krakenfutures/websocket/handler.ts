/**
 * Kraken Futures `ticker` → {@link FundingRate}. The rate is `relative_funding_rate` (a fraction
 * of the price, what the event means by a rate) when sent, else `funding_rate`; the time is
 * `next_funding_rate_time`. Numbers are kept as the exact text the venue sent.
 *
 * @module
 */

import type { HandlerHooks } from '../../../common/feed.js';
import { FundingHandlerBase, isDecimalText, quoteNumberFields } from '../../../common/funding.js';
import { msToUs } from '../../../common/levels.js';
import { KRAKEN_FUTURES, toKrakenFuturesProduct } from '../common/urls.js';
import { tickerSubscribe } from './messages.js';

const FIELDS = ['funding_rate', 'relative_funding_rate'];

/**
 * Funding rates from Kraken Futures perpetuals.
 *
 * @example
 * const h = new KrakenFuturesFundingHandler(['BTC/USD:USD'], { emit: console.log, requestSnapshot() {} });
 */
export class KrakenFuturesFundingHandler extends FundingHandlerBase {
  readonly venue = KRAKEN_FUTURES.venue;
  constructor(symbols: readonly string[], hooks: HandlerHooks) {
    super(new Map(symbols.map((s) => [toKrakenFuturesProduct(s), s])), hooks, KRAKEN_FUTURES.venue);
  }

  subscribeMessages(): string[] {
    return [tickerSubscribe([...this.symbols.keys()])];
  }

  onFrame(text: string, localTs: number): void {
    let root: unknown;
    try {
      root = JSON.parse(text.includes('funding_rate') ? quoteNumberFields(text, FIELDS) : text);
    } catch {
      return this.bad(text, 'invalid JSON');
    }
    if (root === null || typeof root !== 'object' || Array.isArray(root)) return this.bad(text, 'not a JSON object');
    const r = root as Record<string, unknown>;
    if (r.feed !== 'ticker' || r.event !== undefined) {
      this.venueStats.frames++;
      return;
    }
    if (typeof r.product_id !== 'string') return this.bad(text, 'ticker: product_id missing');
    const rate = r.relative_funding_rate ?? r.funding_rate;
    if (rate === undefined) {
      this.venueStats.frames++;
      return; // ticker of a fixed-maturity future: no funding
    }
    if (!isDecimalText(rate)) return this.bad(text, 'ticker: funding rate is not a number');
    const next = r.next_funding_rate_time;
    if (typeof next !== 'number' || !Number.isFinite(next))
      return this.bad(text, 'ticker: next_funding_rate_time missing or not a number');
    this.emitFunding(text, r.product_id, rate, msToUs(next, localTs), msToUs(r.time, localTs), localTs);
  }
}
