/**
 * Binance USD-M `markPriceUpdate` → {@link FundingRate} (`r` the rate, `T` the next funding time).
 *
 * @module
 */

import type { HandlerHooks } from '../../../common/feed.js';
import { FundingHandlerBase, isDecimalText } from '../../../common/funding.js';
import { msToUs } from '../../../common/levels.js';
import { parseBinanceFrame } from '../../binance/websocket/parse.js';
import { BINANCE_USDM, toUsdmSymbol } from '../common/urls.js';
import { markPriceSubscribe } from './messages.js';

/**
 * Funding rates from Binance USD-M perpetuals.
 *
 * @example
 * const h = new BinanceUsdmFundingHandler(['BTC/USDT:USDT'], { emit: console.log, requestSnapshot() {} });
 * h.onFrame('{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","r":"0.0001","T":2}}', 0);
 */
export class BinanceUsdmFundingHandler extends FundingHandlerBase {
  readonly venue = BINANCE_USDM.venue;
  constructor(symbols: readonly string[], hooks: HandlerHooks) {
    super(new Map(symbols.map((s) => [toUsdmSymbol(s), s])), hooks, BINANCE_USDM.venue);
  }

  subscribeMessages(): string[] {
    return [markPriceSubscribe([...this.symbols.keys()], 1)];
  }

  onFrame(text: string, localTs: number): void {
    const msg = parseBinanceFrame(text);
    if (typeof msg === 'string') return this.bad(text, msg);
    if (msg.type !== 'markPrice') {
      this.venueStats.frames++;
      return;
    }
    if (!isDecimalText(msg.r)) return this.bad(text, `markPriceUpdate: r ${JSON.stringify(msg.r)} is not a decimal`);
    this.emitFunding(text, msg.s, msg.r, msToUs(msg.T, localTs), msToUs(msg.E, localTs), localTs);
  }
}
