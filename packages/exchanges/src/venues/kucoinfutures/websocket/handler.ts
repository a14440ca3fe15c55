/**
 * KuCoin Futures `/contract/instrument:<sym>` subject `funding.rate` → {@link FundingRate}
 * (`fundingRate`, applied at `timestamp`). Numbers kept as the exact text sent.
 *
 * @module
 */

import type { HandlerHooks } from '../../../common/feed.js';
import { FundingHandlerBase, isDecimalText, quoteNumberFields } from '../../../common/funding.js';
import { msToUs } from '../../../common/levels.js';
import { KUCOIN_FUTURES, toKucoinFuturesSymbol } from '../common/urls.js';
import { instrumentSubscribe } from './messages.js';

/**
 * Funding rates from KuCoin Futures perpetuals.
 *
 * @example
 * const h = new KucoinFuturesFundingHandler(['BTC/USDT:USDT'], { emit: console.log, requestSnapshot() {} });
 */
export class KucoinFuturesFundingHandler extends FundingHandlerBase {
  readonly venue = KUCOIN_FUTURES.venue;
  constructor(symbols: readonly string[], hooks: HandlerHooks) {
    super(new Map(symbols.map((s) => [toKucoinFuturesSymbol(s), s])), hooks, KUCOIN_FUTURES.venue);
  }

  subscribeMessages(): string[] {
    return [...this.symbols.keys()].map((s, i) => instrumentSubscribe(s, String(i + 1)));
  }

  onFrame(text: string, localTs: number): void {
    let root: unknown;
    try {
      root = JSON.parse(text.includes('fundingRate') ? quoteNumberFields(text, ['fundingRate']) : text);
    } catch {
      return this.bad(text, 'invalid JSON');
    }
    if (root === null || typeof root !== 'object' || Array.isArray(root)) return this.bad(text, 'not a JSON object');
    const r = root as Record<string, unknown>;
    if (r.type === 'welcome' || r.type === 'pong') {
      this.venueStats.frames++;
      this.hooks.onControl?.(r.type);
      return;
    }
    if (r.type !== 'message' || r.subject !== 'funding.rate') {
      this.venueStats.frames++;
      return;
    }
    const topic = typeof r.topic === 'string' ? r.topic : '';
    const venueSymbol = topic.slice(topic.indexOf(':') + 1);
    const data = r.data as Record<string, unknown> | null;
    if (data === null || typeof data !== 'object') return this.bad(text, 'funding.rate: data missing');
    if (!isDecimalText(data.fundingRate)) return this.bad(text, 'funding.rate: fundingRate is not a number');
    if (typeof data.timestamp !== 'number') return this.bad(text, 'funding.rate: timestamp missing');
    const ts = msToUs(data.timestamp, localTs);
    this.emitFunding(text, venueSymbol, data.fundingRate, ts, ts, localTs);
  }
}
