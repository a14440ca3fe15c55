/**
 * Binance WebSocket request messages.
 *
 * @module
 */

/** Stream names of one symbol's book and trades, e.g. `btcusdt@depth@100ms`, `btcusdt@trade`. */
export function streamsFor(streamPrefix: string): string[] {
  return [`${streamPrefix}@depth@100ms`, `${streamPrefix}@trade`];
}

/** `SUBSCRIBE` request for some streams. */
export function subscribeMessage(streams: readonly string[], id: number): string {
  return JSON.stringify({ method: 'SUBSCRIBE', params: streams, id });
}
