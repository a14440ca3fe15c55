/**
 * Binance symbol mapping.
 *
 * @module
 */

/** `BTC/USDT` → `BTCUSDT`. */
export function toBinanceSymbol(symbol: string): string {
  return symbol.replace('/', '').replace(/:.*$/, '').toUpperCase();
}

/** Lower-case stream prefix, `BTC/USDT` → `btcusdt`. */
export function toStreamPrefix(symbol: string): string {
  return toBinanceSymbol(symbol).toLowerCase();
}
