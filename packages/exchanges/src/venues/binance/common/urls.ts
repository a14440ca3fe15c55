/**
 * Binance.US endpoints. Override them in the adapter config (for the replay kit, or binance.com).
 *
 * @module
 */
export interface BinanceUrls {
  /** WebSocket base, e.g. `wss://stream.binance.us:9443`; the adapter appends `/stream`. */
  readonly ws: string;
  /** REST base, e.g. `https://api.binance.us`; the adapter appends `/api/v3/depth`. */
  readonly rest: string;
}

/** Binance.US production endpoints. */
export const BINANCE_US_URLS: BinanceUrls = {
  ws: 'wss://stream.binance.us:9443',
  rest: 'https://api.binance.us',
};

/** URL of the REST depth snapshot for `venueSymbol` (e.g. `BTCUSDT`). */
export function depthSnapshotUrl(urls: BinanceUrls, venueSymbol: string, limit: number): string {
  return `${urls.rest}/api/v3/depth?symbol=${encodeURIComponent(venueSymbol)}&limit=${limit}`;
}

/** URL of the combined-stream WebSocket endpoint. */
export function combinedStreamUrl(urls: BinanceUrls): string {
  return `${urls.ws}/stream`;
}
