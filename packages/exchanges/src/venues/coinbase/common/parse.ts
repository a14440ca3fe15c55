/**
 * Coinbase symbol mapping.
 *
 * @module
 */

/** `BTC/USD` → `BTC-USD`. */
export function toCoinbaseProduct(symbol: string): string {
  return symbol.replace('/', '-').toUpperCase();
}
