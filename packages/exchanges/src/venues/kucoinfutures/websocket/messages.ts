/**
 * KuCoin Futures instrument-topic subscription (carries `funding.rate`).
 *
 * @module
 */
export function instrumentSubscribe(venueSymbol: string, id: string): string {
  return JSON.stringify({
    id,
    type: 'subscribe',
    topic: `/contract/instrument:${venueSymbol}`,
    privateChannel: false,
    response: true,
  });
}
