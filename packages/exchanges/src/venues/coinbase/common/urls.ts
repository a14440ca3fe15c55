/**
 * Coinbase Advanced Trade endpoints; override them in the adapter config.
 *
 * @module
 */
export interface CoinbaseUrls {
  /** Market-data WebSocket, e.g. `wss://advanced-trade-ws.coinbase.com`. */
  readonly ws: string;
}

export const COINBASE_URLS: CoinbaseUrls = { ws: 'wss://advanced-trade-ws.coinbase.com' };
