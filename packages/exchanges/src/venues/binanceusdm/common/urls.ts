/**
 * Binance USD-M futures endpoints and symbols.
 *
 * @module
 */
export interface BinanceUsdmUrls {
  /** WebSocket base, e.g. `wss://fstream.binance.com`; `/stream` is appended. */
  readonly ws: string;
}
export const BINANCE_USDM_URLS: BinanceUsdmUrls = { ws: 'wss://fstream.binance.com' };
export const BINANCE_USDM = {
  venue: 'binanceusdm',
  maxMessagesPerSecond: 10,
  connectionLifetimeMs: 24 * 3600 * 1000,
} as const;

/** `BTC/USDT:USDT` → `BTCUSDT`. */
export function toUsdmSymbol(symbol: string): string {
  return symbol.replace(/:.*$/, '').replace('/', '').toUpperCase();
}
