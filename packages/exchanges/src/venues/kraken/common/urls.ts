/**
 * Kraken endpoints; override them in the adapter config (the replay kit uses loopback URLs).
 *
 * @module
 */
export interface KrakenUrls {
  /** Public WebSocket v2, e.g. `wss://ws.kraken.com/v2`. */
  readonly ws: string;
  /** Authenticated WebSocket v2 (level3), e.g. `wss://ws-auth.kraken.com/v2`. */
  readonly wsAuth: string;
}

export const KRAKEN_URLS: KrakenUrls = {
  ws: 'wss://ws.kraken.com/v2',
  wsAuth: 'wss://ws-auth.kraken.com/v2',
};
