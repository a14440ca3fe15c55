/**
 * Kraken Futures endpoints and symbols.
 *
 * @module
 */
export interface KrakenFuturesUrls {
  /** WebSocket v1, e.g. `wss://futures.kraken.com/ws/v1`. */
  readonly ws: string;
}
export const KRAKEN_FUTURES_URLS: KrakenFuturesUrls = { ws: 'wss://futures.kraken.com/ws/v1' };
export const KRAKEN_FUTURES = { venue: 'krakenfutures', maxMessagesPerSecond: 10 } as const;

/** `BTC/USD:USD` → `PF_XBTUSD` (Kraken calls bitcoin XBT). */
export function toKrakenFuturesProduct(symbol: string): string {
  const [pair] = symbol.split(':');
  const [base, quote] = (pair ?? symbol).split('/');
  return `PF_${base === 'BTC' ? 'XBT' : base}${quote}`;
}
