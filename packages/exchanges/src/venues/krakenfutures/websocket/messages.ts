/**
 * Kraken Futures `ticker` subscription.
 *
 * @module
 */
export function tickerSubscribe(productIds: readonly string[]): string {
  return JSON.stringify({ event: 'subscribe', feed: 'ticker', product_ids: productIds });
}
