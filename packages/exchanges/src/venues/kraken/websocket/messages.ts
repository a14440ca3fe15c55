/**
 * Kraken v2 request messages.
 *
 * @module
 */

/** Subscribe to the L2 `book` channel of some symbols at `depth`. */
export function bookSubscribe(symbols: readonly string[], depth: number, reqId: number): string {
  return JSON.stringify({
    method: 'subscribe',
    params: { channel: 'book', symbol: symbols, depth, snapshot: true },
    req_id: reqId,
  });
}

/** Unsubscribe from the L2 `book` channel. */
export function bookUnsubscribe(symbols: readonly string[], depth: number, reqId: number): string {
  return JSON.stringify({ method: 'unsubscribe', params: { channel: 'book', symbol: symbols, depth }, req_id: reqId });
}

/** Subscribe to public trades. */
export function tradeSubscribe(symbols: readonly string[], reqId: number): string {
  return JSON.stringify({
    method: 'subscribe',
    params: { channel: 'trade', symbol: symbols, snapshot: false },
    req_id: reqId,
  });
}

/** Subscribe to L3 (order-level) data; needs a WebSocket token from the REST `GetWebSocketsToken` call. */
export function level3Subscribe(symbols: readonly string[], token: string, reqId: number): string {
  return JSON.stringify({
    method: 'subscribe',
    params: { channel: 'level3', symbol: symbols, snapshot: true, token },
    req_id: reqId,
  });
}

/** Application-level ping (the venue answers `{"method":"pong"}`). */
export function pingMessage(reqId: number): string {
  return JSON.stringify({ method: 'ping', req_id: reqId });
}
