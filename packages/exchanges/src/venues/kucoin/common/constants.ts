/**
 * KuCoin spot WebSocket facts.
 *
 * @module
 */
export const KUCOIN = {
  venue: 'kucoin',
  /** Client messages allowed per 10 s per connection (100), paced as 9 per second. */
  maxMessagesPerSecond: 9,
  /** Topics per connection. */
  maxTopicsPerConnection: 300,
  /** Symbols per subscribe message. */
  maxSymbolsPerSubscribe: 100,
  /** Used when the bullet response names no ping interval. */
  defaultPingIntervalMs: 18_000,
  defaultPingTimeoutMs: 10_000,
} as const;
