/**
 * KuCoin Futures endpoints and symbols.
 *
 * @module
 */
export interface KucoinFuturesUrls {
  /** REST base for the bullet token, e.g. `https://api-futures.kucoin.com`. */
  readonly rest: string;
}
export const KUCOIN_FUTURES_URLS: KucoinFuturesUrls = { rest: 'https://api-futures.kucoin.com' };
export const KUCOIN_FUTURES = { venue: 'kucoinfutures', maxMessagesPerSecond: 9 } as const;

/** `BTC/USDT:USDT` → `XBTUSDTM`. */
export function toKucoinFuturesSymbol(symbol: string): string {
  const [pair] = symbol.split(':');
  const [base, quote] = (pair ?? symbol).split('/');
  return `${base === 'BTC' ? 'XBT' : base}${quote}M`;
}
