/**
 * Coinbase Advanced Trade request messages (one channel per message, as the venue requires).
 *
 * @module
 */
export type CoinbaseChannel = 'level2' | 'market_trades' | 'heartbeats' | 'ticker';

export function subscribeMessage(channel: CoinbaseChannel, productIds: readonly string[]): string {
  return JSON.stringify({ type: 'subscribe', product_ids: productIds, channel });
}

export function unsubscribeMessage(channel: CoinbaseChannel, productIds: readonly string[]): string {
  return JSON.stringify({ type: 'unsubscribe', product_ids: productIds, channel });
}
