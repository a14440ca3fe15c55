/**
 * Binance USD-M `markPrice` subscription.
 *
 * @module
 */
export function markPriceSubscribe(venueSymbols: readonly string[], id: number): string {
  return JSON.stringify({
    method: 'SUBSCRIBE',
    params: venueSymbols.map((s) => `${s.toLowerCase()}@markPrice@1s`),
    id,
  });
}
