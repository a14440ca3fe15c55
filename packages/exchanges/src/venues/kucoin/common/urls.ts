/**
 * KuCoin endpoints; override them in the adapter config. The WebSocket endpoint itself comes from
 * the bullet response (`instanceServers[0].endpoint`).
 *
 * @module
 */
export interface KucoinUrls {
  /** REST base, e.g. `https://api.kucoin.com`. */
  readonly rest: string;
}

export const KUCOIN_URLS: KucoinUrls = { rest: 'https://api.kucoin.com' };

/** `POST` this for a public WebSocket token and server list. */
export function bulletPublicUrl(urls: KucoinUrls): string {
  return `${urls.rest}/api/v1/bullet-public`;
}

/** Public REST depth snapshot (top 100) of `venueSymbol`, e.g. `BTC-USDT`. */
export function depthSnapshotUrl(urls: KucoinUrls, venueSymbol: string): string {
  return `${urls.rest}/api/v1/market/orderbook/level2_100?symbol=${encodeURIComponent(venueSymbol)}`;
}
